// Black-box test harness: the built `cw` against a daemon in a temporary CODEWIRE_HOME.
// Never sleeps for timing: waitFor() polls a condition with a deadline.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { afterEach } from 'vitest';
import { processRunning } from '../../src/common/process-running.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CW = join(ROOT, 'dist', 'cw.js');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Home {
  dir: string;
  env: NodeJS.ProcessEnv;
  /** Runs `cw ARGS...` and resolves with its exit code and output (never rejects on a non-zero exit). */
  cw(args: string[], opts?: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  /** Like cw() but fails the test unless the exit code is 0; returns stdout. */
  ok(args: string[], opts?: { input?: string | Buffer; env?: NodeJS.ProcessEnv }): Promise<string>;
  json<T = unknown>(args: string[]): Promise<T>;
  /** Spawns a long-running cw (watch, logs -f) and returns the child. */
  spawn(args: string[]): ChildProcess;
  daemonPid(): number | null;
  cleanup(): Promise<void>;
}

/** `home(env)` for a test file: every home it makes is cleaned up (daemon stopped, directory removed) after its test. */
export function homesPerTest(): (extraEnv?: NodeJS.ProcessEnv) => Home {
  const homes: Home[] = [];
  afterEach(async () => {
    for (const h of homes.splice(0)) await h.cleanup();
  });
  return (extraEnv = {}) => {
    const h = makeHome(extraEnv);
    homes.push(h);
    return h;
  };
}

/** A short temporary home (Unix socket paths are limited to ~104 bytes). */
export function makeHome(extraEnv: NodeJS.ProcessEnv = {}): Home {
  // A given CODEWIRE_HOME (a long path, a tiny disk) is used as it is; it is the caller's to remove.
  const given = extraEnv.CODEWIRE_HOME;
  const dir = given ?? mkdtempSync('/tmp/cwt-');
  const env: NodeJS.ProcessEnv = { ...process.env, CODEWIRE_HOME: dir, ...extraEnv };
  delete env.CW_SESSION_ID;
  delete env.CW_SESSION_NAME;
  const children = new Set<ChildProcess>();

  const cw: Home['cw'] = (args, opts = {}) =>
    new Promise((res) => {
      const child = execFile(
        process.execPath,
        [CW, ...args],
        { env: { ...env, ...opts.env }, timeout: opts.timeoutMs ?? 20_000, maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
        (err, stdout, stderr) => {
          const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
          res({ code, stdout, stderr });
        },
      );
      if (opts.input !== undefined) child.stdin!.end(opts.input);
      else child.stdin!.end();
    });

  const home: Home = {
    dir,
    env,
    cw,
    async ok(args, opts) {
      const r = await cw(args, opts);
      if (r.code !== 0) throw new Error(`cw ${args.join(' ')} exited ${r.code}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
      return r.stdout;
    },
    async json(args) {
      return JSON.parse(await home.ok([...args, '--json']));
    },
    spawn(args) {
      const child = spawn(process.execPath, [CW, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
      children.add(child);
      child.on('exit', () => children.delete(child));
      return child;
    },
    daemonPid() {
      try {
        return Number(readFileSync(join(dir, 'daemon.pid'), 'utf8').trim()) || null;
      } catch {
        return null;
      }
    },
    async cleanup() {
      for (const c of children) c.kill('SIGKILL');
      const pid = home.daemonPid();
      if (pid && alive(pid)) await cw(['stop'], { timeoutMs: 10_000 });
      if (pid && alive(pid)) process.kill(pid, 'SIGKILL');
      if (process.env.CW_KEEP_TEST_LOGS !== '1' && !given) rmSync(dir, { recursive: true, force: true });
    },
  };
  return home;
}

/** Whether `pid` still runs (an exited process its parent has not collected yet, a zombie, does not). */
export function alive(pid: number): boolean {
  return processRunning(pid);
}

/** Polls `check` until it returns a truthy value or the deadline passes. */
export async function waitFor<T>(check: () => T | Promise<T>, what: string, timeoutMs = 10_000, intervalMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Collects a child's stdout and resolves when it contains `needle`. */
export function waitForOutput(child: ChildProcess, needle: string | RegExp, timeoutMs = 10_000): Promise<string> {
  return new Promise((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Error(`timed out waiting for ${String(needle)} in output; got: ${buf.slice(-2000)}`)), timeoutMs);
    const on = (d: Buffer): void => {
      buf += d.toString();
      if (typeof needle === 'string' ? buf.includes(needle) : needle.test(buf)) {
        clearTimeout(timer);
        child.stdout!.off('data', on);
        res(buf);
      }
    };
    child.stdout!.on('data', on);
  });
}

/** Resolves with the exit code of a child process. */
export function exitOf(child: ChildProcess, timeoutMs = 15_000): Promise<number> {
  return new Promise((res, rej) => {
    if (child.exitCode !== null) return res(child.exitCode);
    const timer = setTimeout(() => rej(new Error('process did not exit in time')), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      res(code ?? (signal ? 128 : 1));
    });
  });
}

/** A free TCP port on loopback (for listeners the test starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Deterministic pseudo-random numbers (mulberry32): a failing seed reproduces. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
