#!/usr/bin/env node
// The programs the tests need besides node_modules, installed when missing so that `npm test` passes on a fresh
// machine: a real nats-server (the fleet tests), a headless chromium (the dashboard tests), and the compilers
// node-pty and better-sqlite3 fall back to when no prebuilt binary fits. When everything is there it only looks
// (no root needed); when something is missing it asks apt-get (as root, or through sudo: without a password
// unless a terminal is there to type one). Whatever it could not install is one line on stderr, with the tests
// that will therefore fail or skip. It never fails itself: those tests say what is missing when they run.
//
//   node scripts/test-deps.mjs        (npm test and .ci/run call it; plain Node, no dependencies)
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

/** What to look for, the Debian package that brings it, and what goes wrong without it. */
const NEEDS = [
  { name: 'nats-server', pkg: 'nats-server', find: () => onPath('nats-server', ['/usr/sbin', '/usr/local/sbin']) ?? fromEnv('NATS_SERVER'), without: 'tests/e2e/fleet.test.ts will fail' },
  { name: 'chromium', pkg: 'chromium', find: () => executable('/usr/bin/chromium'), without: 'tests/e2e/dashboard.test.ts will fail and a test of tests/e2e/security-dashboard.test.ts will skip' },
  { name: 'python3', pkg: 'python3', find: () => onPath('python3'), without: 'npm ci cannot compile node-pty or better-sqlite3 when no prebuilt binary fits' },
  { name: 'make', pkg: 'make', find: () => onPath('make'), without: 'npm ci cannot compile node-pty or better-sqlite3 when no prebuilt binary fits' },
  { name: 'g++', pkg: 'g++', find: () => onPath('g++'), without: 'npm ci cannot compile node-pty or better-sqlite3 when no prebuilt binary fits' },
  { name: 'zsh', pkg: 'zsh', find: () => onPath('zsh'), without: "tests/e2e/completion.test.ts's zsh test will fail" },
  { name: 'fish', pkg: 'fish', find: () => onPath('fish'), without: "tests/e2e/completion.test.ts's fish test will fail" },
  { name: 'tmux', pkg: 'tmux', find: () => onPath('tmux'), without: '`npm run bench` cannot compare with tmux (no test needs it)' },
];

function executable(path) {
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    return null;
  }
}

function onPath(cmd, extra = []) {
  for (const dir of [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), ...extra]) {
    const found = executable(join(dir, cmd));
    if (found) return found;
  }
  return null;
}

function fromEnv(name) {
  const v = process.env[name];
  return v ? executable(v) : null;
}

const missing = () => NEEDS.filter((n) => !n.find());

/** How apt-get can be run here: as root, through sudo, or not at all (with the reason). */
function installer() {
  if (!onPath('apt-get')) return { why: 'no apt-get on this machine: install them with its package manager' };
  if (process.getuid?.() === 0) return { run: [] };
  if (!onPath('sudo')) return { why: 'not root, and no sudo' };
  if (spawnSync('sudo', ['-n', 'true'], { stdio: 'ignore' }).status === 0) return { run: ['sudo', '-n'] };
  // sudo wants a password: ask for it only where someone can type it.
  if (process.stdin.isTTY && !process.env.CI) return { run: ['sudo'] };
  return { why: 'not root, and sudo needs a password (run `sudo apt-get install -y <them>` once)' };
}

function aptGet(prefix, args) {
  const [cmd, ...rest] = [...prefix, 'apt-get', ...args];
  const r = spawnSync(cmd, rest, { stdio: ['inherit', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  return r.status === 0;
}

const before = missing();
if (before.length === 0) {
  console.error(`test-deps: present: ${NEEDS.map((n) => n.name).join(', ')}`);
  process.exit(0);
}
const pkgs = before.map((n) => n.pkg);
const how = installer();
let why = how.why;
if (how.run) {
  console.error(`test-deps: installing ${pkgs.join(' ')} with apt-get`);
  const ok = aptGet(how.run, ['update', '-qq']) && aptGet(how.run, ['install', '-y', '-qq', '--no-install-recommends', ...pkgs]);
  if (!ok) why = 'apt-get failed (see above)';
}
const after = missing();
if (after.length) {
  const effects = [...new Set(after.map((n) => n.without))].join('; ');
  console.error(`test-deps: could not install ${after.map((n) => n.pkg).join(', ')} (${why ?? 'not found after installing'}): ${effects}`);
}
