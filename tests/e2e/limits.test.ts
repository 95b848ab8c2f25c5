// Slow readers, full disks: the agent is never stalled, memory stays bounded, nothing else is lost.
import { afterEach, describe, expect, it } from 'vitest';
import { execFileSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionInfo } from '../../src/protocol/index.js';
import { connectLocal } from '../../src/client/connect.js';
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

/** Everything a child writes to stdout, as bytes. */
function collect(child: ChildProcess): () => Buffer {
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (d: Buffer) => chunks.push(d));
  return () => Buffer.concat(chunks);
}

describe('slow readers', () => {
  const line = 'a line of output that a stalled follower will never read in time 0123456789';
  const count = 600_000; // ~45 MB through the pty
  /** A session that prints `start`, waits for a line (so a follower can begin at its first byte), then floods. */
  const flood = (h: Home): Promise<string> =>
    h.ok(['launch', '--', 'bash', '-c', `echo start; read x; yes '${line}' | head -n ${count}; echo done`]).then((o) => o.trim());

  it('a stalled follower neither slows the writer nor grows daemon memory; continued, it reads on from the log and misses nothing', { timeout: 90_000 }, async () => {
    const h = makeHome();
    homes.push(h);
    const id = await flood(h);
    const follower = h.spawn(['logs', '-f', '--raw', id]);
    const out = collect(follower);
    const stderr: Buffer[] = [];
    follower.stderr!.on('data', (d: Buffer) => stderr.push(d));
    await waitFor(() => out().includes('start'), 'the follower to begin');
    follower.kill('SIGSTOP');
    await h.ok(['send', id, 'go']);
    const s = await ended(h, id, 60_000);
    expect(s.exitCode).toBe(0);
    const log = readFileSync(join(h.dir, 'sessions', id, 'output.log'));
    expect(log.length).toBe(s.outputBytes);
    expect(log.length).toBeGreaterThan(count * line.length);
    // The follower's queue is bounded (8 MiB): the daemon dropped it instead of holding the ~45 MB it did not read.
    expect(rssBytes(h.daemonPid()!)).toBeLessThan(300 * 1024 * 1024);
    follower.kill('SIGCONT');
    expect(await exitOf(follower, 60_000)).toBe(0);
    // Dropped, it picked up from the log where it stopped: every byte once, in order.
    expect(out().equals(log), `follower got ${out().length} bytes of ${log.length}`).toBe(true);
    expect(Buffer.concat(stderr).toString()).toBe('');
  });

  it('a stalled cw events -f, dropped by the daemon, resumes after the last event it printed: none lost, none twice', { timeout: 120_000 }, async () => {
    const h = makeHome();
    homes.push(h);
    await h.ok(['launch', '--name', 'first', '--', 'true']);
    const follower = h.spawn(['events', '-f', '--json']);
    const out = collect(follower);
    await waitFor(() => out().includes('"session.created"'), 'the follower to print the first event');
    follower.kill('SIGSTOP');
    // Far more than the daemon queues for a reader (8 MiB): launches whose events carry 30 KB command lines.
    const { channel } = await connectLocal({ home: h.dir, autostart: false });
    const count = 400;
    try {
      for (let i = 0; i < count; i += 20) {
        await Promise.all(Array.from({ length: 20 }, (_, k) => channel.request('launch', { command: ['true', `${i + k}:${'x'.repeat(30_000)}`], cwd: h.dir, baseEnv: { PATH: process.env.PATH ?? '' } })));
      }
    } finally {
      channel.end();
    }
    follower.kill('SIGCONT');
    const created = (): number[] =>
      out().toString().split('\n').slice(0, -1).filter((l) => l.includes('"session.created"')).map((l) => (JSON.parse(l) as { id: number }).id);
    await waitFor(() => created().length >= count + 1, `all ${count + 1} launches in the follower's output`, 60_000);
    expect(new Set(created()).size).toBe(created().length);
    expect(follower.exitCode).toBeNull(); // still following
    follower.kill();
  });

  it('a follower that fell further behind than the log keeps says how much was rotated out, then follows on', { timeout: 90_000 }, async () => {
    const cap = 1024 * 1024;
    const h = makeHome({ CODEWIRE_LOG_MAX_BYTES: String(cap) });
    homes.push(h);
    const id = await flood(h);
    const follower = h.spawn(['logs', '-f', '--raw', id]);
    const out = collect(follower);
    let stderr = '';
    follower.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor(() => out().includes('start'), 'the follower to begin');
    follower.kill('SIGSTOP');
    await h.ok(['send', id, 'go']);
    const s = await ended(h, id, 60_000);
    follower.kill('SIGCONT');
    expect(await exitOf(follower, 60_000)).toBe(0);
    const gap = /\[cw\] (\d+) bytes of output were rotated out of the log before this follower read them/.exec(stderr);
    expect(gap, stderr).not.toBeNull();
    // What it printed and what it said it missed add up to the session's whole output; it ends as the log ends.
    expect(out().length + Number(gap![1])).toBe(s.outputBytes);
    const logEnd = readFileSync(join(h.dir, 'sessions', id, 'output.log'));
    expect(out().subarray(out().length - logEnd.length).equals(logEnd)).toBe(true);
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
