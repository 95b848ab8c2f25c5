// Shared helpers of the benchmark: timing, statistics, child processes, cleanup, cw homes and tmux servers.
// Plain ESM on Node built-ins only. Nothing here asserts a timing: the bench is a report.
import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync, constants as fsc, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync,
  rmSync, statSync, symlinkSync, writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = resolve(BENCH_DIR, '..');

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const now = () => performance.now();
/** Resolves with `value` after `ms`, without keeping the process alive (for Promise.race deadlines). */
export const after = (ms, value = 'timeout') => new Promise((r) => setTimeout(() => r(value), ms).unref());

// ---------------------------------------------------------------------------------------------------------
// Statistics

export function median(a) {
  if (!a.length) return NaN;
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}
export function percentile(a, p) {
  if (!a.length) return NaN;
  const s = [...a].sort((x, y) => x - y);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1));
  return s[i];
}
export const min = (a) => (a.length ? Math.min(...a) : NaN);
export const max = (a) => (a.length ? Math.max(...a) : NaN);

export function fmt(v, digits = 1) {
  if (v === undefined || v === null || Number.isNaN(v)) return '–';
  if (Math.abs(v) >= 1000) return v.toFixed(0);
  if (Math.abs(v) >= 100) return v.toFixed(Math.min(digits, 1));
  return v.toFixed(digits);
}
export const fmtRange = (a, digits = 1) => (a.length ? `${fmt(min(a), digits)}–${fmt(max(a), digits)}` : '–');
export const fmtRatio = (r) => (Number.isFinite(r) ? `${r.toFixed(2)}×` : '–');

// ---------------------------------------------------------------------------------------------------------
// Cleanup: every resource registers a synchronous undo, run on normal exit, on errors and on Ctrl+C.

const cleanups = [];
let cleaning = false;
export function onCleanup(fn) {
  cleanups.push(fn);
  return () => {
    const i = cleanups.indexOf(fn);
    if (i >= 0) cleanups.splice(i, 1);
  };
}
export function cleanupAll() {
  if (cleaning) return;
  cleaning = true;
  killChildren();
  while (cleanups.length) {
    const fn = cleanups.pop();
    try {
      fn();
    } catch (err) {
      process.stderr.write(`cleanup: ${err?.message ?? err}\n`);
    }
  }
  cleaning = false;
}
process.on('exit', cleanupAll);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    process.stderr.write(`\n[bench] ${sig}: stopping everything this bench started...\n`);
    cleanupAll();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

/** A temporary directory under /tmp (short, for socket paths), removed at exit. */
export function tempDir(prefix = 'cwb-') {
  const dir = mkdtempSync(join('/tmp', prefix));
  onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Children spawned by the bench that may outlive their measurement (watchers, attach clients). */
const children = new Set();
function killChildren() {
  for (const c of children) {
    try {
      c.kill('SIGKILL'); // also ends a SIGSTOPped watcher, whose unread socket would keep its daemon from exiting
    } catch {}
  }
  children.clear();
}
export function track(child) {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

// ---------------------------------------------------------------------------------------------------------
// Environments. The machine may export NODE_EXTRA_CA_CERTS, which makes every Node start read a CA bundle.

export const ORIGINAL_CA = process.env.NODE_EXTRA_CA_CERTS;
function cleanEnv() {
  const env = { ...process.env };
  // Never run inside the caller's multiplexer session, whatever it is.
  for (const k of ['TMUX', 'TMUX_PANE', 'CW_SESSION_ID', 'CW_SESSION_NAME', 'CODEWIRE_HOME', 'CODEWIRE_LOG_MAX_BYTES']) delete env[k];
  env.TERM = 'xterm-256color';
  return env;
}
/** The environment without NODE_EXTRA_CA_CERTS (what a typical machine has). */
export function envNoCA(extra = {}) {
  const env = { ...cleanEnv(), ...extra };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}
/** The environment as the machine exports it (with NODE_EXTRA_CA_CERTS when it is set). */
export function envWithCA(extra = {}) {
  const env = { ...cleanEnv(), ...extra };
  if (ORIGINAL_CA) env.NODE_EXTRA_CA_CERTS = ORIGINAL_CA;
  return env;
}

// ---------------------------------------------------------------------------------------------------------
// Running commands

/**
 * Runs a command to completion. `ms` is the wall time from just before spawn() to the 'exit' event.
 * Never rejects on a non-zero exit; rejects only on a timeout (the child is killed).
 */
export function run(cmd, args, { env = envNoCA(), input, timeoutMs = 60_000, cwd, stdout = 'pipe' } = {}) {
  return new Promise((res, rej) => {
    const t0 = now();
    let t1 = 0;
    const child = spawn(cmd, args, { env, cwd, stdio: [input === undefined ? 'ignore' : 'pipe', stdout, 'pipe'] });
    track(child);
    const out = [];
    const err = [];
    child.stdout?.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    if (input !== undefined) child.stdin.end(input);
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`${cmd} ${args.join(' ')} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      rej(e);
    });
    child.once('exit', () => (t1 = now()));
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      res({ code: code ?? (signal ? 128 : 1), signal, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString(), ms: (t1 || now()) - t0 });
    });
  });
}

/** Runs `fn` over `items` with at most `n` at once. */
export async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(n, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(workers);
  return out;
}

/** Polls `check` every `intervalMs` until it returns truthy or `timeoutMs` passes (then returns null). */
export async function waitFor(check, { timeoutMs = 30_000, intervalMs = 20 } = {}) {
  const deadline = now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (now() > deadline) return null;
    await sleep(intervalMs);
  }
}

export function fileSize(path) {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

/**
 * Polls the total size of `paths` (every `intervalMs`) until it reaches `expected` bytes, or until it has not
 * grown for `stallMs`. Returns { ok, size, at } where `at` is performance.now() when the size was reached.
 */
export async function waitForBytes(paths, expected, { intervalMs = 5, stallMs = 5000, extraDone } = {}) {
  const list = Array.isArray(paths) ? paths : [paths];
  let last = -1;
  let lastChange = now();
  for (;;) {
    let size = 0;
    for (const p of list) size += fileSize(p);
    const t = now();
    if (size >= expected) return { ok: size === expected, size, at: t };
    if (size !== last) {
      last = size;
      lastChange = t;
    } else if (t - lastChange > stallMs || (extraDone && extraDone())) {
      return { ok: false, size, at: t };
    }
    await sleep(intervalMs);
  }
}

/** Resident memory of a process in KiB (VmRSS), or of its peak (VmHWM). */
export function rssKiB(pid, field = 'VmRSS') {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

/** Samples a process's RSS every `intervalMs` until stop() is called; returns { max, samples }. */
export function rssSampler(pid, intervalMs = 20) {
  const samples = [];
  const timer = setInterval(() => {
    const v = rssKiB(pid);
    if (Number.isFinite(v)) samples.push(v);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      const v = rssKiB(pid);
      if (Number.isFinite(v)) samples.push(v);
      return { max: max(samples), samples };
    },
  };
}

export function mkfifo(path) {
  const r = spawnSync('mkfifo', [path]);
  if (r.status !== 0) throw new Error(`mkfifo ${path}: ${r.stderr}`);
}

/**
 * Opens a FIFO for writing once a reader waits on it (non-blocking, retried), which releases every shell blocked
 * in `: < FIFO`. Returns the fd; keep it open until the run is over so late readers pass too, then closeSync it.
 */
export async function openGate(path, timeoutMs = 10_000) {
  const deadline = now() + timeoutMs;
  for (;;) {
    try {
      return openSync(path, fsc.O_WRONLY | fsc.O_NONBLOCK);
    } catch (err) {
      if (err.code !== 'ENXIO' || now() > deadline) throw err;
      await sleep(1);
    }
  }
}
export function closeFd(fd) {
  try {
    closeSync(fd);
  } catch {}
}

/** A shell command that waits at the gate FIFO (after touching a ready marker if given), then execs `cmd`. */
export function gated(fifo, cmd, readyDir) {
  const mark = readyDir ? `touch ${q(readyDir)}/r.$$; ` : '';
  return `${mark}: < ${q(fifo)}; exec ${cmd}`;
}

/** Single-quotes a string for sh. */
export function q(s) {
  return `'${String(s).replace(/'/g, `'\\''`)}'`;
}

// ---------------------------------------------------------------------------------------------------------
// The cw build under test. A copy of dist/ is taken at start so a concurrent rebuild cannot change it mid-run.

export function snapshotDist() {
  const dist = join(ROOT, 'dist');
  if (!existsSync(join(dist, 'cw.js'))) throw new Error('dist/cw.js is missing: run `npm run build` (or `npm run bench`)');
  const dir = tempDir('cwb-dist-');
  cpSync(dist, join(dir, 'dist'), { recursive: true });
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'));
  return join(dir, 'dist', 'cw.js');
}

let CW = null;
export function setCw(path) {
  CW = path;
}
export function cwPath() {
  return CW;
}

/** A cw daemon in its own short temporary CODEWIRE_HOME. */
export class CwHome {
  constructor({ logMaxBytes = 1024 ** 3, env = {} } = {}) {
    this.dir = mkdtempSync('/tmp/cwb-');
    this.extra = { CODEWIRE_HOME: this.dir, CODEWIRE_LOG_MAX_BYTES: String(logMaxBytes), ...env };
    this.pid = null;
    this._undo = onCleanup(() => this.stopSync());
  }
  env(withCA = false) {
    return withCA ? envWithCA(this.extra) : envNoCA(this.extra);
  }
  cw(args, { withCA = false, timeoutMs = 60_000, input } = {}) {
    return run(process.execPath, [CW, ...args], { env: this.env(withCA), timeoutMs, input });
  }
  async ok(args, opts) {
    const r = await this.cw(args, opts);
    if (r.code !== 0) throw new Error(`cw ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
    return r;
  }
  async json(args, opts) {
    return JSON.parse((await this.ok([...args, '--json'], opts)).stdout);
  }
  async start() {
    await this.ok(['start']);
    this.pid = this.daemonPid();
    if (!this.pid) throw new Error(`cw start: no daemon.pid in ${this.dir}`);
    return this.pid;
  }
  daemonPid() {
    try {
      return Number(readFileSync(join(this.dir, 'daemon.pid'), 'utf8').trim()) || null;
    } catch {
      return null;
    }
  }
  /** Launches a session and returns { id, ms } (ms: the launch command's wall time). */
  async launch(command, opts) {
    const r = await this.ok(['launch', '--', ...command], opts);
    return { id: Number(r.stdout.trim()), ms: r.ms };
  }
  logPath(id) {
    return join(this.dir, 'sessions', String(id), 'output.log');
  }
  sessionIds() {
    try {
      return readdirSync(join(this.dir, 'sessions')).map(Number).filter(Number.isInteger);
    } catch {
      return [];
    }
  }
  stopSync() {
    const pid = this.pid ?? this.daemonPid();
    if (pid && alive(pid)) spawnSync(process.execPath, [CW, 'stop'], { env: this.env(), timeout: 15_000, stdio: 'ignore' });
    if (pid && alive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
  /** Stops the daemon and removes the home now (also unregisters the exit-time cleanup). */
  dispose() {
    this._undo();
    this.stopSync();
  }
}

// ---------------------------------------------------------------------------------------------------------
// tmux servers on their own sockets, with no user configuration.

let tmuxCount = 0;
export class Tmux {
  constructor() {
    this.sock = `cwbench-${process.pid}-${tmuxCount++}`;
    this._undo = onCleanup(() => this.killSync());
  }
  args(a) {
    return ['-L', this.sock, '-f', '/dev/null', ...a];
  }
  t(args, opts = {}) {
    return run('tmux', this.args(args), { env: envNoCA(), ...opts });
  }
  async ok(args, opts) {
    const r = await this.t(args, opts);
    if (r.code !== 0) throw new Error(`tmux ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
    return r;
  }
  /** Starts the server with session `main` (120x40) running `firstCmd`; no status line; panes stay after exit. */
  async start(firstCmd = 'exec sleep 3600', { remainOnExit = true } = {}) {
    await this.ok([
      'new-session', '-d', '-x', '120', '-y', '40', '-s', 'main', firstCmd, ';',
      'set', '-g', 'status', 'off', ';',
      'set', '-g', 'default-size', '120x40', ';',
      'set', '-g', 'remain-on-exit', remainOnExit ? 'on' : 'off',
    ]);
    this.pid = Number((await this.ok(['display-message', '-p', '#{pid}'])).stdout.trim());
    return this.pid;
  }
  killSync() {
    spawnSync('tmux', this.args(['kill-server']), { stdio: 'ignore', timeout: 10_000 });
    // tmux leaves its socket file behind after kill-server.
    rmSync(join(process.env.TMUX_TMPDIR || '/tmp', `tmux-${process.getuid?.() ?? 0}`, this.sock), { force: true });
  }
  dispose() {
    this._undo();
    this.killSync();
  }
}

export function tmuxVersion() {
  const r = spawnSync('tmux', ['-V'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : null;
}

/** Installs tmux with apt-get when it is missing (the issue asks the bench to); returns a note or null. */
export function ensureTmux() {
  if (tmuxVersion()) return null;
  process.stderr.write('[bench] tmux is missing: installing it with apt-get...\n');
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const cmd = (a) => spawnSync(sudo.length ? 'sudo' : a[0], sudo.length ? a : a.slice(1), { stdio: 'inherit' });
  cmd(['apt-get', 'update']);
  const r = cmd(['apt-get', 'install', '-y', 'tmux']);
  if (r.status !== 0 || !tmuxVersion()) throw new Error('tmux is not installed and apt-get install -y tmux failed');
  return `tmux was missing and was installed by the bench (apt-get install -y tmux): ${tmuxVersion()}`;
}

export function writeFile(path, data) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, data);
}
