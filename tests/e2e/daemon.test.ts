// Black-box: the daemon's life: cold starts, crashes, restarts, rotation, settings.
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { FrameDecoder, FrameType, decodeControl, encodeControl } from '../../src/protocol/index.js';
import type { SessionInfo } from '../../src/protocol/index.js';
import { spawnSync } from 'node:child_process';
import { CW, alive, homesPerTest, waitFor } from '../support/harness.js';

const home = homesPerTest();

/** Pids of daemons serving this home, from /proc. */
function daemonsFor(dir: string): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
      if (!cmd.includes('daemon')) continue;
      const env = readFileSync(`/proc/${p}/environ`, 'utf8').split('\0');
      if (env.includes(`CODEWIRE_HOME=${dir}`)) out.push(Number(p));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

describe('daemon', () => {
  it('ten commands started at once on a cold machine yield exactly one daemon', async () => {
    const h = home();
    const results = await Promise.all(Array.from({ length: 10 }, () => h.cw(['list', '--json'])));
    for (const r of results) {
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual([]);
    }
    await waitFor(() => daemonsFor(h.dir).length === 1, 'losing daemons to exit');
    expect(daemonsFor(h.dir)).toEqual([h.daemonPid()]);
    const log = readFileSync(join(h.dir, 'daemon.log'), 'utf8');
    expect(log.match(/listening on/g)).toHaveLength(1);
    expect(statSync(h.dir).mode & 0o777).toBe(0o700);
    expect(statSync(join(h.dir, 'server.sock')).mode & 0o777).toBe(0o600);
  });

  it('survives kill -9: sessions are listed as lost with logs and last screen readable, the database intact', async () => {
    const h = home();
    const live = (await h.ok(['launch', '--name', 'victim', '--', 'bash', '-c', 'echo before-crash; exec sleep 300'])).trim();
    const done = (await h.ok(['launch', '--', 'bash', '-c', 'echo finished-ok'])).trim();
    await waitFor(async () => (await h.json<SessionInfo>(['status', done])).state === 'exited', 'short session to end');
    const pid = (await h.json<SessionInfo>(['status', live])).pid!;
    // The screen is saved periodically; wait until the crash would not lose it.
    await waitFor(() => {
      const db = new Database(join(h.dir, 'state.db'), { readonly: true, fileMustExist: true });
      try {
        const row = db.prepare('SELECT last_screen FROM sessions WHERE id = ?').get(Number(live)) as { last_screen: string | null };
        return row.last_screen?.includes('before-crash');
      } finally {
        db.close();
      }
    }, 'the periodic screen save', 15_000);
    const daemonPid = h.daemonPid()!;
    process.kill(daemonPid, 'SIGKILL');
    await waitFor(() => !alive(daemonPid), 'daemon to die');
    // The session's terminal closed with the daemon: its program gets SIGHUP.
    await waitFor(() => !alive(pid), 'orphaned session to end');

    const list = await h.json<SessionInfo[]>(['list']);
    expect(h.daemonPid()).not.toBe(daemonPid);
    expect(list.find((s) => String(s.id) === live)).toMatchObject({ state: 'lost', name: 'victim' });
    expect(list.find((s) => String(s.id) === done)).toMatchObject({ state: 'exited', exitCode: 0 });
    expect(await h.ok(['logs', live])).toBe('before-crash\n');
    expect(await h.ok(['logs', done])).toBe('finished-ok\n');
    expect(await h.ok(['screen', live])).toBe('before-crash\n');
    const db = new Database(join(h.dir, 'state.db'), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    const next = (await h.ok(['launch', '--name', 'victim', '--', 'true'])).trim();
    expect(Number(next)).toBeGreaterThan(Number(done));
    expect(readFileSync(join(h.dir, 'daemon.log'), 'utf8')).toMatch(/were running when the previous daemon died: marked lost/);
  });

  it('rotates the output log at the cap and keeps one rotated file', async () => {
    const cap = 64 * 1024;
    const h = home({ CODEWIRE_LOG_MAX_BYTES: String(cap) });
    const file = join(h.dir, 'input.txt');
    const lines = Array.from({ length: 8000 }, (_, i) => `line ${String(i).padStart(5, '0')} ${'x'.repeat(30)}`);
    writeFileSync(file, lines.join('\n') + '\n');
    const id = (await h.ok(['launch', '--', 'cat', file])).trim();
    const s = await waitFor(async () => {
      const st = await h.json<SessionInfo>(['status', id]);
      return st.state === 'exited' ? st : null;
    }, 'cat to finish');
    const expected = Buffer.from(lines.join('\r\n') + '\r\n');
    expect(s.outputBytes).toBe(expected.length);
    const dir = join(h.dir, 'sessions', id);
    const current = readFileSync(join(dir, 'output.log'));
    const rotated = readFileSync(join(dir, 'output.log.1'));
    expect(current.length).toBeLessThanOrEqual(cap);
    expect(rotated.length).toBeLessThanOrEqual(cap);
    expect(existsSync(join(dir, 'output.log.2'))).toBe(false);
    const kept = Buffer.concat([rotated, current]);
    expect(kept.equals(expected.subarray(expected.length - kept.length))).toBe(true);
    expect(await h.ok(['logs', id, '--tail', '1'])).toBe(`${lines.at(-1)}\n`);
  });

  it('refuses a bad setting in one line, and a second foreground daemon', async () => {
    const bad = home({ CODEWIRE_LOG_MAX_BYTES: 'lots' });
    const r = await bad.cw(['daemon']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('CODEWIRE_LOG_MAX_BYTES');
    const h = home();
    await h.ok(['start']);
    const second = await h.cw(['daemon']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain('already running');
    const again = await h.cw(['start']);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('already running');
  });

  it('falls back to a short socket path when the home path is too long', async () => {
    const base = home();
    const long = join(base.dir, 'a'.repeat(60), 'b'.repeat(60));
    mkdirSync(long, { recursive: true });
    const h = home({ CODEWIRE_HOME: long });
    const id = (await h.ok(['launch', '--', 'echo', 'long-home'])).trim();
    await waitFor(async () => (await h.ok(['logs', id])).includes('long-home'), 'output');
    expect(readFileSync(join(long, 'daemon.log'), 'utf8')).toContain('too long for a Unix socket');
    await h.ok(['stop']);
  });

  it('stop ends running sessions and the daemon; the next command starts a new one', async () => {
    const h = home();
    const id = (await h.ok(['launch', '--', 'sleep', '300'])).trim();
    const pid = h.daemonPid()!;
    const r = await h.cw(['stop']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/Daemon stopped \(pid \d+\); 1 running session ended/);
    expect(alive(pid)).toBe(false);
    expect(existsSync(join(h.dir, 'server.sock'))).toBe(false);
    expect((await h.cw(['stop'])).stderr).toContain('No daemon is running');
    const s = await h.json<SessionInfo>(['status', id]);
    expect(s.state).toBe('killed');
  });

  it('stop does not wait forever for a client that stopped reading', { timeout: 30_000 }, async () => {
    const h = home();
    const id = (await h.ok(['launch', '--', 'bash', '-c', 'echo started; exec sleep 300'])).trim();
    const watcher = h.spawn(['watch', id]);
    await waitFor(async () => (await h.json<SessionInfo>(['status', id])).outputBytes > 0, 'output');
    watcher.kill('SIGSTOP');
    const pid = h.daemonPid()!;
    const r = await h.cw(['stop']);
    expect(r.code, r.stderr).toBe(0);
    expect(alive(pid)).toBe(false);
    watcher.kill('SIGCONT');
  });

  it('stop returns once a foreground daemon has exited, though its parent has not collected it yet', { timeout: 30_000 }, async () => {
    const h = home();
    // This test process is the daemon's parent; spawnSync below blocks it, so the exited daemon stays a zombie.
    const daemon = h.spawn(['daemon']);
    await waitFor(() => existsSync(join(h.dir, 'server.sock')) && h.daemonPid() === daemon.pid, 'the foreground daemon listening');
    await h.ok(['launch', '--', 'sleep', '300']);
    const r = spawnSync(process.execPath, [CW, 'stop'], { env: h.env, encoding: 'utf8', timeout: 20_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Daemon stopped \(pid \d+\); 1 running session ended/);
  });

  it('answers a client of another protocol version with one line saying what to run', async () => {
    const h = home();
    await h.ok(['start']);
    const reply = await new Promise<{ code: string; message: string }>((resolve, reject) => {
      const sock = connect(join(h.dir, 'server.sock'));
      const dec = new FrameDecoder();
      sock.on('data', (d) => {
        for (const f of dec.push(d)) if (f.type === FrameType.ERROR) resolve(decodeControl(FrameType.ERROR, f.payload));
      });
      sock.on('error', reject);
      sock.write(encodeControl(FrameType.HELLO, { protocol: 999, version: 'future' }));
    });
    expect(reply.code).toBe('version_mismatch');
    expect(reply.message).toContain('client speaks 999');
    expect(reply.message).toContain('cw daemon restart');
    expect((await h.cw(['list'])).code).toBe(0);
  });
});
