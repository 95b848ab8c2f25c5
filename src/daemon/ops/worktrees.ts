// Worktree ops: `cw worktree ls`, `cw worktree prune`, `cw rm --worktree`; and the parts of launch, list, status
// and rm that concern a session's worktree (called from sessions.ts). The git work is worktree.ts's; the records
// are the store's `worktrees` table, which outlives a session removed with plain `cw rm`.
import { sep } from 'node:path';
import { homedir } from 'node:os';
import { ErrorCode, OpArgs, parseArgs, type OpResults, type SessionInfo, type WorktreeEntry, type WorktreeInfo } from '../../protocol/index.js';
import { loadDaemonConfig } from '../../common/config.js';
import { CwError, invalid } from '../errors.js';
import { WORKTREE_STATE_TTL_MS } from '../limits.js';
import type { Session } from '../session.js';
import type { LaunchArgs } from '../launch.js';
import type { WorktreeRow } from '../store.js';
import { addWorktree, describeLoss, diskUse, excludeWorktrees, listWorktrees, planWorktree, removeWorktree, worktreeState, DEFAULT_WORKTREE_DIR } from '../worktree.js';
import type { DaemonContext, Family } from './types.js';

export type WorktreeOp = 'worktree-ls' | 'worktree-prune' | 'worktree-rm';

/** True when `cwd` is the worktree or inside it. */
const inside = (cwd: string, path: string): boolean => cwd === path || cwd.startsWith(path + sep);

/**
 * Worktree launches one at a time: an unnamed session's worktree is named after the id it is about to get, which
 * is only known while no other worktree launch is between the look-up and the launch.
 */
let queue: Promise<unknown> = Promise.resolve();

/**
 * `cw launch --worktree`: plans (every check, nothing changed), adds the worktree, launches the session in it,
 * records it. Any failure after the worktree was added removes it and its branch again: nothing is left behind.
 */
export function launchInWorktree(ctx: DaemonContext, a: LaunchArgs & { worktree: { branch?: string; base?: string } }): Promise<Session> {
  const run = async (): Promise<Session> => {
    const { registry, store } = ctx;
    // Where a remote launch names no directory the session starts in the daemon's home, so that is where to look.
    const dir = a.cwd ?? homedir();
    // The launch would refuse a taken name too, but only after the worktree was made: say it before (as launch.ts).
    const taken = a.name !== undefined ? registry.running().find((s) => s.row.name === a.name) : undefined;
    if (taken) throw new CwError(ErrorCode.NAME_TAKEN, `name '${a.name}' is already used by running session ${taken.id}`, 'pick another --name, or `cw kill` that session first');
    const label = a.name ?? String(store.nextSessionId());
    const plan = await planWorktree({ dir, label, ...a.worktree, ...(worktreesDir(ctx) !== undefined ? { worktreesDir: worktreesDir(ctx) } : {}) });
    await addWorktree(plan);
    let s: Session;
    try {
      s = registry.launch({ ...a, cwd: plan.path });
    } catch (err) {
      await removeWorktree(plan, true).catch(() => undefined);
      throw err;
    }
    store.insertWorktree({ sessionId: s.id, repo: plan.repo, path: plan.path, branch: plan.branch, base: plan.base, baseCommit: plan.baseCommit, createdAt: new Date().toISOString() });
    await excludeWorktrees(plan.repo, plan.path).catch(() => undefined);
    registry.recordEvent(s.id, 'worktree.created', { path: plan.path, branch: plan.branch, base: plan.base });
    return s;
  };
  const p = queue.then(run, run);
  queue = p.catch(() => undefined);
  return p;
}

/** `[worktree] dir` from config.toml, read at each launch (a change needs no daemon restart). */
function worktreesDir(ctx: DaemonContext): string | undefined {
  try {
    return loadDaemonConfig(ctx.paths.home).worktreeDir;
  } catch (err) {
    throw invalid(`cannot read the worktree directory setting: ${(err as Error).message}`, 'fix config.toml ([worktree] dir)');
  }
}

/** The record of the worktree a session runs in: its own, or (restarted sessions) the one its directory is in. */
function recordFor(rows: WorktreeRow[], s: { id: number; cwd: string }): WorktreeRow | undefined {
  return rows.find((r) => r.sessionId === s.id) ?? rows.find((r) => inside(s.cwd, r.path));
}

async function infoOf(r: { repo: string; path: string; branch: string; base: string; baseCommit?: string | null }): Promise<WorktreeInfo> {
  const st = await worktreeState(r);
  return { path: r.path, branch: r.branch, base: r.base, dirty: st.dirty, unmerged: st.unmerged, ahead: st.ahead, modified: st.modified, untracked: st.untracked, exists: st.exists };
}

/**
 * A worktree's state as list/status show it, read at most once per WORKTREE_STATE_TTL_MS per worktree: the cockpit
 * and the dashboard ask for the list several times a second, and each read is two git processes per worktree.
 * Concurrent asks share one read.
 */
const stateCache = new Map<string, { at: number; info: Promise<WorktreeInfo> }>();
function cachedInfoOf(r: Parameters<typeof infoOf>[0]): Promise<WorktreeInfo> {
  const now = Date.now();
  const hit = stateCache.get(r.path);
  if (hit && now - hit.at < WORKTREE_STATE_TTL_MS) return hit.info;
  const info = infoOf(r);
  stateCache.set(r.path, { at: now, info });
  info.catch(() => stateCache.delete(r.path));
  return info;
}

/**
 * list/status: each session's worktree and its state (git status and rev-list per worktree). `list` reuses a state
 * read within WORKTREE_STATE_TTL_MS; `status` of one session (`fresh`) always reads it.
 */
export async function withWorktrees(ctx: DaemonContext, infos: SessionInfo[], { fresh = false }: { fresh?: boolean } = {}): Promise<SessionInfo[]> {
  const rows = ctx.store.worktrees();
  if (!rows.length) return infos;
  return Promise.all(
    infos.map(async (i) => {
      const r = recordFor(rows, i);
      return r ? { ...i, worktree: await (fresh ? infoOf(r) : cachedInfoOf(r)) } : i;
    }),
  );
}

/** rm: the removed sessions whose worktrees stay on disk (and their records, for `cw worktree ls`). */
export function worktreesKept(ctx: DaemonContext, ids: number[]): OpResults['rm']['worktreesKept'] {
  const rows = ctx.store.worktrees().filter((r) => ids.includes(r.sessionId));
  return rows.map((r) => ({ session: r.sessionId, path: r.path, branch: r.branch }));
}

/** Every cw worktree: the records, then git's list of each known repository for cw worktrees with no record. */
async function allWorktrees(ctx: DaemonContext, du: boolean): Promise<(WorktreeEntry & { record: WorktreeRow | null })[]> {
  const { registry, store } = ctx;
  const rows = store.worktrees();
  const sessions = registry.list();
  const out: (WorktreeEntry & { record: WorktreeRow | null })[] = [];
  const entry = async (w: { repo: string; path: string; branch: string; base: string; baseCommit?: string | null }, record: WorktreeRow | null): Promise<WorktreeEntry & { record: WorktreeRow | null }> => {
    const own = record ? sessions.find((s) => s.id === record.sessionId) : undefined;
    const runningHere = sessions.find((s) => s.running && inside(s.row.cwd, w.path));
    const s = runningHere ?? own;
    const info = await infoOf(w);
    const size = du && info.exists ? await diskUse(w.path) : null;
    return {
      ...info,
      repo: w.repo,
      session: s?.id ?? record?.sessionId ?? null,
      sessionName: s?.row.name ?? null,
      sessionState: s ? (s.running ? 'running' : 'ended') : 'gone',
      diskBytes: size?.bytes ?? null,
      diskPartial: size?.partial ?? false,
      record,
    };
  };
  for (const r of rows) out.push(await entry(r, r));
  // Worktrees git knows under a repository's worktree directory that no record names (the record was lost).
  const dirSetting = (() => {
    try {
      return worktreesDir(ctx);
    } catch {
      return undefined;
    }
  })();
  for (const repo of new Set(rows.map((r) => r.repo))) {
    const dirs = [DEFAULT_WORKTREE_DIR, ...(dirSetting ? [dirSetting] : [])].map((d) => (d.startsWith('/') ? d : `${repo}/${d}`));
    const known = await listWorktrees(repo);
    const base = known[0]?.branch ?? 'HEAD';
    for (const k of known.slice(1)) {
      if (rows.some((r) => r.path === k.path) || !k.branch) continue;
      if (!dirs.some((d) => inside(k.path, d) && k.path !== d)) continue;
      out.push(await entry({ repo, path: k.path, branch: k.branch, base }, null));
    }
  }
  return out;
}

const strip = ({ record: _r, ...e }: WorktreeEntry & { record: WorktreeRow | null }): WorktreeEntry => e;

/** Why a worktree stays (null: it may go). */
function keepReason(e: WorktreeEntry): string | null {
  if (e.sessionState === 'running') return `session ${e.session} is running in it`;
  const loss = describeLoss({ modified: e.modified, untracked: e.untracked, ahead: e.ahead, base: e.base });
  return loss ? `would lose ${loss}` : null;
}

export function worktreeOps(ctx: DaemonContext): Family<WorktreeOp> {
  const { registry, store } = ctx;

  const forget = async (e: WorktreeEntry & { record: WorktreeRow | null }, force: boolean): Promise<void> => {
    await removeWorktree(e, force);
    if (e.record) store.deleteWorktree(e.record.sessionId);
    registry.recordEvent(e.session, 'worktree.removed', { path: e.path, branch: e.branch, ...(force ? { forced: true } : {}) });
  };

  return {
    'worktree-ls': async (_c, raw) => {
      const a = parseArgs(OpArgs['worktree-ls'], 'worktree-ls', raw);
      return { worktrees: (await allWorktrees(ctx, a.du)).map(strip) };
    },

    'worktree-prune': async (_c, raw) => {
      const a = parseArgs(OpArgs['worktree-prune'], 'worktree-prune', raw);
      const all = await allWorktrees(ctx, false);
      const removed: WorktreeEntry[] = [];
      const kept: (WorktreeEntry & { why: string })[] = [];
      for (const e of all) {
        // A worktree whose session has ended is still the place to look at its work: only a clean one goes.
        const why = keepReason(e);
        if (why) {
          kept.push({ ...strip(e), why });
          continue;
        }
        if (a.yes) await forget(e, false);
        removed.push(strip(e));
      }
      return { dryRun: !a.yes, removed, kept };
    },

    'worktree-rm': async (_c, raw) => {
      const a = parseArgs(OpArgs['worktree-rm'], 'worktree-rm', raw);
      if (!a.exited && a.sessions.length === 0) throw invalid('name the sessions to remove', 'cw rm --worktree SESSION... | --exited');
      const targets = new Set<Session>(a.sessions.map((r) => registry.resolve(r)));
      if (a.exited) for (const s of registry.list()) if (!s.running) targets.add(s);
      for (const s of targets) {
        if (s.running) throw new CwError(ErrorCode.INVALID_ARGUMENT, `session ${s.id} is still running`, `stop it first with \`cw kill ${s.id}\``);
      }
      const ids = new Set([...targets].map((s) => s.id));
      const all = await allWorktrees(ctx, false);
      const mine = all.filter((e) => e.record && ids.has(e.record.sessionId));
      // Everything is checked before anything is removed: a refusal leaves every session and worktree as it was.
      if (!a.force) {
        const lost = mine.map((e) => ({ e, why: keepReason(e) })).filter((x) => x.why !== null);
        if (lost.length) {
          const what = lost.map(({ e, why }) => `session ${e.session}'s worktree ${e.path} (${e.branch}): ${why}`).join('; ');
          throw new CwError(ErrorCode.REFUSED, `not removed: ${what}`, 'commit or merge the work first, or pass --force to remove it anyway');
        }
      }
      const running = mine.find((e) => e.sessionState === 'running');
      if (running) throw new CwError(ErrorCode.REFUSED, `not removed: session ${running.session} is running in ${running.path}`, `stop it first with \`cw kill ${running.session}\``);
      for (const e of mine) await forget(e, a.force);
      for (const s of targets) registry.remove(s);
      return { removed: [...ids], worktrees: mine.map(strip) };
    },
  };
}
