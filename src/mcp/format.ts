// How tool results look: compact JSON for programs, a human line where it helps, and errors worded as the CLI
// words them. Peer-written text (message bodies, replies, task text) is cleaned and framed as a peer's context.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ClientError } from '../channel/errors.js';
import { cleanBody } from '../common/messages-format.js';
import { describeState, formatAge } from '../common/session-text.js';
import type { MessageInfo, SessionInfo } from '../protocol/messages.js';

/** A tool result: human text first (when there is any), then compact JSON (when there is any). */
export function result(human: string | null, data?: unknown): CallToolResult {
  const content: CallToolResult['content'] = [];
  if (human) content.push({ type: 'text', text: human });
  if (data !== undefined) content.push({ type: 'text', text: JSON.stringify(data) });
  if (content.length === 0) content.push({ type: 'text', text: 'ok' });
  return { content };
}

/** The message (and hint) the CLI prints on stderr for the same failure, as an MCP tool error. */
export function errorResult(err: unknown): CallToolResult {
  let text: string;
  if (err instanceof ClientError) text = `cw: ${err.message}${err.hint ? `\nhint: ${err.hint}` : ''}`;
  else text = `cw: ${(err as Error)?.message ?? String(err)}`;
  return { content: [{ type: 'text', text }], isError: true };
}

/** The fields of a session an agent needs, without the counters. */
export function compactSession(s: SessionInfo): Record<string, unknown> {
  return {
    id: s.id,
    name: s.name,
    state: s.state,
    ...(s.state === 'running'
      ? { activity: s.activity, activitySince: s.activitySince, ...(s.activityReason ? { activityReason: s.activityReason } : {}) }
      : { exitCode: s.exitCode, ...(s.signal ? { signal: s.signal } : {}), endedAt: s.endedAt }),
    agent: s.agent,
    command: s.command,
    cwd: s.cwd,
    ...(s.worktree ? { worktree: { path: s.worktree.path, branch: s.worktree.branch, base: s.worktree.base } } : {}),
    ...(s.tags.length ? { tags: s.tags } : {}),
    ...(s.stateCard ? { stateCard: cleanBody(s.stateCard) } : {}),
    ...(s.unread ? { unread: s.unread } : {}),
    ...(s.owes ? { owes: s.owes } : {}),
    createdAt: s.createdAt,
  };
}

/** `3 (api) running, idle since 12s (prompt box)`: one line per session. */
export function sessionLine(s: SessionInfo, now = Date.now()): string {
  const who = `${s.id}${s.name ? ` (${s.name})` : ''}`;
  if (s.state !== 'running') return `${who} ${describeState(s)}`;
  const since = s.activitySince ? ` since ${formatAge(now - Date.parse(s.activitySince))}` : '';
  return `${who} running, ${s.activity}${since}${s.activityReason ? ` (${s.activityReason})` : ''}`;
}

/** A message's envelope, without its body (bodies reach agents only inside the peer framing). */
export function envelope(m: MessageInfo): Record<string, unknown> {
  return {
    id: m.id,
    kind: m.kind,
    from: m.from,
    to: m.to,
    ...(m.re ? { re: m.re } : {}),
    state: m.state,
    ...(m.workState ? { workState: m.workState } : {}),
    createdAt: m.createdAt,
  };
}

/** A peer's text, one line, cut to n characters. */
export function oneLine(s: string, n = 120): string {
  const t = cleanBody(s).replace(/\s+/g, ' ').trim();
  return [...t].length > n ? `${[...t].slice(0, n - 1).join('')}…` : t;
}

/** Keeps the end of a long text (logs, screens) within what is sensible to hand an agent. */
export function keepTail(text: string, maxChars: number): { text: string; truncated: boolean } {
  if (text.length <= maxChars) return { text, truncated: false };
  const cut = text.slice(text.length - maxChars);
  const nl = cut.indexOf('\n');
  return { text: nl >= 0 && nl < 200 ? cut.slice(nl + 1) : cut, truncated: true };
}
