// The agent's conversation across runs: which one a launch is in from its start, and how a restart resumes it.
// Pure but for one look at the disk (whether a transcript exists); each agent's rules are its ResumeSupport.
import { randomUUID } from 'node:crypto';
import { agentProfile, type AgentKind } from './agents/index.js';
import { agentProgramIndex } from './agents/detect.js';
import type { SessionRow } from './store.js';

/**
 * The conversation a launch is in from the start, and the command line that runs it: the id the command names
 * itself, or a new one cw assigns (the agent's ResumeSupport.assign), or none (learned from hooks, if ever).
 */
export function pickConversation(agent: AgentKind, argv: readonly string[], newId: () => string = randomUUID): { id: string | null; command: readonly string[] } {
  const resume = agentProfile(agent).resume;
  const at = resume ? agentProgramIndex(argv, agent) : undefined;
  if (!resume || at === undefined) return { id: null, command: argv };
  const named = resume.named(argv, at);
  if (named !== undefined) return { id: named, command: argv };
  const id = newId();
  const assigned = resume.assign?.(argv, at, id);
  return assigned ? { id, command: assigned } : { id: null, command: argv };
}

/** The command line a restart runs, the conversation it resumes (null: none), and why it does not when it cannot. */
export interface RestartPlan {
  command: string[];
  resumed: string | null;
  note: string | null;
}

/**
 * How to start `row` again. A recognised agent with a known conversation resumes it (its ResumeSupport);
 * otherwise the same command runs, and the note says why the conversation was not resumed. `env` is the
 * session's recorded environment (its HOME holds the agent's transcripts).
 */
export function planRestart(
  row: Pick<SessionRow, 'agent' | 'command' | 'cwd' | 'conversationId' | 'transcriptPath' | 'createdAt'>,
  env: Readonly<Record<string, string | undefined>>,
): RestartPlan {
  const profile = agentProfile(row.agent);
  const same = (note: string | null): RestartPlan => ({ command: [...row.command], resumed: null, note });
  if (!profile.typesNotices) return same(null); // a shell or an unknown program: the same command is all there is
  if (!profile.resume) return same(`cw cannot resume a ${profile.label} conversation: started with the same command`);
  const at = agentProgramIndex(row.command, profile.kind);
  if (at === undefined) return same(`the ${profile.label} program is not a word of its own in the command (started inside a shell string): started with the same command, its conversation not resumed`);
  const id = row.conversationId;
  if (!id) return same(`no ${profile.label} conversation id is known (its hooks never reported one): started with the same command`);
  const why = profile.resume.unresumable?.(
    { conversationId: id, ...(row.transcriptPath ? { transcriptPath: row.transcriptPath } : {}), cwd: row.cwd, home: env.HOME ?? '', startedAt: Date.parse(row.createdAt) },
    env,
  );
  if (why) return { command: profile.resume.freshArgs(row.command, at), resumed: null, note: `${why}: started a new conversation` };
  return { command: profile.resume.resumeArgs(row.command, at, id), resumed: id, note: null };
}

