// Slow readers, full disks: the agent is never stalled, memory stays bounded, nothing else is lost.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionInfo } from '../../src/protocol/index.js';
import { exitOf, makeHome, waitFor, waitForOutput, type Home } from '../support/harness.js';

const homes: Home[] = [];
const mounts: string[] = [];
afterEach(async () => {
  for (const h of homes.splice(0)) await h.cleanup();
  for (const m of mounts.splice(0)) {
    try {
      execFileSync('umount', ['-l', m]);
    } catch {
      // already unmounted
    }
    rmSync(m, { recursive: true, force: true });
  }
});

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

const ended = (h: Home, id: string, timeoutMs = 30_000): Promise<SessionInfo> =>
  waitFor(async () => {
    const s = await h.json<SessionInfo>(['status', id]);
    return s.state !== 'running' ? s : null;
  }, `session ${id} to end`, timeoutMs);

describe('slow readers', () => {
  it('a stalled watcher neither slows the writer nor grows daemon memory; it is dropped with a reason', { timeout: 90_000 }, async () => {
    const h = makeHome();
    homes.push(h);
    const line = 'a line of output that a stalled watcher will never read in time 0123456789';
    const count = 600_000; // ~45 MB through the pty
    const id = (await h.ok(['launch', '--', 'bash', '-c', `echo start; yes '${line}' | head -n ${count}; echo done`])).trim();
    const watcher = h.spawn(['watch', id, '--no-history']);
    const stderr: Buffer[] = [];
    watcher.stderr!.on('data', (d: Buffer) => stderr.push(d));
    await waitForOutput(watcher, line);
    watcher.kill('SIGSTOP');
    const s = await ended(h, id, 60_000);
    expect(s.exitCode).toBe(0);
    const expectedBytes = 'start\r\n'.length + count * (line.length + 2) + 'done\r\n'.length;
    expect(s.outputBytes).toBe(expectedBytes);
    expect(statSync(join(h.dir, 'sessions', id, 'output.log')).size).toBe(expectedBytes);
    // The watcher's queue is bounded (8 MiB) instead of holding the ~45 MB it did not read.
    expect(rssBytes(h.daemonPid()!)).toBeLessThan(300 * 1024 * 1024);
    watcher.kill('SIGCONT');
    watcher.stdout!.resume();
    const code = await exitOf(watcher, 30_000);
    expect(code).toBe(1);
    expect(Buffer.concat(stderr).toString()).toMatch(/fell too far behind/);
  });
});

describe('full disk', () => {
  function tinyDisk(): string | null {
    const dir = `/tmp/cwfull-${process.pid}-${mounts.length}`;
    mkdirSync(dir, { recursive: true });
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m,mode=0700', 'tmpfs', dir], { stdio: 'ignore' });
    } catch {
      rmSync(dir, { recursive: true, force: true });
      return null;
    }
    mounts.push(dir);
    return dir;
  }

  it('a full disk is reported in one line; the session, the screen and other sessions keep working', { timeout: 60_000 }, async (ctx) => {
    const disk = tinyDisk();
    if (!disk) {
      ctx.skip(); // needs permission to mount a small tmpfs (root in CI)
      return;
    }
    const h = makeHome({ CODEWIRE_HOME: disk });
    homes.push(h);
    const quiet = (await h.ok(['launch', '--name', 'quiet', '--', 'bash', '-c', 'echo quiet-session; read x; echo after-$x'])).trim();
    await waitFor(async () => (await h.ok(['logs', quiet])).includes('quiet-session'), 'quiet output');
    // Writes ~4 MB into a 2 MB disk, then stays alive to answer.
    const chatty = (await h.ok(['launch', '--name', 'chatty', '--', 'bash', '-c', "yes 'filling the disk with output' | head -n 140000; echo FINAL-LINE; read x; echo still-alive-$x"])).trim();
    await waitFor(async () => (await h.ok(['screen', chatty])).includes('FINAL-LINE'), 'the screen to show the last line', 30_000);
    const st = await h.json<SessionInfo & { logError: string | null }>(['status', chatty]);
    expect(st.state).toBe('running');
    expect(st.logError).toMatch(/log write failed: ENOSPC/);
    // Free the disk by removing the chatty session: the other session keeps its log and keeps working.
    await h.ok(['kill', chatty]);
    const rm = await h.cw(['rm', chatty]);
    expect(rm.stderr).toBe(`Removed session ${chatty}\n`);
    expect(rm.code).toBe(0);
    await h.ok(['send', quiet, 'ok']);
    await waitFor(async () => (await h.ok(['logs', quiet])).includes('after-ok'), 'quiet session still logging');
    expect(await h.ok(['logs', quiet])).toBe('quiet-session\nok\nafter-ok\n');
    expect((await h.json<SessionInfo[]>(['list'])).map((s) => s.name)).toEqual(['quiet']);
  });
});
