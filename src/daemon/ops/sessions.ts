// Session ops: list, launch, restart, status, kill, rm, screen, last-message. Argument checks and reply shapes; the
// work is the registry's and the session's. Anyone who reaches the daemon may use them (auth.ts).
import { ErrorCode, OpArgs, parseArgs, type ScreenResult, type SessionInfo } from '../../protocol/index.js';
import { CwError, invalid } from '../errors.js';
import { screenText } from '../registry.js';
import type { Session } from '../session.js';
import { holdPrompt, type PromptOutcome } from '../prompts.js';
import { agentProfile } from '../agents/index.js';
import { SCREEN_SCROLLBACK_LINES } from '../limits.js';
import { normalizeLine } from '../agents/screen.js';
import type { Reply } from '../agents/types.js';
import { view } from '../mailbox.js';
import type { DaemonContext, Family } from './types.js';
import { launchInWorktree, withWorktrees, worktreesKept } from './worktrees.js';

export type SessionOp = 'list' | 'launch' | 'restart' | 'status' | 'kill' | 'rm' | 'screen' | 'last-message' | 'rename';

const ORDER = { running: 0, exited: 1, killed: 1, lost: 1 } as const;

function sortSessions(list: Session[]): Session[] {
  return list.sort((a, b) => ORDER[a.row.state] - ORDER[b.row.state] || a.id - b.id);
}

/** For ops that need a live program (send, attach): the error says how it ended and where its output is. */
export function requireRunning(s: Session, what: string): void {
  if (s.running) return;
  const how = s.row.state === 'exited' ? `exited (code ${s.row.exitCode ?? s.row.signal})` : s.row.state;
  throw new CwError(ErrorCode.NOT_RUNNING, `session ${s.id} is not running (${how}): cannot ${what}`, `see its output with \`cw logs ${s.id}\``);
}

function requireNotRunning(s: Session): void {
  if (s.running) throw new CwError(ErrorCode.INVALID_ARGUMENT, `session ${s.id} is still running`, `stop it first with \`cw kill ${s.id}\``);
}

export function sessionOps(ctx: DaemonContext): Family<SessionOp> {
  const { registry, mailbox } = ctx;

  /** list/status extras: state card is on the row; unread and owed counts come from the mailbox. */
  const withCounts = (infos: SessionInfo[]): SessionInfo[] => {
    const counts = mailbox.counts();
    return infos.map((i) => {
      const c = counts.get(i.id);
      return { ...i, unread: c?.unread ?? 0, owes: c?.owes ?? 0 };
    });
  };

  return {
    list: async (_c, raw) => {
      const a = parseArgs(OpArgs.list, 'list', raw);
      let list = registry.list();
      if (a.status === 'running') list = list.filter((s) => s.row.state === 'running');
      else if (a.status === 'exited') list = list.filter((s) => s.row.state !== 'running');
      if (a.tags.length) list = list.filter((s) => a.tags.some((t) => s.row.tags.includes(t)));
      const now = Date.now();
      let infos = sortSessions(list).map((s) => s.info(now));
      if (a.activity) infos = infos.filter((i) => i.activity === a.activity);
      return { sessions: await withWorktrees(ctx, withCounts(infos)) };
    },

    launch: async (_c, raw) => {
      const a = parseArgs(OpArgs.launch, 'launch', raw);
      const s = a.worktree ? await launchInWorktree(ctx, { ...a, worktree: a.worktree }) : registry.launch(a);
      // A worktree's branch and base go back with it (`cw launch --worktree` says where it runs).
      const info = async (): Promise<SessionInfo> => (a.worktree ? (await withWorktrees(ctx, [s.info()], { fresh: true }))[0]! : s.info());
      if (a.prompt === undefined) return { session: await info() };
      const prompt = a.prompt;
      // --wait-ready returns at the first of: typed in, failed, or held by a dialog that needs a person.
      const outcome = await new Promise<PromptOutcome>((resolve) => {
        void holdPrompt(registry, s, prompt, a.promptTimeoutMs, (why) => resolve({ state: 'held', why })).then(resolve);
        if (!a.waitReady) resolve({ state: 'held', why: 'pending' });
      });
      if (!a.waitReady) return { session: await info(), prompt: 'pending' };
      if (outcome.state === 'failed') throw new CwError(ErrorCode.NOT_RUNNING, `session ${s.id}: the prompt was not typed: ${outcome.why}`, `see \`cw screen ${s.id}\``);
      return { session: await info(), prompt: outcome.state, ...(outcome.state === 'held' ? { held: outcome.why } : {}) };
    },

    // A new session like the old one (revive.ts); --force ends a running one first, as `cw kill` would.
    restart: async (_c, raw) => {
      const a = parseArgs(OpArgs.restart, 'restart', raw);
      const s = registry.resolve(a.session);
      if (s.running && a.force) {
        s.kill();
        await s.whenEnded();
      }
      return registry.revive.restart(s, 'manual');
    },

    rename: (_c, raw) => {
      const a = parseArgs(OpArgs.rename, 'rename', raw);
      const s = registry.resolve(a.session);
      const previous = registry.rename(s, a.name);
      return { session: withCounts([s.info()])[0]!, previous };
    },

    status: async (_c, raw) => {
      const a = parseArgs(OpArgs.status, 'status', raw);
      const s = registry.resolve(a.session);
      const work = mailbox.work({ kind: 'session', session: s });
      return { session: (await withWorktrees(ctx, withCounts([s.info()]), { fresh: true }))[0]!, logError: s.logError, owes: work.owes.map(view), waitsOn: work.waitsOn.map(view) };
    },

    'last-message': async (_c, raw) => {
      const a = parseArgs(OpArgs['last-message'], 'last-message', raw);
      const s = registry.resolve(a.session);
      const r = await latestReply(s, async () => (await registry.finalScreen(s.id))?.lines ?? null);
      if (!r.ok) throw new CwError(ErrorCode.NOT_FOUND, `session ${s.id} has no reply for its latest turn: ${r.why}`, `see \`cw screen ${s.id}\`, or \`cw wait ${s.id}\` for the turn to end`);
      return { session: s.id, agent: s.row.agent, text: r.text, source: r.source };
    },

    screen: async (_c, raw) => {
      const a = parseArgs(OpArgs.screen, 'screen', raw);
      const s = registry.resolve(a.session);
      const screen = s.screen;
      if (screen) {
        const snap = await screen.snapshot();
        const text = a.scrollback !== undefined ? (await screen.lines(a.scrollback)).join('\n') : a.ansi ? await screen.serialize(0) : screenText(snap.lines);
        const r: ScreenResult = { session: s.id, cols: snap.cols, rows: snap.rows, cursor: snap.cursor, text };
        return r;
      }
      const saved = await registry.finalScreen(s.id);
      if (!saved) throw new CwError(ErrorCode.NOT_FOUND, `session ${s.id} has no saved screen`, `its output is in \`cw logs ${s.id}\``);
      const r: ScreenResult = { session: s.id, cols: saved.cols, rows: saved.rows, cursor: saved.cursor, text: a.ansi ? saved.ansi : saved.text };
      return r;
    },

    kill: async (_c, raw) => {
      const a = parseArgs(OpArgs.kill, 'kill', raw);
      if (!a.all && a.sessions.length === 0 && a.tags.length === 0) throw invalid('name the sessions to kill', 'cw kill SESSION... | --tag T | --all');
      const targets = new Set<Session>();
      for (const ref of a.sessions) targets.add(registry.resolve(ref));
      for (const s of registry.running()) {
        if (a.all || a.tags.some((t) => s.row.tags.includes(t))) targets.add(s);
      }
      const killed: number[] = [];
      const already: number[] = [];
      for (const s of targets) (s.kill() ? killed : already).push(s.id);
      // Reply once they are gone, so `cw kill x && cw rm x` works.
      await Promise.all([...targets].map((s) => s.whenEnded()));
      return { killed, alreadyEnded: already, sessions: [...targets].map((s) => s.info()) };
    },

    rm: (_c, raw) => {
      const a = parseArgs(OpArgs.rm, 'rm', raw);
      if (!a.exited && a.sessions.length === 0) throw invalid('name the sessions to remove', 'cw rm SESSION... | --exited');
      const targets = new Set<Session>(a.sessions.map((r) => registry.resolve(r)));
      if (a.exited) for (const s of registry.list()) if (!s.running) targets.add(s);
      for (const s of targets) requireNotRunning(s);
      for (const s of targets) registry.remove(s);
      const removed = [...targets].map((s) => s.id);
      const kept = worktreesKept(ctx, removed);
      return { removed, ...(kept?.length ? { worktreesKept: kept } : {}) };
    },
  };
}

/**
 * The latest turn's reply, never an older one: none while the agent works or a dialog (or a held launch prompt)
 * waits; then the agent's own word (its Stop hook or notify), its transcript, and the screen, in that order.
 */
async function latestReply(s: Session, savedLines: () => Promise<string[] | null>): Promise<Reply> {
  const profile = agentProfile(s.row.agent);
  // Turns are an agent's: a shell's or a program's "reply" is simply its output since the last prompt.
  if (s.running && profile.typesNotices) {
    await s.activity?.sampleNow();
    const act = s.row.activity;
    if (s.prompt?.state === 'pending') return { ok: false, why: `the launch prompt has not been typed yet (${s.prompt.detail ?? 'pending'})` };
    if (act === 'working') return { ok: false, why: `the agent is still working (${s.row.activityReason})` };
    if (act === 'waiting_for_input') return { ok: false, why: `a dialog is open (${s.row.activityReason})` };
    if (act === 'unknown') return { ok: false, why: `its screen is not recognised (${s.row.activityReason})` };
  }
  const sig = s.signals.lastMessage;
  if (sig && sig.at >= s.signals.turnStartedAt && sig.text.trim()) return { ok: true, text: sig.text.trim(), source: 'hook' };
  if (profile.transcriptReply) {
    const t = await profile.transcriptReply({
      cwd: s.row.cwd,
      home: process.env.HOME ?? '',
      startedAt: Date.parse(s.row.createdAt),
      ...(s.row.conversationId ? { conversationId: s.row.conversationId } : {}),
      ...(s.row.transcriptPath ? { transcriptPath: s.row.transcriptPath } : {}),
    });
    if (t) return t;
  }
  const lines = s.screen ? await s.screen.lines(SCREEN_SCROLLBACK_LINES) : await savedLines();
  if (!lines) return { ok: false, why: 'no screen to read' };
  return profile.replyFromScreen(lines.map(normalizeLine));
}
