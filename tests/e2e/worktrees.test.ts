// Black-box: `cw launch --worktree`, `cw rm --worktree`, `cw worktree ls|prune` against real git repositories made
// in temporary directories, with the built `cw` and a daemon in a temporary CODEWIRE_HOME.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionInfo, WorktreeEntry } from '../../src/protocol/index.js';
import { makeHome, waitFor, type Home } from '../support/harness.js';

const GIT_ENV = { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@example.invalid', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@example.invalid' };
const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8', timeout: 10_000 });

let h: Home;
const dirs: string[] = [];

/** A repository on branch main with one commit. */
function repo(): string {
  const d = mkdtempSync('/tmp/cwgit-');
  dirs.push(d);
  git(d, 'init', '-q', '-b', 'main');
  writeFileSync(join(d, 'README'), 'hello\n');
  git(d, 'add', 'README');
  git(d, 'commit', '-q', '-m', 'init');
  return d;
}

const status = (ref: string): Promise<SessionInfo> => h.json<SessionInfo>(['status', ref]);
const ended = (ref: string): Promise<SessionInfo> =>
  waitFor(async () => {
    const s = await status(ref);
    return s.state !== 'running' ? s : null;
  }, `session ${ref} to end`);
const ls = (): Promise<WorktreeEntry[]> => h.json<WorktreeEntry[]>(['worktree', 'ls']);

beforeAll(async () => {
  h = makeHome();
  await h.ok(['start']);
});
afterAll(async () => {
  await h.cleanup();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('cw launch --worktree', () => {
  it('runs the session in a new worktree on cw/NAME, kept out of git status by .git/info/exclude', async () => {
    const r = repo();
    const gitignoreBefore = existsSync(join(r, '.gitignore'));
    const out = await h.cw(['launch', '--worktree', '--name', 'api', '--dir', r, '--', 'bash', '-c', 'pwd; git branch --show-current; sleep 60']);
    expect(out.code, out.stderr).toBe(0);
    const path = join(r, '.cw', 'worktrees', 'api');
    expect(out.stderr).toContain(`In worktree ${path} on branch cw/api (from main)`);
    const s = await status('api');
    expect(s.cwd).toBe(path);
    expect(s.worktree).toEqual({ path, branch: 'cw/api', base: 'main', dirty: false, unmerged: false, ahead: 0, modified: 0, untracked: 0, exists: true });
    await waitFor(async () => (await h.ok(['logs', 'api'])).includes('cw/api'), 'the session to print its branch');
    expect(await h.ok(['logs', 'api'])).toBe(`${path}\ncw/api\n`);
    expect(git(r, 'status', '--porcelain')).toBe('');
    expect(readFileSync(join(r, '.git', 'info', 'exclude'), 'utf8')).toContain('/.cw/\n');
    expect(existsSync(join(r, '.gitignore'))).toBe(gitignoreBefore);
    const list = await h.ok(['list']);
    expect(list).toMatch(/BRANCH/);
    expect(list).toMatch(/cw\/api \(clean\)/);
    await h.ok(['kill', 'api']);
  }, 60_000);

  it('names the worktree and branch after the id when there is no name; --branch and --base choose them', async () => {
    const r = repo();
    git(r, 'checkout', '-q', '-b', 'dev');
    writeFileSync(join(r, 'dev.txt'), 'dev\n');
    git(r, 'add', 'dev.txt');
    git(r, 'commit', '-q', '-m', 'dev');
    git(r, 'checkout', '-q', 'main');
    const id = (await h.ok(['launch', '--worktree', '--dir', r, '--', 'sleep', '60'])).trim();
    expect((await status(id)).worktree).toMatchObject({ path: join(r, '.cw', 'worktrees', id), branch: `cw/${id}`, base: 'main' });
    const id2 = (await h.ok(['launch', '--worktree', '--branch', 'feature/x', '--base', 'dev', '--dir', r, '--', 'sleep', '60'])).trim();
    const w = (await status(id2)).worktree!;
    expect(w).toMatchObject({ branch: 'feature/x', base: 'dev', ahead: 0 });
    expect(existsSync(join(w.path, 'dev.txt'))).toBe(true);
    await h.ok(['kill', id, id2]);
  }, 60_000);

  it('refuses outside a repository, an existing branch and an unknown base: exit 1, a hint, nothing left behind', async () => {
    const plain = mkdtempSync('/tmp/cwnogit-');
    dirs.push(plain);
    const before = (await h.json<SessionInfo[]>(['list'])).length;
    let r = await h.cw(['launch', '--worktree', '--dir', plain, '--', 'sleep', '60']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not in a git repository');
    expect(r.stderr).toMatch(/hint: .*--dir/);

    const g = repo();
    git(g, 'branch', 'taken');
    r = await h.cw(['launch', '--worktree', '--branch', 'taken', '--dir', g, '--', 'sleep', '60']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("branch 'taken' already exists");
    expect(r.stderr).toMatch(/hint: .*branch -D taken/);

    r = await h.cw(['launch', '--worktree', '--base', 'nope', '--dir', g, '--', 'sleep', '60']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("base 'nope' is not a commit");

    // A launch that fails after the worktree was made (a missing program) takes it away again.
    r = await h.cw(['launch', '--worktree', '--name', 'ghost', '--dir', g, '--', 'no-such-program-cw']);
    expect(r.code).toBe(1);
    expect(existsSync(join(g, '.cw'))).toBe(false);
    expect(git(g, 'branch', '--list', 'cw/ghost')).toBe('');
    expect(git(g, 'worktree', 'list', '--porcelain').match(/^worktree /gm)!.length).toBe(1);

    r = await h.cw(['launch', '--branch', 'x', '--dir', g, '--', 'sleep', '1']);
    expect(r.code).toBe(2);
    expect((await h.json<SessionInfo[]>(['list'])).length).toBe(before);
  }, 60_000);
});

describe('cw rm --worktree', () => {
  it('refuses to lose work, naming it; --force removes anyway; plain rm says the worktree stays', async () => {
    const r = repo();
    await h.ok(['launch', '--worktree', '--name', 'dirty', '--dir', r, '--', 'bash', '-c', 'echo change >> README; echo new > a.txt; echo new > b.txt']);
    await ended('dirty');
    const w = (await status('dirty')).worktree!;
    expect(w).toMatchObject({ dirty: true, modified: 1, untracked: 2, unmerged: false });
    let out = await h.cw(['rm', '--worktree', 'dirty']);
    expect(out.code).toBe(3);
    expect(out.stderr).toContain('would lose 1 file modified, 2 untracked');
    expect(out.stderr).toContain('--force');
    expect(existsSync(w.path)).toBe(true);
    expect((await status('dirty')).state).toBe('exited');

    // Committed but not merged: the commits are what would be lost.
    await h.ok(['launch', '--worktree', '--name', 'ahead', '--dir', r, '--', 'bash', '-c', 'echo x > c.txt && git add c.txt && git -c user.name=t -c user.email=t@example.invalid commit -q -m one && echo y > d.txt && git add d.txt && git -c user.name=t -c user.email=t@example.invalid commit -q -m two']);
    await ended('ahead');
    expect((await status('ahead')).worktree).toMatchObject({ dirty: false, unmerged: true, ahead: 2 });
    out = await h.cw(['rm', '--worktree', 'ahead']);
    expect(out.code).toBe(3);
    expect(out.stderr).toContain('2 commits not in main');

    out = await h.cw(['rm', '--worktree', '--force', 'dirty']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toContain(`Removed worktree ${w.path} and branch cw/dirty`);
    expect(existsSync(w.path)).toBe(false);
    expect(git(r, 'branch', '--list', 'cw/dirty')).toBe('');
    expect((await h.cw(['status', 'dirty'])).code).toBe(1);

    // Plain rm: the session goes, the worktree stays and is said to.
    const aw = (await status('ahead')).worktree!;
    out = await h.cw(['rm', 'ahead']);
    expect(out.code).toBe(0);
    expect(out.stderr).toContain(`The worktree of session`);
    expect(out.stderr).toContain(aw.path);
    expect(existsSync(aw.path)).toBe(true);
    const gone = (await ls()).find((e) => e.path === aw.path)!;
    expect(gone).toMatchObject({ sessionState: 'gone', branch: 'cw/ahead', unmerged: true, ahead: 2 });
  }, 60_000);

  it('removes a clean worktree and its branch once its work is merged', async () => {
    const r = repo();
    await h.ok(['launch', '--worktree', '--name', 'merged', '--dir', r, '--', 'bash', '-c', 'echo m > m.txt && git add m.txt && git -c user.name=t -c user.email=t@example.invalid commit -q -m m']);
    await ended('merged');
    expect((await status('merged')).worktree).toMatchObject({ unmerged: true, ahead: 1 });
    git(r, 'merge', '-q', '--ff-only', 'cw/merged');
    expect((await status('merged')).worktree).toMatchObject({ unmerged: false, ahead: 0, dirty: false });
    const out = await h.cw(['rm', '--worktree', 'merged', '--json']);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout).worktrees[0]).toMatchObject({ branch: 'cw/merged' });
    expect(existsSync(join(r, '.cw'))).toBe(false);
    expect(git(r, 'branch', '--list', 'cw/merged')).toBe('');
  }, 60_000);

  it('refuses a running session', async () => {
    const r = repo();
    await h.ok(['launch', '--worktree', '--name', 'live', '--dir', r, '--', 'sleep', '60']);
    const out = await h.cw(['rm', '--worktree', 'live']);
    expect(out.code).toBe(1);
    expect(out.stderr).toContain('still running');
    await h.ok(['kill', 'live']);
  }, 60_000);
});

describe('cw worktree ls and prune', () => {
  it('lists disk use and state; prune is a dry run unless --yes and keeps work and running sessions', async () => {
    const r = repo();
    // 64 KiB of untracked data: disk use counts it; the worktree is dirty so prune keeps it.
    await h.ok(['launch', '--worktree', '--name', 'big', '--dir', r, '--', 'bash', '-c', 'head -c 65536 /dev/zero > blob']);
    await h.ok(['launch', '--worktree', '--name', 'clean', '--dir', r, '--', 'true']);
    await h.ok(['launch', '--worktree', '--name', 'run', '--dir', r, '--', 'sleep', '60']);
    await ended('big');
    await ended('clean');
    const all = (await ls()).filter((e) => e.repo === r);
    const by = (n: string): WorktreeEntry => all.find((e) => e.branch === `cw/${n}`)!;
    expect(by('big')).toMatchObject({ sessionState: 'ended', dirty: true, untracked: 1 });
    expect(by('big').diskBytes!).toBeGreaterThanOrEqual(65536);
    expect(by('clean')).toMatchObject({ sessionState: 'ended', dirty: false, unmerged: false });
    expect(by('run')).toMatchObject({ sessionState: 'running', sessionName: 'run' });
    const text = await h.ok(['worktree', 'ls']);
    expect(text).toMatch(/SESSION\s+STATE\s+BRANCH\s+CHANGES\s+DISK\s+PATH/);
    expect(text).toMatch(/cw\/big\s+1 untracked\s+(6\d|7\d|8\d)K/);

    const dry = await h.cw(['worktree', 'prune']);
    expect(dry.code).toBe(0);
    expect(dry.stderr).toContain('would remove');
    expect(dry.stderr).toContain('nothing was removed');
    expect(dry.stdout).toContain(by('clean').path);
    expect(dry.stdout).toMatch(/would lose 1 untracked/);
    expect(dry.stdout).toContain('session');
    expect(existsSync(by('clean').path)).toBe(true);

    const yes = await h.json<{ dryRun: boolean; removed: WorktreeEntry[]; kept: (WorktreeEntry & { why: string })[] }>(['worktree', 'prune', '--yes']);
    expect(yes.dryRun).toBe(false);
    expect(yes.removed.map((e) => e.branch)).toContain('cw/clean');
    expect(yes.removed.map((e) => e.branch)).not.toContain('cw/big');
    expect(yes.kept.find((e) => e.branch === 'cw/run')!.why).toMatch(/is running in it/);
    expect(existsSync(by('clean').path)).toBe(false);
    expect(existsSync(by('big').path)).toBe(true);
    expect(existsSync(by('run').path)).toBe(true);
    expect(git(r, 'branch', '--list', 'cw/clean')).toBe('');
    expect((await status('clean')).worktree ?? null).toBeNull();
    await h.ok(['kill', 'run']);
  }, 60_000);

  it('puts worktrees where [worktree] dir says', async () => {
    const r = repo();
    const trees = mkdtempSync('/tmp/cwtrees-');
    dirs.push(trees);
    writeFileSync(join(h.dir, 'config.toml'), `[worktree]\ndir = "${trees}"\n`, { mode: 0o600 });
    try {
      await h.ok(['launch', '--worktree', '--name', 'elsewhere', '--dir', r, '--', 'true']);
      const w = (await status('elsewhere')).worktree!;
      expect(w.path).toBe(join(trees, 'elsewhere'));
      await ended('elsewhere');
      expect((await h.cw(['rm', '--worktree', 'elsewhere'])).code).toBe(0);
      expect(existsSync(w.path)).toBe(false);
    } finally {
      rmSync(join(h.dir, 'config.toml'), { force: true });
    }
  }, 60_000);
});
