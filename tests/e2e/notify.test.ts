// Notifications end to end: a real agent-like program waits on a permission dialog and a real HTTP endpoint on
// loopback gets the ntfy-style POST; a command gets the JSON on stdin; a session that fails notifies, one ended by
// `cw kill` does not; `cw notify test` reports every channel, rings attached terminals, and a failing channel is
// one line in daemon.log with its secrets redacted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import pty from 'node-pty';
import { CW, ROOT, makeHome, waitFor, type Home } from '../support/harness.js';

const FAKE_CLAUDE = join(ROOT, 'tests/fixtures/agents/fake-claude.mjs');

interface Post {
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

let h: Home;
let server: Server;
let port = 0;
const posts: Post[] = [];
let commandOut = '';

function writeConfig(text: string): void {
  writeFileSync(join(h.dir, 'config.toml'), text, { mode: 0o600 });
}

const goodConfig = (): string => `[notify]
url = "http://alice:s3cretpw@127.0.0.1:${port}/cw-topic?auth=tok3n"
command = "cat >> '${commandOut}'; echo >> '${commandOut}'"
on = ["waiting", "failed"]
bell = true
`;

const commandJson = (): { type: string; title: string; kinds: string[]; events: { label: string; kind: string }[] }[] =>
  existsSync(commandOut)
    ? readFileSync(commandOut, 'utf8')
        .split('\n')
        .filter((l) => l.trim())
        .map((l) => JSON.parse(l))
    : [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      posts.push({ url: req.url ?? '', headers: req.headers, body });
      res.end('{}');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
  h = makeHome();
  commandOut = join(h.dir, 'notified.jsonl');
  writeConfig(goodConfig());
  await h.ok(['start']);
});

afterAll(async () => {
  await h.cleanup();
  await new Promise((r) => server.close(r));
});

describe('notifications', () => {
  it('an agent waiting on a permission dialog: a POST to the URL and JSON to the command', { timeout: 60_000 }, async () => {
    const r = await h.cw(['launch', '--name', 'fc', '--agent', 'claude', '--prompt', 'hello there', '--wait-ready', '--', process.execPath, FAKE_CLAUDE]);
    expect(r.code, r.stderr).toBe(0);
    expect((await h.cw(['wait', 'fc', '--timeout', '20'])).code).toBe(0);
    await h.ok(['send', 'fc', 'please ask permission']);
    const post = await waitFor(() => posts.find((p) => /fc is waiting/.test(String(p.headers.title))), 'a POST about fc waiting', 20_000);
    expect(post.url).toBe('/cw-topic?auth=tok3n');
    expect(post.headers.title).toBe('cw: fc is waiting for input');
    expect(post.headers.priority).toBe('high');
    expect(String(post.headers.tags).split(',')).toContain('waiting');
    expect(post.headers['content-type']).toMatch(/^text\/plain/);
    // Credentials in the URL travel as Basic authorization (fetch refuses them in the URL).
    expect(post.headers.authorization).toBe(`Basic ${Buffer.from('alice:s3cretpw').toString('base64')}`);
    expect(post.body).toContain('Do you want to proceed?');
    const cmd = await waitFor(() => commandJson().find((j) => j.kinds.includes('waiting')), 'the command got the JSON');
    expect(cmd).toMatchObject({ type: 'notification', title: 'cw: fc is waiting for input', events: [{ kind: 'waiting', label: 'fc' }] });
    // turn-done is not in `on`: answering the dialog ends the turn without a notification (checked below).
    await h.ok(['send', 'fc', '--key', '1']);
    expect((await h.cw(['wait', 'fc', '--until', 'idle', '--timeout', '20'])).code).toBe(0);
  });

  it('a session that fails notifies; one ended by `cw kill` does not', { timeout: 60_000 }, async () => {
    const before = posts.length;
    await h.ok(['launch', '--name', 'k', '--', 'sleep', '300']);
    await h.ok(['kill', 'k']);
    await h.ok(['launch', '--name', 'bad', '--', 'sh', '-c', 'exit 3']);
    const post = await waitFor(() => posts.slice(before).find((p) => /bad/.test(String(p.headers.title))), 'a POST about bad', 20_000);
    // Events arrive in order, so anything about k (or fc's turn) would have come first or folded in here.
    expect(posts.slice(before)).toHaveLength(1);
    expect(post.headers.title).toBe('cw: bad failed');
    expect(post.body).toBe('exited with code 3');
  });

  it('`cw notify test` sends through every channel and rings attached terminals only', { timeout: 60_000 }, async () => {
    await h.ok(['launch', '--name', 'sh', '--', 'bash', '--norc', '--noprofile']);
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(h.env)) if (v !== undefined) env[k] = v;
    const term = pty.spawn(process.execPath, [CW, 'attach', 'sh'], { name: 'xterm-256color', cols: 80, rows: 24, env });
    let seen = '';
    term.onData((d) => (seen += d));
    try {
      await waitFor(async () => (await h.json<{ clients: number }>(['status', 'sh'])).clients === 1, 'attached');
      const before = posts.length;
      const r = await h.cw(['notify', 'test', '--json']);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout) as { channels: { channel: string; ok: boolean; detail: string }[] };
      expect(out.channels.map((c) => [c.channel, c.ok])).toEqual([
        ['command', true],
        ['url', true],
        ['bell', true],
      ]);
      expect(out.channels.find((c) => c.channel === 'bell')!.detail).toBe('rang 1 attached terminal');
      expect(r.stdout).not.toContain('s3cretpw');
      expect(r.stdout).not.toContain('tok3n');
      expect(posts.slice(before).map((p) => p.headers.title)).toEqual(['cw: test notification']);
      await waitFor(() => seen.includes('\x07\x1b]9;cw: test notification\x07'), 'BEL and OSC 9 on the attached terminal');
      // Never into the program: its screen and log show nothing of it.
      expect(await h.ok(['logs', 'sh', '--raw'])).not.toContain('test notification');
      expect(commandJson().at(-1)).toMatchObject({ type: 'test', title: 'cw: test notification' });
    } finally {
      term.kill('SIGKILL');
    }
  });

  it('a failing URL: exit 1, one line in daemon.log, no secret anywhere; config changes apply without a restart', { timeout: 60_000 }, async () => {
    // Port 1 on loopback: nothing listens, the connection is refused at once.
    writeConfig(`[notify]\nurl = "http://alice:s3cretpw@127.0.0.1:1/topic?auth=tok3n"\n`);
    const r = await h.cw(['notify', 'test']);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^url\s+FAILED\s+POST http:\/\/\*\*\*@127\.0\.0\.1:1\/topic\?auth=\*\*\* /m);
    expect(r.stderr).toContain('1 of 1 notification channels failed (url)');
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain('s3cretpw');
      expect(text).not.toContain('tok3n');
    }
    const log = await waitFor(() => {
      const l = readFileSync(join(h.dir, 'daemon.log'), 'utf8');
      return l.includes('notify test: url failed') ? l : null;
    }, 'the failure in daemon.log');
    expect(log.split('\n').filter((l) => l.includes('url failed'))).toHaveLength(1);
    expect(log).not.toContain('s3cretpw');
    expect(log).not.toContain('tok3n');
  });

  it('no channel configured: exit 1 with a hint', async () => {
    writeConfig('');
    const r = await h.cw(['notify', 'test']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no notification channel is configured');
    expect(r.stderr).toContain('hint: add a [notify] section');
  });
});
