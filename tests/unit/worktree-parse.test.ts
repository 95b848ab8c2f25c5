// The pure parts of session worktrees: git's porcelain output read back, the exclude line, the words for what
// would be lost and the sizes `cw worktree ls` shows. Exact vectors, as git prints them.
import { describe, expect, it } from 'vitest';
import { describeLoss, excludeLine, parseStatusZ, parseWorktreeListZ, withExcludeLine } from '../../src/daemon/worktree.js';
import { humanBytes, worktreeChanges } from '../../src/client/commands/worktree.js';

describe('parseStatusZ (git status --porcelain=v1 -z)', () => {
  it('counts tracked changes and untracked files; a rename takes its source entry with it; ignored files do not count', () => {
    const out = ' M README\0M  staged.txt\0MM both.txt\0R  new name.txt\0old name.txt\0D  gone.txt\0?? a.txt\0?? dir/b.txt\0!! build/out.o\0UU conflict.txt\0';
    expect(parseStatusZ(out)).toEqual({ modified: 6, untracked: 2 });
  });
  it('reads an empty status as clean', () => {
    expect(parseStatusZ('')).toEqual({ modified: 0, untracked: 0 });
  });
  it('keeps a path with a newline or spaces as one entry', () => {
    expect(parseStatusZ('?? we ird\nname\0 M x y\0')).toEqual({ modified: 1, untracked: 1 });
  });
});

describe('parseWorktreeListZ (git worktree list --porcelain -z)', () => {
  it('reads the main worktree, a branch, a detached, a locked and a prunable one', () => {
    const out =
      'worktree /r\0HEAD 1111111111111111111111111111111111111111\0branch refs/heads/main\0\0' +
      'worktree /r/.cw/worktrees/api\0HEAD 2222222222222222222222222222222222222222\0branch refs/heads/cw/api\0\0' +
      'worktree /r/.cw/worktrees/d\0HEAD 3333333333333333333333333333333333333333\0detached\0locked reason here\0\0' +
      'worktree /gone\0HEAD 4444444444444444444444444444444444444444\0branch refs/heads/x\0prunable gitdir file points to non-existent location\0\0';
    expect(parseWorktreeListZ(out)).toEqual([
      { path: '/r', head: '1111111111111111111111111111111111111111', branch: 'main', bare: false, detached: false, locked: false, prunable: false },
      { path: '/r/.cw/worktrees/api', head: '2222222222222222222222222222222222222222', branch: 'cw/api', bare: false, detached: false, locked: false, prunable: false },
      { path: '/r/.cw/worktrees/d', head: '3333333333333333333333333333333333333333', branch: null, bare: false, detached: true, locked: true, prunable: false },
      { path: '/gone', head: '4444444444444444444444444444444444444444', branch: 'x', bare: false, detached: false, locked: false, prunable: true },
    ]);
  });
  it('reads a bare main repository', () => {
    expect(parseWorktreeListZ('worktree /srv/r.git\0bare\0\0')).toEqual([{ path: '/srv/r.git', head: null, branch: null, bare: true, detached: false, locked: false, prunable: false }]);
  });
});

describe('exclude line', () => {
  it('excludes the top directory of a worktrees directory inside the repository, nothing outside it', () => {
    expect(excludeLine('/r', '/r/.cw/worktrees')).toBe('/.cw/');
    expect(excludeLine('/r', '/r/trees')).toBe('/trees/');
    expect(excludeLine('/r', '/elsewhere/trees')).toBeNull();
    expect(excludeLine('/r', '/r')).toBeNull();
  });
  it('adds the line once, after a last line with or without its newline', () => {
    expect(withExcludeLine('', '/.cw/')).toBe('/.cw/\n');
    expect(withExcludeLine('# git ls-files\n*.o\n', '/.cw/')).toBe('# git ls-files\n*.o\n/.cw/\n');
    expect(withExcludeLine('*.o', '/.cw/')).toBe('*.o\n/.cw/\n');
    expect(withExcludeLine('*.o\n/.cw/\n', '/.cw/')).toBeNull();
  });
});

describe('what would be lost', () => {
  it('names each kind with its count, or nothing', () => {
    expect(describeLoss({ modified: 1, untracked: 2, ahead: 3, base: 'main' })).toBe('1 file modified, 2 untracked, 3 commits not in main');
    expect(describeLoss({ modified: 2, untracked: 0, ahead: 1, base: 'dev' })).toBe('2 files modified, 1 commit not in dev');
    expect(describeLoss({ modified: 0, untracked: 0, ahead: 0, base: 'main' })).toBeNull();
  });
  it('says a worktree is clean, changed or missing', () => {
    const w = { path: '/p', branch: 'cw/a', base: 'main', dirty: false, unmerged: false, ahead: 0, modified: 0, untracked: 0, exists: true };
    expect(worktreeChanges(w)).toBe('clean');
    expect(worktreeChanges({ ...w, modified: 2, untracked: 1, ahead: 4 })).toBe('2 modified, 1 untracked, 4 ahead of main');
    expect(worktreeChanges({ ...w, exists: false })).toBe('missing');
  });
});

describe('humanBytes', () => {
  it('shows sizes as du -h does', () => {
    expect(humanBytes(0)).toBe('0');
    expect(humanBytes(1023)).toBe('1023');
    expect(humanBytes(1024)).toBe('1.0K');
    expect(humanBytes(4096)).toBe('4.0K');
    expect(humanBytes(69632)).toBe('68K');
    expect(humanBytes(1.5 * 1024 * 1024)).toBe('1.5M');
    expect(humanBytes(3 * 1024 ** 4)).toBe('3.0T');
  });
});
