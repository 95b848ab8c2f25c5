// The web dashboard end to end, in a real headless Chromium driven by playwright-core: `cw ui` prints a login
// link, the page logs in with it, shows sessions live, streams a terminal, types into it, shows activity
// changes, launches and kills; the daemon refuses requests without the cookie or from a foreign Origin.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import WebSocket from 'ws';
import type { SessionInfo } from '../../src/protocol/index.js';
import { ROOT, makeHome, waitFor, type Home } from '../support/harness.js';

const CHROMIUM = '/usr/bin/chromium';
const FAKE_CLAUDE = join(ROOT, 'tests/fixtures/agents/fake-claude.mjs');
const SCREENSHOT = join(ROOT, 'docs/dashboard.png');

interface Ui {
  url: string;
  login: string;
  expiresAt: string;
}

let h: Home;
let ctx: BrowserContext;
let page: Page;
let profile: string;
let ui: Ui;

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The upgrade's outcome: 'open', or the HTTP status it was refused with. */
function tryUpgrade(url: string, headers: Record<string, string>, origin?: string): Promise<number | 'open'> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers, ...(origin ? { origin } : {}) });
    ws.on('open', () => {
      ws.terminate();
      resolve('open');
    });
    ws.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      ws.terminate();
    });
    ws.on('error', (err) => reject(err));
  });
}

const terminalText = (): Promise<string> => page.locator('#terminal .xterm-rows').innerText();
const card = (id: string): ReturnType<Page['locator']> => page.locator(`.card[data-session-id="${id}"]`);
const status = (ref: string): Promise<SessionInfo> => h.json<SessionInfo>(['status', ref]);

async function sessionCookie(): Promise<string> {
  const c = (await ctx.cookies()).find((x) => x.name.startsWith('cw_session_'));
  if (!c) throw new Error('no session cookie in the browser');
  return `${c.name}=${c.value}`;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`${CHROMIUM} is missing: the dashboard tests drive a real browser. Install it with \`apt-get update && apt-get install -y chromium\` (.ci/run does this).`);
  }
  h = makeHome();
  await h.ok(['start']);
  profile = mkdtempSync('/tmp/cw-chromium-');
  ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 760 },
  });
  page = ctx.pages()[0] ?? (await ctx.newPage());
  page.on('pageerror', (err) => process.stderr.write(`page error: ${err.message}\n`));
}, 60_000);

afterAll(async () => {
  await ctx?.close().catch(() => {});
  if (profile) rmSync(profile, { recursive: true, force: true });
  await h?.cleanup();
});

describe('the web dashboard', () => {
  it('cw ui prints a one-time login link; the page logs in with it, and the link works only once', { timeout: 60_000 }, async () => {
    const r = await h.cw(['ui', '--json', '--no-open']);
    expect(r.code, r.stderr).toBe(0);
    ui = JSON.parse(r.stdout) as Ui;
    expect(ui.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    expect(ui.login.startsWith(`${ui.url}login?code=`)).toBe(true);
    expect(r.stderr).toContain('works once');
    // The token never appears in the link.
    expect(ui.login).not.toContain((await h.ok(['token'])).trim());
    // Plain output: the link alone on stdout.
    const plain = await h.cw(['ui', '--no-open']);
    expect(plain.stdout.trim()).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/login\?code=[\w-]+$/);

    await page.goto(ui.login);
    await page.waitForURL(ui.url);
    await page.waitForSelector('.conn[data-state="live"]');
    const cookie = (await ctx.cookies()).find((c) => c.name.startsWith('cw_session_'))!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });

    // Single use: the same code again is refused.
    const again = await get(ui.login);
    expect(again.status).toBe(401);
    expect(again.body).toContain('used already or it expired');
  });

  it('shows a session launched elsewhere, its output live in the terminal, and typing into it', { timeout: 60_000 }, async () => {
    const id = (await h.ok(['launch', '--name', 'shell', '--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile'])).trim();
    // Pushed over the events stream: no reload.
    await card(id).waitFor();
    await expect.poll(() => card(id).locator('.name').innerText()).toBe('shell');
    await expect.poll(() => card(id).locator('.cmd').innerText()).toBe('bash --norc --noprofile');

    await card(id).locator('button.open').click();
    await page.waitForSelector('#term-view:not([hidden])');
    await h.ok(['send', 'shell', 'echo from-cli-$((40+2))']);
    await expect.poll(terminalText, { timeout: 10_000 }).toContain('from-cli-42');

    // Read-only by default: keys typed now do not reach the session.
    await page.locator('#terminal').click();
    await page.keyboard.type('echo ignored');
    // Then the toggle: typing goes to the session.
    await page.locator('#type-toggle').check();
    await expect.poll(() => page.locator('.term-status').innerText()).toContain('typing');
    await page.locator('#terminal').click();
    await page.keyboard.type('echo typed-$((6*7))');
    await page.keyboard.press('Enter');
    await expect.poll(terminalText, { timeout: 10_000 }).toContain('typed-42');
    await waitFor(async () => (await h.ok(['screen', 'shell'])).includes('typed-42'), 'the typed command ran in the session');
    expect(await h.ok(['screen', 'shell'])).not.toContain('ignored');

    // A line from the page's send box.
    await page.locator('form.sendline input').fill('echo sent-line-ok');
    await page.locator('form.sendline button').click();
    await expect.poll(terminalText, { timeout: 10_000 }).toContain('sent-line-ok');

    // Detach leaves the program running.
    await page.locator('#detach').click();
    await page.waitForSelector('#sessions-view:not([hidden])');
    expect((await status('shell')).state).toBe('running');
    await waitFor(async () => (await status('shell')).clients === 0, 'the browser detached');
  });

  it('opens a session with a click anywhere on its card, but not from its own controls', { timeout: 60_000 }, async () => {
    const id = String((await status('shell')).id);
    // Typing into the card's send box is not a click on the card.
    await card(id).locator('form.send input').click();
    expect(await page.locator('#sessions-view').isHidden()).toBe(false);
    await card(id).locator('.cmd').click();
    await page.waitForSelector('#term-view:not([hidden])');
    expect(await page.locator('.term-title').innerText()).toBe(`shell #${id}`);
    await expect.poll(terminalText, { timeout: 10_000 }).toContain('sent-line-ok');
    await page.locator('#detach').click();
    await page.waitForSelector('#sessions-view:not([hidden])');
    // The keyboard too: Enter on a focused card.
    await card(id).focus();
    await page.keyboard.press('Enter');
    await page.waitForSelector('#term-view:not([hidden])');
    await page.locator('#detach').click();
    await page.waitForSelector('#sessions-view:not([hidden])');
    await waitFor(async () => (await status('shell')).clients === 0, 'the browser detached');
  });

  it('shows activity badges change (working → idle), and answers a waiting dialog with a key', { timeout: 60_000 }, async () => {
    const id = (await h.ok(['launch', '--name', 'fc', '--agent', 'claude', '--env', 'FAKE_WORK_MS=1500', '--', process.execPath, FAKE_CLAUDE])).trim();
    const badge = card(id).locator('.badge');
    await expect.poll(() => badge.getAttribute('data-activity'), { timeout: 15_000 }).toBe('idle');
    // A line from the card's send box starts a turn.
    await card(id).locator('form.send input').fill('hello from the browser');
    await card(id).locator('form.send button').click();
    await expect.poll(() => badge.getAttribute('data-activity'), { timeout: 15_000 }).toBe('working');
    await expect.poll(() => badge.getAttribute('data-activity'), { timeout: 15_000 }).toBe('idle');

    await h.ok(['send', 'fc', 'please ask permission']);
    await expect.poll(() => badge.getAttribute('data-activity'), { timeout: 15_000 }).toBe('waiting_for_input');
    const keys = card(id).locator('.dialog-keys');
    await keys.waitFor({ state: 'visible' });
    await keys.locator('button[data-key="1"]').click();
    await expect.poll(() => badge.getAttribute('data-activity'), { timeout: 15_000 }).toBe('idle');
    expect(await h.ok(['last-message', 'fc'])).toContain('Done: please ask permission');
  });

  it('launches a session from the page and kills it from the page', { timeout: 60_000 }, async () => {
    await page.locator('#launch-open').click();
    const dialog = page.locator('#launch-dialog');
    await dialog.locator('input[name="command"]').fill(`bash -c 'echo launched-from-web; exec sleep 600'`);
    await dialog.locator('input[name="name"]').fill('fromweb');
    await dialog.locator('button[type="submit"]').click();
    await waitFor(async () => (await h.json<SessionInfo[]>(['list'])).find((s) => s.name === 'fromweb'), 'the session launched from the page');
    const s = (await h.json<SessionInfo[]>(['list'])).find((x) => x.name === 'fromweb')!;
    expect(s.command).toEqual(['bash', '-c', 'echo launched-from-web; exec sleep 600']);
    expect(s.state).toBe('running');
    await card(String(s.id)).waitFor();
    await waitFor(async () => (await h.ok(['logs', 'fromweb'])).includes('launched-from-web'), 'its output');
    // One live output time per card: the reason (written when the activity changed) carries no frozen one.
    const fromweb = card(String(s.id));
    await expect.poll(() => fromweb.locator('.reason').innerText(), { timeout: 15_000 }).toBe('output quiet');
    expect((await fromweb.innerText()).match(/output (just now|\d+[smhd] ago)/g)).toHaveLength(1);

    const kill = card(String(s.id)).locator('button.kill');
    await kill.click();
    await expect.poll(() => kill.innerText()).toBe('Confirm kill');
    await kill.click();
    await waitFor(async () => (await status('fromweb')).state === 'killed', 'the session killed from the page');
    await expect.poll(() => card(String(s.id)).locator('.badge').getAttribute('data-activity')).toBe('killed');
  });

  it('launches into a git worktree of its own from the page, and shows the branch on the card', { timeout: 60_000 }, async () => {
    const repo = mkdtempSync('/tmp/cwgit-');
    try {
      const env = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' };
      const git = (...args: string[]): string => execFileSync('git', args, { cwd: repo, env, encoding: 'utf8', timeout: 10_000 });
      git('init', '-q', '-b', 'main');
      writeFileSync(join(repo, 'README'), 'hello\n');
      git('add', 'README');
      git('commit', '-q', '-m', 'init');
      await page.locator('#launch-open').click();
      const dialog = page.locator('#launch-dialog');
      await dialog.locator('input[name="command"]').fill(`bash -c 'echo change >> README; exec sleep 600'`);
      await dialog.locator('input[name="name"]').fill('webtree');
      await dialog.locator('input[name="dir"]').fill(repo);
      await dialog.locator('input[name="worktree"]').check();
      await dialog.locator('button[type="submit"]').click();
      await waitFor(async () => (await h.json<SessionInfo[]>(['list'])).find((s) => s.name === 'webtree'), 'the session launched from the page');
      const s = await status('webtree');
      expect(s.worktree).toMatchObject({ path: join(repo, '.cw', 'worktrees', 'webtree'), branch: 'cw/webtree', base: 'main' });
      await expect.poll(() => card(String(s.id)).locator('.chip.branch').innerText(), { timeout: 15_000 }).toMatch(/^⎇ cw\/webtree/);
      await h.ok(['kill', 'webtree']);
      await h.ok(['rm', '--worktree', '--force', 'webtree']);
    } finally {
      rmSync(repo, { recursive: true, force: true });
    }
  });

  it('shows messages and open work between sessions, with who waits on whom', { timeout: 60_000 }, async () => {
    await h.ok(['state', 'set', '--session', 'fc', 'refactoring the token refresh path']);
    await h.ok(['msg', 'shell', 'gateway moved to port 8443']);
    await h.ok(['msg', 'fc', '--task', 'migrate the config loader']);
    await expect.poll(() => page.locator('.card .statecard').allInnerTexts()).toContain('refactoring the token refresh path');
    await page.locator('.tab[data-view="messages"]').click();
    const open = page.locator('[data-testid="open-work"]');
    await expect.poll(() => open.innerText()).toContain('migrate the config loader');
    expect(await open.innerText()).toMatch(/operator\s+waits on\s+fc/);
    await expect.poll(() => page.locator('[data-testid="messages"]').innerText()).toContain('gateway moved to port 8443');
    await page.locator('.tab[data-view="sessions"]').click();

    // The main view, for the README (CW_UPDATE_SCREENSHOT=1 writes docs/dashboard.png): one agent busy, one
    // waiting on a permission dialog, the others idle, one ended.
    const api = (await h.ok(['launch', '--name', 'api', '--tag', 'backend', '--agent', 'claude', '--env', 'FAKE_WORK_MS=6000', '--prompt', 'split the auth module slowly', '--', process.execPath, FAKE_CLAUDE])).trim();
    const deploy = (await h.ok(['launch', '--name', 'deploy', '--agent', 'claude', '--prompt', 'clean the build, ask permission first', '--', process.execPath, FAKE_CLAUDE])).trim();
    await h.ok(['state', 'set', '--session', 'api', 'splitting auth into token + session modules']);
    await expect.poll(() => card(api).locator('.badge').getAttribute('data-activity'), { timeout: 15_000 }).toBe('working');
    await expect.poll(() => card(deploy).locator('.badge').getAttribute('data-activity'), { timeout: 15_000 }).toBe('waiting_for_input');
    await expect.poll(() => card(deploy).locator('.dialog-keys').isVisible()).toBe(true);
    await page.locator('#toast').waitFor({ state: 'hidden', timeout: 10_000 });
    const shot = process.env.CW_UPDATE_SCREENSHOT === '1' ? SCREENSHOT : join(h.dir, 'dashboard.png');
    await page.screenshot({ path: shot });
    expect(existsSync(shot)).toBe(true);
  });

  it('refuses requests without the cookie, with a foreign Origin or Host, and upgrades without auth', { timeout: 60_000 }, async () => {
    const cookie = await sessionCookie();
    const wsUrl = ui.url.replace(/^http/, 'ws') + 'ws';
    // No cookie: the page and its assets are refused.
    const bare = await get(ui.url);
    expect(bare.status).toBe(401);
    expect(bare.body).toContain('cw ui');
    expect((await get(`${ui.url}app.js`)).status).toBe(401);
    // With the cookie it works, and the answer carries no CORS headers.
    const ok = await get(ui.url, { Cookie: cookie });
    expect(ok.status).toBe(200);
    expect(Object.keys(ok.headers).filter((k) => k.startsWith('access-control-'))).toEqual([]);
    // A foreign Origin is refused even with the cookie; so is a foreign Host (DNS rebinding).
    const foreign = await get(ui.url, { Cookie: cookie, Origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toContain('foreign Origin');
    expect((await get(ui.url, { Cookie: cookie, Host: 'evil.example' })).status).toBe(403);
    // No directory traversal.
    expect((await get(`${ui.url}..%2f..%2fpackage.json`, { Cookie: cookie })).status).toBe(404);
    // WebSocket upgrades: the cookie with our Origin opens; a foreign Origin, or no cookie, is refused.
    const origin = ui.url.replace(/\/$/, '');
    expect(await tryUpgrade(wsUrl, { Cookie: cookie }, origin)).toBe('open');
    // Forbidden, as the page is for a foreign Origin (403): no credential would make it acceptable.
    expect(await tryUpgrade(wsUrl, { Cookie: cookie }, 'http://evil.example')).toBe(403);
    expect(await tryUpgrade(wsUrl, {}, origin)).toBe(401);
    expect(await tryUpgrade(wsUrl, { Cookie: 'cw_session_1=forged' }, origin)).toBe(401);
    // The CLI's bearer token still works on the same listener.
    const token = (await h.ok(['token'])).trim();
    expect(await tryUpgrade(wsUrl, { Authorization: `Bearer ${token}` })).toBe('open');
  });
});
