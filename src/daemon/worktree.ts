// Git worktrees for sessions (`cw launch --worktree`, `cw rm --worktree`, `cw worktree ls|prune`): the git
// plumbing and the pure parsing of its porcelain output. Always the real `git`, through execFile with an argument
// array and a timeout: never a shell string (a branch or path is data, not a command line), never a hung daemon.
import { lstat, readdir, readFile, writeFile, mkdir, rmdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { childProcess } from '../common/builtins.js';
import { ErrorCode } from '../protocol/index.js';
import { CwError, invalid } from './errors.js';
import { GIT_QUERY_TIMEOUT_MS, GIT_WRITE_TIMEOUT_MS, WORKTREE_DU_MAX_ENTRIES } from './limits.js';

/** Where worktrees go by default, relative to the repository's root (`[worktree] dir` changes it). */
export const DEFAULT_WORKTREE_DIR = '.cw/worktrees';

export interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `git ARGS` in `cwd`. Variables that would point git at another repository (a daemon started from a git
 * hook has GIT_DIR set) are dropped; prompts are off, since nobody can answer one.
 */
export function git(cwd: string, args: string[], timeoutMs = GIT_QUERY_TIMEOUT_MS): Promise<GitResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };
  for (const k of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_COMMON_DIR', 'GIT_OBJECT_DIRECTORY', 'GIT_CEILING_DIRECTORIES']) delete env[k];
  return new Promise((res) => {
    childProcess().execFile('git', args, { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return res({ code: 0, stdout, stderr });
      const e = err as NodeJS.ErrnoException & { code?: unknown; killed?: boolean };
      if (e.code === 'ENOENT') return res({ code: 127, stdout: '', stderr: 'git is not installed on the daemon\'s machine' });
      if (e.killed) return res({ code: 124, stdout, stderr: `git ${args[0]} took longer than ${timeoutMs} ms` });
      res({ code: typeof e.code === 'number' ? e.code : 1, stdout, stderr });
    });
  });
}

const firstLine = (s: string): string => s.trim().split('\n')[0] ?? '';

// ---- pure parsing (unit-tested with exact vectors) ----

/** What `git status --porcelain=v1 -z` says would be lost: tracked files changed (staged or not), untracked files. */
export interface StatusCounts {
  modified: number;
  untracked: number;
}

/**
 * Parses `git status --porcelain=v1 -z`: entries `XY PATH\0`, a rename or copy followed by its source `PATH\0`.
 * `??` is untracked, `!!` ignored (not counted: ignored files are build output, not work).
 */
export function parseStatusZ(out: string): StatusCounts {
  const parts = out.split('\0');
  let modified = 0;
  let untracked = 0;
  for (let i = 0; i < parts.length; i++) {
    const e = parts[i]!;
    if (e.length < 4) continue;
    const xy = e.slice(0, 2);
    if (xy === '??') untracked++;
    else if (xy === '!!') continue;
    else {
      modified++;
      if (xy[0] === 'R' || xy[0] === 'C') i++; // the source path follows as its own entry
    }
  }
  return { modified, untracked };
}

/** One entry of `git worktree list --porcelain -z`. */
export interface WorktreeListEntry {
  path: string;
  head: string | null;
  /** The short branch name (refs/heads/ dropped); null when detached or bare. */
  branch: string | null;
  bare: boolean;
  detached: boolean;
  locked: boolean;
  prunable: boolean;
}

/**
 * Parses `git worktree list --porcelain -z`: attributes `NAME[ VALUE]\0`, each worktree ended by an empty one.
 * The first entry is the main worktree.
 */
export function parseWorktreeListZ(out: string): WorktreeListEntry[] {
  const list: WorktreeListEntry[] = [];
  let cur: WorktreeListEntry | null = null;
  for (const attr of out.split('\0')) {
    if (attr === '') {
      if (cur) list.push(cur);
      cur = null;
      continue;
    }
    const sp = attr.indexOf(' ');
    const key = sp < 0 ? attr : attr.slice(0, sp);
    const value = sp < 0 ? '' : attr.slice(sp + 1);
    if (key === 'worktree') {
      if (cur) list.push(cur);
      cur = { path: value, head: null, branch: null, bare: false, detached: false, locked: false, prunable: false };
    } else if (!cur) continue;
    else if (key === 'HEAD') cur.head = value;
    else if (key === 'branch') cur.branch = value.startsWith('refs/heads/') ? value.slice('refs/heads/'.length) : value;
    else if (key === 'bare') cur.bare = true;
    else if (key === 'detached') cur.detached = true;
    else if (key === 'locked') cur.locked = true;
    else if (key === 'prunable') cur.prunable = true;
  }
  if (cur) list.push(cur);
  return list;
}

/** The line that keeps the worktrees directory out of `git status`, when it lies inside the repository (else null). */
export function excludeLine(repoRoot: string, worktreesDir: string): string | null {
  const rel = relative(repoRoot, worktreesDir);
  if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) return null;
  // The top directory of the path: `.cw/` for the default, so nothing cw puts there shows.
  const top = rel.split(sep)[0]!;
  return `/${top}/`;
}

/** The exclude file with `line` added (null: already there). */
export function withExcludeLine(current: string, line: string): string | null {
  if (current.split('\n').some((l) => l.trim() === line)) return null;
  return `${current}${current === '' || current.endsWith('\n') ? '' : '\n'}${line}\n`;
}

/** What would be lost by removing a worktree, in words: "2 files modified, 1 untracked, 3 commits not in main". */
export function describeLoss(s: { modified: number; untracked: number; ahead: number; base: string }): string | null {
  const parts: string[] = [];
  if (s.modified) parts.push(`${s.modified} file${s.modified === 1 ? '' : 's'} modified`);
  if (s.untracked) parts.push(`${s.untracked} untracked`);
  if (s.ahead) parts.push(`${s.ahead} commit${s.ahead === 1 ? '' : 's'} not in ${s.base}`);
  return parts.length ? parts.join(', ') : null;
}

// ---- git work ----

/** The repository a directory is in: its main worktree's root (a launch from inside a worktree uses the main one). */
export async function repoOf(dir: string): Promise<string> {
  const top = await git(dir, ['rev-parse', '--show-toplevel']);
  if (top.code !== 0) {
    if (top.code === 127) throw new CwError(ErrorCode.INVALID_ARGUMENT, top.stderr);
    throw new CwError(ErrorCode.INVALID_ARGUMENT, `'${dir}' is not in a git repository: --worktree needs one`, 'launch from inside a repository or pass its directory with --dir (or `git init` it first)');
  }
  const list = await git(dir, ['worktree', 'list', '--porcelain', '-z']);
  const main = list.code === 0 ? parseWorktreeListZ(list.stdout)[0] : undefined;
  return main && !main.bare ? main.path : top.stdout.trim();
}

/** A ref's commit, or null when it names none. */
async function commitOf(repo: string, ref: string): Promise<string | null> {
  const r = await git(repo, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  return r.code === 0 ? r.stdout.trim() : null;
}

export interface WorktreePlan {
  repo: string;
  path: string;
  branch: string;
  /** As given (or the branch HEAD was on); what "merged" is measured against later. */
  base: string;
  baseCommit: string;
}

/**
 * Checks everything a worktree launch needs, changing nothing: a repository, a valid new branch, a known base,
 * a free path. Errors name the problem and the way out.
 */
export async function planWorktree(o: { dir: string; label: string; branch?: string; base?: string; worktreesDir?: string }): Promise<WorktreePlan> {
  const repo = await repoOf(o.dir);
  const branch = o.branch ?? `cw/${o.label}`;
  const fmt = await git(repo, ['check-ref-format', '--branch', branch]);
  if (fmt.code !== 0 || branch.startsWith('-')) throw invalid(`'${branch}' is not a valid branch name`, 'pick another --branch (see `git check-ref-format --help`)');
  if ((await git(repo, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`])).code === 0) {
    throw invalid(`branch '${branch}' already exists in ${repo}`, `pick another --branch or --name, or delete it with \`git -C ${repo} branch -D ${branch}\``);
  }
  let base = o.base;
  if (base === undefined) {
    // HEAD moves; the branch it is on is what the work will be merged into.
    const sym = await git(repo, ['symbolic-ref', '--short', '-q', 'HEAD']);
    base = sym.code === 0 && sym.stdout.trim() ? sym.stdout.trim() : 'HEAD';
  }
  const baseCommit = await commitOf(repo, base);
  if (!baseCommit) {
    throw invalid(`base '${base}' is not a commit in ${repo}`, o.base === undefined ? 'the repository has no commit yet: commit once, then launch again' : 'pass a branch, tag or commit that exists with --base (see `git branch -a`)');
  }
  const dir = o.worktreesDir ?? DEFAULT_WORKTREE_DIR;
  const path = resolve(repo, dir, o.label);
  if (existsSync(path)) throw invalid(`'${path}' already exists`, 'pick another --name, or remove that directory');
  // A detached HEAD moves with whatever is checked out next: its commit is the base.
  return { repo, path, branch, base: base === 'HEAD' ? baseCommit : base, baseCommit };
}

/** Creates the planned worktree on its new branch. */
export async function addWorktree(p: WorktreePlan): Promise<void> {
  const r = await git(p.repo, ['worktree', 'add', '--quiet', '-b', p.branch, p.path, p.baseCommit], GIT_WRITE_TIMEOUT_MS);
  if (r.code !== 0) throw new CwError(ErrorCode.INTERNAL, `git worktree add failed: ${firstLine(r.stderr)}`, `see \`git -C ${p.repo} worktree list\``);
}

/** Keeps the worktrees directory out of the repository's `git status`, in .git/info/exclude (never .gitignore). */
export async function excludeWorktrees(repo: string, path: string): Promise<void> {
  const line = excludeLine(repo, dirname(path));
  if (!line) return;
  const common = await git(repo, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  if (common.code !== 0) return;
  const file = join(common.stdout.trim(), 'info', 'exclude');
  let current = '';
  try {
    current = await readFile(file, 'utf8');
  } catch {
    await mkdir(dirname(file), { recursive: true });
  }
  const next = withExcludeLine(current, line);
  if (next !== null) await writeFile(file, next);
}

/**
 * Removes a worktree and its branch. `force`: even with changes (the caller has decided). The directories cw made
 * above it (.cw/worktrees, .cw) go too once empty.
 */
export async function removeWorktree(w: { repo: string; path: string; branch: string }, force: boolean): Promise<void> {
  if (existsSync(w.path)) {
    const r = await git(w.repo, ['worktree', 'remove', ...(force ? ['--force', '--force'] : []), w.path], GIT_WRITE_TIMEOUT_MS);
    if (r.code !== 0) throw new CwError(ErrorCode.REFUSED, `git could not remove ${w.path}: ${firstLine(r.stderr)}`, 'look at it with `git status` there; --force removes it anyway');
  } else {
    await git(w.repo, ['worktree', 'prune']);
  }
  if (existsSync(w.repo)) await git(w.repo, ['branch', '-D', '--end-of-options', w.branch]).catch(() => undefined);
  for (let d = dirname(w.path); d.startsWith(w.repo + sep) && d !== w.repo; d = dirname(d)) {
    try {
      await rmdir(d);
    } catch {
      break; // not empty (other worktrees), or not ours
    }
  }
}

/** A worktree's state: changes, commits not in its base, whether it is there at all. */
export interface WorktreeState extends StatusCounts {
  exists: boolean;
  dirty: boolean;
  /** Commits on the branch that its base does not have. */
  ahead: number;
  unmerged: boolean;
}

export async function worktreeState(w: { repo: string; path: string; branch: string; base: string; baseCommit?: string | null }): Promise<WorktreeState> {
  const exists = existsSync(w.path);
  let counts: StatusCounts = { modified: 0, untracked: 0 };
  if (exists) {
    const st = await git(w.path, ['status', '--porcelain=v1', '-z', '--untracked-files=all']);
    if (st.code === 0) counts = parseStatusZ(st.stdout);
  }
  let ahead = 0;
  if (existsSync(w.repo)) {
    // The base as named, else (deleted since) the commit it was at when the worktree was made.
    const base = (await commitOf(w.repo, w.base)) ?? w.baseCommit ?? null;
    if (base && (await commitOf(w.repo, `refs/heads/${w.branch}`))) {
      const r = await git(w.repo, ['rev-list', '--count', `${base}..refs/heads/${w.branch}`]);
      if (r.code === 0) ahead = Number(r.stdout.trim()) || 0;
    }
  }
  return { exists, ...counts, dirty: counts.modified + counts.untracked > 0, ahead, unmerged: ahead > 0 };
}

/** The repository's worktrees (git's own list), or [] when it cannot be read. */
export async function listWorktrees(repo: string): Promise<WorktreeListEntry[]> {
  if (!existsSync(repo)) return [];
  const r = await git(repo, ['worktree', 'list', '--porcelain', '-z']);
  return r.code === 0 ? parseWorktreeListZ(r.stdout) : [];
}

/**
 * Disk use of a directory tree, as `du` counts it: allocated blocks, each inode once, symlinks not followed.
 * Stops counting after WORKTREE_DU_MAX_ENTRIES entries (`partial`), so one huge tree cannot hold the daemon.
 */
export async function diskUse(root: string): Promise<{ bytes: number; partial: boolean }> {
  const seen = new Set<string>();
  let bytes = 0;
  let entries = 0;
  const stack = [root];
  while (stack.length) {
    const p = stack.pop()!;
    if (++entries > WORKTREE_DU_MAX_ENTRIES) return { bytes, partial: true };
    let st;
    try {
      st = await lstat(p);
    } catch {
      continue;
    }
    if (st.nlink > 1 && !st.isDirectory()) {
      const key = `${st.dev}:${st.ino}`;
      if (seen.has(key)) continue;
      seen.add(key);
    }
    bytes += st.blocks * 512;
    if (st.isDirectory()) {
      try {
        for (const n of await readdir(p)) stack.push(join(p, n));
      } catch {
        // unreadable: counted as its own size
      }
    }
  }
  return { bytes, partial: false };
}
