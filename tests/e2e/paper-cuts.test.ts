// Paper cuts found trying cw as a new user would: exit codes and hints (over --server too), the program name in
// `cw list`, the times of ended and lost sessions, and `cw watch` into a pipe. The built cw, a real daemon.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode } from '../../src/channel/errors.js';
import type { SessionInfo } from '../../src/protocol/index.js';
import { alive, exitOf, freePort, makeHome, waitFor, type Home } from '../support/harness.js';

let h: Home;
const extra: Home[] = [];
beforeAll(() => {
  h = makeHome();
});
afterEach(async () => {
  for (const x of extra.splice(0)) await x.cleanup();
});
afterAll(async () => {
  await h.cleanup();
});

const status = (ref: string): Promise<SessionInfo> => h.json<SessionInfo>(['status', ref]);

describe('exit codes and hints', () => {
  it('a name that fails validation is a usage error (exit 2) with a hint, and no session', { timeout: 30_000 }, async () => {
    const r = await h.cw(['launch', '--name', 'bad name', '--', 'bash']);
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.stderr).toContain("cw: invalid name 'bad name'");
    expect(r.stderr).toMatch(/^hint: names are 1-64 of \[a-zA-Z0-9._-\]/m);
    expect(await h.json<SessionInfo[]>(['list'])).toEqual([]);
  });

  it('a number that is not an id but the name of a session suggests @NAME', { timeout: 30_000 }, async () => {
    await h.ok(['launch', '--name', '123', '--', 'sleep', '600']);
    const r = await h.cw(['status', '123']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('cw: no session has id 123');
    expect(r.stderr).toContain("hint: a session is named '123': use `@123` to mean it");
    expect((await status('@123')).name).toBe('123');
    // A number nobody has as a name stays a plain "not found".
    expect((await h.cw(['status', '999'])).stderr).toContain('hint: run `cw list` to see sessions');
    await h.ok(['kill', '@123']);
  });

  it('cw --help lists every exit code', async () => {
    const r = await h.cw(['--help']);
    expect(r.code).toBe(0);
    const line = r.stdout.slice(r.stdout.indexOf('Exit codes:')).replace(/\s+/g, ' ');
    for (const code of Object.values(ExitCode)) expect(line, `exit code ${code}`).toMatch(new RegExp(`[:,] ${code} [a-zA-Z]`));
  });

  it('over --server NAME, the commands a hint suggests name the server', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const server = makeHome();
    const client = makeHome();
    extra.push(server, client);
    writeFileSync(join(server.dir, 'config.toml'), `[daemon]\nlisten = "127.0.0.1:${port}"\n`);
    await server.ok(['start']);
    await waitFor(() => readFileSync(join(server.dir, 'daemon.log'), 'utf8').includes('listening for remote clients'), 'the ws listener');
    const token = (await server.ok(['token'])).trim();
    await client.ok(['server', 'add', 'box', `ws://127.0.0.1:${port}`, '--token', token]);
    const r = await client.cw(['--server', 'box', 'status', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('hint: run `cw --server box list` to see sessions');
    // SERVER:SESSION targets are over that server too.
    const m = await client.cw(['msg', 'box:nope', 'hello']);
    expect(m.code).toBe(1);
    expect(m.stderr).toContain('`cw --server box list`');
    // Locally, hints stay as they were.
    expect((await client.cw(['status', 'nope'])).stderr).toContain('hint: run `cw list` to see sessions');
    expect(r.stderr + m.stderr).not.toContain(token);
  });
});

describe('cw list', () => {
  it('keeps the program name when the mail and state-card columns appear: paths and arguments give way first', { timeout: 30_000 }, async () => {
    const bin = join(h.dir, 'proj', 'node_modules', '.bin');
    mkdirSync(bin, { recursive: true });
    symlinkSync('/bin/sleep', join(bin, 'myprog'));
    const id = (await h.ok(['launch', '--name', 'lister', '--', join(bin, 'myprog'), '600'])).trim();
    await h.ok(['msg', 'lister', 'one for the mail column']);
    await h.ok(['state', 'set', '--session', 'lister', 'a state card for its column']);
    const out = await h.ok(['list']);
    expect(out).toMatch(/MAIL\s+COMMAND\s+STATE CARD/);
    const row = out.split('\n').find((l) => l.startsWith(`${id} `))!;
    expect(row).toContain('…/myprog 600');
    expect(row).toContain('a state card for its column');
    // The whole command is in --json and `cw status`.
    expect((await status(id)).command).toEqual([join(bin, 'myprog'), '600']);
    await h.ok(['kill', id]);
  });
});

describe('times of ended sessions', () => {
  it('an ended session shows when its output stopped and when it ended, never "idle"', { timeout: 30_000 }, async () => {
    const id = (await h.ok(['launch', '--', 'bash', '-c', 'echo bye'])).trim();
    await waitFor(async () => (await status(id)).state === 'exited', 'the session to exit');
    const text = await h.ok(['status', id]);
    expect(text).toMatch(/^ended +\S+Z \(\d+s ago\)$/m);
    expect(text).toMatch(/^last output +\S+Z \(\d+s ago\)$/m);
    expect(text).not.toContain('idle');
  });

  it('a lost session ended when it was last known alive, not when the next daemon noticed', { timeout: 60_000 }, async () => {
    const x = makeHome();
    extra.push(x);
    const id = (await x.ok(['launch', '--', 'bash', '-c', 'echo before-crash; exec sleep 300'])).trim();
    const pid = (await x.json<SessionInfo>(['status', id])).pid!;
    // Wait until the output time is on disk (the counters are written every 2 s), as a crash would find it.
    const persisted = await waitFor(() => {
      const db = new Database(join(x.dir, 'state.db'), { readonly: true, fileMustExist: true });
      try {
        return (db.prepare('SELECT last_output_at FROM sessions WHERE id = ?').get(Number(id)) as { last_output_at: string | null }).last_output_at;
      } finally {
        db.close();
      }
    }, 'the persisted output time', 15_000);
    const daemonPid = x.daemonPid()!;
    process.kill(daemonPid, 'SIGKILL');
    const killedAt = Date.now();
    await waitFor(() => !alive(daemonPid) && !alive(pid), 'the daemon and its session to die');
    const s = await x.json<SessionInfo>(['status', id]);
    expect(s.state).toBe('lost');
    expect(Date.parse(s.endedAt!)).toBeLessThanOrEqual(killedAt);
    expect(Date.parse(s.endedAt!)).toBeGreaterThanOrEqual(Date.parse(persisted));
  });
});

describe('cw watch into a pipe', () => {
  it('prints clean text unless --raw; JSON lines carry the name beside the id', { timeout: 30_000 }, async () => {
    const id = (await h.ok(['launch', '--name', 'colours', '--', 'bash', '-c', `printf '\\033[31mred\\033[0m plain\\n'; read x`])).trim();
    await waitFor(async () => (await h.ok(['logs', id])).includes('red plain'), 'the output');
    const w = h.spawn(['watch', 'colours']);
    let out = '';
    w.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const raw = h.spawn(['watch', 'colours', '--raw']);
    let rawOut = '';
    raw.stdout!.on('data', (d: Buffer) => (rawOut += d.toString()));
    await waitFor(() => out.includes('red plain') && rawOut.includes('plain'), 'both watchers to print the history');
    await h.ok(['send', 'colours', 'done']);
    expect(await exitOf(w)).toBe(0);
    expect(await exitOf(raw)).toBe(0);
    expect(out).not.toContain('\x1b');
    expect(out).toContain('red plain\n');
    expect(rawOut).toContain('\x1b[31mred\x1b[0m plain');
    const j = await h.cw(['watch', 'colours', '--json']);
    const lines = j.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines[0]).toEqual({ session: Number(id), name: 'colours', line: 'red plain' });
    expect(lines.at(-1)).toMatchObject({ event: 'exit', session: Number(id), name: 'colours', state: 'exited' });
  });
});
