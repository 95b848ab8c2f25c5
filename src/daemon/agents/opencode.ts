// OpenCode: everything cw knows about it. Two interfaces:
//  - the full-screen TUI (default; alternate screen): a transcript, then the composer box `┃ … ┃ <Agent> · <model>
//    <provider>`, its bottom edge `╹▀▀▀`, and a bar below it (`<path or progress dots + esc interrupt> … ctrl+p
//    commands`). Dialogs (permission, "Allow always" confirmation, question picker) REPLACE the composer and the bar.
//  - `--mini` (normal buffer): lines flow from the top; a footer ` BUILD [dots esc interrupt] … ctrl+p cmd` sits two
//    rows below the input row; dialogs replace the footer.
// Literals checked on 1.18.33 (npm run agents:capture: tests/fixtures/screens/opencode/*-captured-*), 1.17.12
// (agent-of-empires captures) and 1.1.8 (AGENT-SCREENS.md §1.6) unless a comment says otherwise.
// Its own signals: a plugin cw loads for one run through OPENCODE_CONFIG_CONTENT (events session.status,
// session.idle, permission.asked, question.asked, …); its conversations: SQLite (~/.local/share/opencode/opencode.db).

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import type { AgentProfile, ConversationRef, HookSignal, HookWiring, HookWiringInput, Reading, Reply, ResumeSupport, Screen } from './types.js';
import { afterProgram, optionValue, withoutOptions, type ConversationOptions } from './resume.js';
import { BRAILLE, findLast, isBlank, lastNonBlank, questionAbove, quote, unbox } from './screen.js';
import { noReply, screenReply } from './reply.js';

export const OPENCODE = {
  /** Permission dialog title and its option row (1.1.8–1.18.33; 1.18.33 paints it where the composer was). */
  permission: /△ Permission required/,
  permissionOptions: /Allow once\s+Allow always\s+Reject/,
  /** "Allow always" asks to confirm the patterns first (1.18.33 capture permission-always-confirm). */
  alwaysTitle: /△ Always allow/,
  confirmOptions: /\bConfirm\s+Cancel\b/,
  /** Question tool picker hints (1.18.33 capture question-*; agent-deck #255). */
  questionHints: /select\s+enter submit\s+esc dismiss/,
  /** After "Reject", per AGENT-SCREENS.md §1.6 (1.18); not drawn in our 1.18.33 runs, where Reject ends the turn. */
  rejectFeedback: /Tell OpenCode what to do differently/,
  /** Busy markers, on the bar row only: `esc interrupt` (`esc again to interrupt` after one Esc) and progress dots. */
  busy: /\besc (?:again )?(?:to )?interrupt\b/,
  busyDots: /[■⬝]{4,}/,
  /** The full TUI's bar (`ctrl+p commands`) and the mini footer (` BUILD … ctrl+p cmd`). */
  bar: /ctrl\+p commands\b/,
  miniFooter: /^\s?[A-Z][A-Z0-9_-]*(?:\s.*)?\sctrl\+p cmd\b/,
  /** The composer's last row names the agent and the model: `┃  Build · Fake Model Fake`. */
  modeLine: /^\s*┃\s+\S.*\s·\s\S/,
  boxBottom: /^\s*╹▀{8,}/,
  /** The empty composer's dim suggestion: `Ask anything… "Fix broken tests"` (1.18 full), `Ask anything... "…"` (mini, 1.17). */
  placeholder: /^Ask anything(?:…|\.\.\.)(?:\s+".*")?$/,
  /** A turn's footer: `▣  Build · Fake Model · 2.6s`; `· interrupted` after Esc; no duration while it runs. */
  turnFooter: /^\s*▣\s+\S/,
  turnDuration: /·\s*(?:\d+h\s*)?(?:\d+m\s*)?\d+(?:\.\d+)?(?:ms|s|m)\s*$/,
  turnInterrupted: /·\s*interrupted\s*$/,
  /** Mini: `Aborted` when interrupted, drawn above or below the turn's footer (both seen on 1.18.33). */
  miniAborted: /^Aborted$/,
  /** A picker opened over the transcript (ctrl+p Commands, /models, session list): title + `esc`, then `Search`. */
  overlayTitle: /^\s{2,}(\S.*?)\s{3,}esc\s*$/,
  overlaySearch: /^\s{2,}Search\b/,
} as const;

/** Tool one-liners in the transcript (`$ cmd` while pending, `→ Read x`, `← Edit x`, `✱ Glob`, `% WebFetch`, a spinner). */
const TOOL_LINE = new RegExp(`^\\s*(?:[$→←✱%⚙~]|[${BRAILLE}])\\s+\\S`);
/** Rows at the bottom that hold a dialog's option row or hints (the herdr capture puts the hints on their own row). */
const DIALOG_TAIL_LINES = 4;
/** How far above its option row a dialog's title may sit (an edit permission shows a diff in between). */
const DIALOG_SPAN_LINES = 40;
/** A wide screen's sidebar shares the composer's rows, after a wide gap (1.17.12 capture working-generating-wide). */
const SIDEBAR = /\s{8,}\S.*$/;
/** Rows of the mini footer below the input row (input, blank, footer). */
const MINI_INPUT_ABOVE_FOOTER = 2;

interface Composer {
  /** First row of the composer (its box top, or the mini input row). */
  top: number;
  /** Rows holding what is typed (between the box top and the mode line; the mini input rows). */
  body: readonly [number, number];
  /** The bar (full) or the footer (mini), whose busy markers are live. */
  bar: number;
  mini: boolean;
}

function findComposer(lines: readonly string[]): Composer | undefined {
  const bar = findLast(lines, (l) => OPENCODE.bar.test(l));
  let i = bar - 1;
  if (bar >= 0 && OPENCODE.boxBottom.test(lines[i] ?? '')) i--; // a tidied capture may drop the bottom edge
  if (bar >= 0 && i >= 0 && OPENCODE.modeLine.test(lines[i]!)) {
    const mode = i;
    const border = lines[mode]!.indexOf('┃');
    // The composer's rows above the mode line are `┃` (same column) plus what is typed.
    let top = mode;
    while (top > 0 && lines[top - 1]!.indexOf('┃') === border && /^\s*┃/.test(lines[top - 1]!)) top--;
    return { top, body: [top, mode], bar, mini: false };
  }
  const footer = lastNonBlank(lines, 1)[0];
  if (footer === undefined || !OPENCODE.miniFooter.test(lines[footer]!)) return undefined;
  const top = Math.max(0, footer - MINI_INPUT_ABOVE_FOOTER);
  return { top, body: [top, footer], bar: footer, mini: true };
}

/** A dialog of opencode's own at the bottom of the screen (they replace the composer), with its reason. */
function findOpenCodeDialog(lines: readonly string[]): string | undefined {
  const tail = lastNonBlank(lines, DIALOG_TAIL_LINES);
  const at = (re: RegExp) => tail.find((i) => re.test(lines[i]!));
  const options = at(OPENCODE.permissionOptions);
  if (options !== undefined) return `permission dialog${permissionDetail(lines, options)}`;
  const confirm = at(OPENCODE.confirmOptions);
  if (confirm !== undefined && titleAbove(lines, confirm, OPENCODE.alwaysTitle) >= 0) {
    const pattern = lines.slice(titleAbove(lines, confirm, OPENCODE.alwaysTitle), confirm).map(unbox).find((l) => /^\s*- \S/.test(l));
    return `"Allow always" confirmation${pattern ? `: ${quote(pattern.replace(/^\s*- /, ''))}` : ''}`;
  }
  const hints = at(OPENCODE.questionHints);
  if (hints !== undefined) {
    const question = questionAbove(lines, Math.max(0, hints - DIALOG_SPAN_LINES), hints);
    return `question picker${question ? `: ${quote(question)}` : ''}`;
  }
  const feedback = lastNonBlank(lines, 8).find((i) => OPENCODE.rejectFeedback.test(lines[i]!));
  if (feedback !== undefined) return 'permission rejected: opencode asks what to do differently';
  return undefined;
}

function titleAbove(lines: readonly string[], from: number, title: RegExp): number {
  for (let i = from; i >= Math.max(0, from - DIALOG_SPAN_LINES); i--) if (title.test(lines[i]!)) return i;
  return -1;
}

/** `: Shell command "$ touch x"`, `: "Access external directory /tmp/x"`, `: "Edit invoice.js"`. */
function permissionDetail(lines: readonly string[], options: number): string {
  const title = titleAbove(lines, options, OPENCODE.permission);
  if (title < 0) return '';
  const body = lines.slice(title + 1, options).map((l) => unbox(l).trim()).filter(Boolean);
  const kind = body[0]?.replace(/^[#←→✱%⚙$]\s*/, '');
  if (!kind) return '';
  const command = body.slice(1).find((l) => /^\$\s+\S/.test(l));
  return command ? `: ${kind} ${quote(command)}` : `: ${quote(kind)}`;
}

function composerText(lines: readonly string[], c: Composer): string {
  return lines
    .slice(c.body[0], c.body[1])
    .map((l) => unbox(l).replace(SIDEBAR, '').trim())
    .filter(Boolean)
    .join(' ');
}

function readOpenCode(screen: Screen): Reading {
  const lines = screen.lines;
  const dialog = findOpenCodeDialog(lines);
  if (dialog) return { waiting: { reason: dialog } };
  const c = findComposer(lines);
  if (!c) return {};
  const reading: Reading = { composerAt: c.top };
  const busy = lines[c.bar]!.match(OPENCODE.busy) ?? lines[c.bar]!.match(OPENCODE.busyDots);
  if (busy) return { ...reading, working: { reason: `${c.mini ? 'footer' : 'bottom bar'} ${quote(busy[0])}` } };
  const overlay = findOverlay(lines, c.top);
  if (overlay) return { ...reading, hold: { reason: `opencode picker open: ${quote(overlay)}` } };
  const text = composerText(lines, c);
  const draft = text !== '' && !OPENCODE.placeholder.test(text);
  // A finished or interrupted turn's footer right above the composer: the turn is over, not just starting.
  const done = turnOverAbove(lines, c.top);
  return { ...reading, idle: { reason: `${c.mini ? 'mini ' : ''}composer${draft ? ' with a draft' : ''}, no busy marker${done ? `, ${done}` : ''}`, ...(done ? { explicit: true } : {}) } };
}

/** `turn done`/`turn interrupted` when the last thing above the composer is a finished turn's footer. */
function turnOverAbove(lines: readonly string[], top: number): string | undefined {
  let i = top - 1;
  while (i >= 0 && isBlank(lines[i])) i--;
  if (i >= 0 && OPENCODE.miniAborted.test(lines[i]!.trim())) return 'turn aborted';
  if (i < 0 || !OPENCODE.turnFooter.test(lines[i]!)) return undefined;
  if (OPENCODE.turnInterrupted.test(lines[i]!)) return 'turn interrupted';
  if (!OPENCODE.turnDuration.test(lines[i]!)) return undefined;
  let j = i - 1;
  while (j >= 0 && isBlank(lines[j])) j--;
  return j >= 0 && OPENCODE.miniAborted.test(lines[j]!.trim()) ? 'turn aborted' : 'turn done';
}

/** The title of a picker drawn over the transcript above the composer (1.18.33, seen by hand: ctrl+p, /models). */
function findOverlay(lines: readonly string[], top: number): string | undefined {
  for (let i = 0; i < top; i++) {
    const m = OPENCODE.overlayTitle.exec(lines[i]!);
    if (!m) continue;
    for (let j = i + 1; j <= i + 3 && j < top; j++) if (OPENCODE.overlaySearch.test(lines[j]!)) return m[1]!;
  }
  return undefined;
}

function opencodeComposerEmpty(s: Screen): boolean {
  if (findOpenCodeDialog(s.lines)) return false;
  const c = findComposer(s.lines);
  if (!c) return false;
  const text = composerText(s.lines, c);
  return text === '' || OPENCODE.placeholder.test(text);
}

// ---------------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------------

/**
 * The latest turn's reply: the text right above its footer `▣ … · 2.6s`, up to the tool block or the user's
 * prompt above it (both `┃` blocks in the full TUI). Only when nothing (a newer prompt, a QUEUED one) follows
 * that footer: a reply is never taken from an older turn.
 */
function opencodeReply(lines: readonly string[]): Reply {
  const c = findComposer(lines);
  if (!c) return noReply(findOpenCodeDialog(lines) ? 'a dialog is open' : 'no opencode composer on screen');
  const footer = findLast(lines.slice(0, c.top), (l) => OPENCODE.turnFooter.test(l));
  if (footer < 0) return noReply('no finished turn on screen');
  const after = lines.slice(footer + 1, c.top).filter((l) => !isBlank(l));
  if (after.length > 0 && after.every((l) => OPENCODE.miniAborted.test(l.trim()))) return noReply('the latest turn was interrupted');
  if (after.length > 0) return noReply('the latest prompt has no reply yet');
  if (OPENCODE.turnInterrupted.test(lines[footer]!)) return noReply('the latest turn was interrupted');
  if (OPENCODE.busy.test(lines[c.bar]!) || OPENCODE.busyDots.test(lines[c.bar]!)) return noReply('the turn is still running');
  // No duration and an idle bar: the turn stopped short (a rejected permission, 1.18.33 capture permission-rejected).
  if (!OPENCODE.turnDuration.test(lines[footer]!)) return noReply('the latest turn ended without a reply');
  return c.mini ? miniReply(lines, footer) : fullReply(lines, footer);
}

function fullReply(lines: readonly string[], footer: number): Reply {
  const block: string[] = [];
  for (let i = footer - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (/^\s*┃/.test(l) || TOOL_LINE.test(l) || OPENCODE.turnFooter.test(l)) break;
    block.unshift(l);
  }
  return screenReply(block, 'the latest turn printed no reply');
}

/**
 * Mini draws everything as plain lines: `› prompt`, a tool as `$ cmd` and its output paragraph, the reply,
 * `Aborted` on an interrupt, the footer `▣ …`. The reply is what follows the last tool's output.
 */
function miniReply(lines: readonly string[], footer: number): Reply {
  const prompt = findLast(lines.slice(0, footer), (l) => /^› \S/.test(l));
  const turn = lines.slice(prompt + 1, footer);
  const last = findLast(turn, (l) => !isBlank(l));
  if (last >= 0 && OPENCODE.miniAborted.test(turn[last]!.trim())) return noReply('the latest turn was interrupted');
  let start = 0;
  const tool = findLast(turn, (l) => TOOL_LINE.test(l));
  if (tool >= 0) {
    let i = tool + 1;
    while (i < turn.length && isBlank(turn[i])) i++;
    while (i < turn.length && !isBlank(turn[i])) i++; // the tool's output paragraph
    start = i;
  }
  return screenReply(turn.slice(start), 'the latest turn printed no reply');
}

// ---------------------------------------------------------------------------------------------
// Hooks: a plugin loaded for one run
// ---------------------------------------------------------------------------------------------

/**
 * Events the plugin forwards (checked on 1.18.33 with this wiring, tests/fixtures/hooks/opencode/order.json):
 * a text turn gives chat.message, session.status busy (several), session.status idle, session.idle; a permission
 * turn adds permission.asked (status stays busy: only the event says it waits) and permission.replied (`once`,
 * `always`, `reject`; a reject ends the turn); an interrupt gives session.error MessageAbortedError, then idle;
 * the question tool gives question.asked, then question.replied or question.rejected (Esc).
 */
const OPENCODE_EVENTS = ['session.created', 'chat.message', 'session.status', 'session.idle', 'session.error', 'permission.asked', 'permission.replied', 'question.asked', 'question.replied', 'question.rejected'] as const;
/** Longest a `cw hook` child may run before the plugin gives up on it (cw hook itself quits after 3 s). */
const PLUGIN_CHILD_DEADLINE_MS = 5000;

/**
 * The plugin (ESM, run by opencode's Bun): runs `HOOK… EVENT` with the event JSON on stdin for each forwarded
 * event, one at a time so cw sees them in order, never awaited by opencode. It adds `cw.lastMessage` (the turn's
 * last assistant text, which no event carries) to session.idle, and marks subagent events (`cw.subagent`): a
 * subagent's busy/idle is not the session's, its permission question is.
 */
function pluginSource(hookCommand: readonly string[]): string {
  return `// Written by cw for one opencode run: forwards opencode's events to \`cw hook\` (event name last, JSON on stdin).
import { spawn } from 'node:child_process';
const HOOK = ${JSON.stringify(hookCommand)};
const FORWARD = new Set(${JSON.stringify(OPENCODE_EVENTS)});
let queue = Promise.resolve();
function send(type, payload) {
  const body = JSON.stringify(payload);
  queue = queue.then(() => new Promise((done) => {
    let child;
    try {
      child = spawn(HOOK[0], [...HOOK.slice(1), type], { stdio: ['pipe', 'ignore', 'ignore'] });
    } catch {
      return done();
    }
    const timer = setTimeout(() => { try { child.kill(); } catch {} done(); }, ${PLUGIN_CHILD_DEADLINE_MS});
    const end = () => { clearTimeout(timer); done(); };
    child.on('error', end);
    child.on('close', end);
    child.stdin.on('error', () => {});
    child.stdin.end(body);
  }));
}
export const CwHooks = async () => {
  const subagents = new Set();
  const roles = new Map();
  const replies = new Map();
  const aborted = new Set();
  return {
    'chat.message': async (input) => {
      replies.delete(input.sessionID);
      aborted.delete(input.sessionID);
      send('chat.message', { type: 'chat.message', properties: input });
    },
    event: async ({ event }) => {
      const p = event.properties || {};
      if ((event.type === 'session.created' || event.type === 'session.updated') && p.info && p.info.parentID) subagents.add(p.info.id);
      if (event.type === 'message.updated' && p.info) roles.set(p.info.id, p.info.role);
      if (event.type === 'message.part.updated' && p.part && p.part.type === 'text' && !p.part.synthetic && roles.get(p.part.messageID) === 'assistant') {
        let r = replies.get(p.part.sessionID);
        if (!r || r.messageID !== p.part.messageID) replies.set(p.part.sessionID, (r = { messageID: p.part.messageID, parts: new Map() }));
        r.parts.set(p.part.id, p.part.text || '');
      }
      if (event.type === 'session.error' && p.error && p.error.name === 'MessageAbortedError') aborted.add(p.sessionID);
      if (!FORWARD.has(event.type)) return;
      const sid = p.sessionID || (p.info && p.info.id);
      if (subagents.has(sid)) {
        if (!/^(permission|question)\\./.test(event.type)) return;
        return send(event.type, { ...event, cw: { subagent: true } });
      }
      if (event.type === 'session.idle') {
        const r = replies.get(sid);
        const text = r && !aborted.has(sid) ? [...r.parts.values()].join('\\n\\n').trim() : '';
        return send(event.type, text ? { ...event, cw: { lastMessage: text } } : event);
      }
      send(event.type, event);
    },
  };
};
`;
}

function opencodeWire(input: HookWiringInput): HookWiring | undefined {
  // --pure and OPENCODE_PURE skip external plugins: no events would come.
  if (input.argv.slice(input.programIndex ?? 0).includes('--pure')) return undefined;
  if (/^(?:1|true)$/i.test(input.env.OPENCODE_PURE ?? '')) return undefined;
  // Merged into the user's own inline config, which opencode merges over their files; plugin lists add up
  // (1.18.33: a plugin from ~/.config/opencode/opencode.json and ours both loaded).
  let theirs: Record<string, unknown> = {};
  const raw = input.env.OPENCODE_CONFIG_CONTENT;
  if (raw?.trim()) {
    try {
      theirs = JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return undefined; // JSONC or a typo: rewriting it could change their config
    }
    if (typeof theirs !== 'object' || theirs === null || Array.isArray(theirs)) return undefined;
    if (theirs.plugin !== undefined && !Array.isArray(theirs.plugin)) return undefined;
  }
  const file = join(input.dir, 'cw-opencode-plugin.mjs');
  const plugin = [...((theirs.plugin as unknown[] | undefined) ?? []), pathToFileURL(file).href];
  return {
    argv: [...input.argv],
    env: { OPENCODE_CONFIG_CONTENT: JSON.stringify({ ...theirs, plugin }) },
    files: [{ path: file, content: pluginSource(input.hookCommand) }],
    summary: `OPENCODE_CONFIG_CONTENT plugin forwarding ${OPENCODE_EVENTS.join(', ')} (merged with yours)`,
  };
}

type Props = Record<string, unknown>;
const obj = (v: unknown): Props => (typeof v === 'object' && v !== null ? (v as Props) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function opencodeInterpret(event: string, payload: unknown): HookSignal | undefined {
  const p = obj(obj(payload).properties);
  const cw = obj(obj(payload).cw);
  const info = obj(p.info);
  const sid = str(p.sessionID) ?? str(info.id);
  // A subagent's question still blocks the session; its session id is not the conversation.
  const ids = sid && !cw.subagent ? { conversationId: sid } : {};
  const reason = (detail?: string) => `agent event: ${event}${detail ? ` (${detail})` : ''}`;
  switch (event) {
    case 'session.created':
      if (str(info.parentID)) return undefined;
      return { reason: reason(), ...ids };
    case 'chat.message':
      return { activity: 'working', reason: reason(), turnStarted: true, ...ids };
    case 'session.status': {
      const status = obj(p.status);
      const type = str(status.type);
      if (type === 'idle') return { activity: 'idle', reason: reason('idle'), ...ids };
      // `retry`: the model call failed and opencode waits to try again; still the agent's turn.
      if (type === 'busy' || type === 'retry') return { activity: 'working', reason: reason(type === 'retry' ? `retry: ${str(status.message) ?? 'waiting'}` : type), ...ids };
      return { reason: reason(type ?? 'unknown'), ...ids };
    }
    case 'session.idle': {
      const last = str(cw.lastMessage);
      return { activity: 'idle', reason: reason(), ...ids, ...(last !== undefined ? { lastMessage: last } : {}) };
    }
    case 'session.error': {
      const error = obj(p.error);
      const name = str(error.name) ?? 'error';
      return { activity: 'idle', reason: reason(name === 'MessageAbortedError' ? 'interrupted' : name), ...ids };
    }
    case 'permission.asked': {
      const patterns = Array.isArray(p.patterns) ? p.patterns.filter((x): x is string => typeof x === 'string') : [];
      return { activity: 'waiting_for_input', reason: reason([str(p.permission), patterns.join(' ')].filter(Boolean).join(': ')), ...ids };
    }
    case 'question.asked': {
      const q = Array.isArray(p.questions) ? str(obj(p.questions[0]).question) : undefined;
      return { activity: 'waiting_for_input', reason: reason(q ? quote(q) : undefined), ...ids };
    }
    case 'permission.replied': {
      const reply = str(p.reply) ?? 'unknown';
      // Allowed: the tool runs. Rejected: the turn ends, and session.status idle follows.
      return reply === 'reject' ? { reason: reason(reply), ...ids } : { activity: 'working', reason: reason(reply), ...ids };
    }
    case 'question.replied':
      return { activity: 'working', reason: reason(), ...ids };
    case 'question.rejected':
      return { reason: reason(), ...ids };
    default:
      return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Transcript: opencode's SQLite database
// ---------------------------------------------------------------------------------------------

/** One message as `opencode export` prints it and as the database rows hold it (info + parts). */
export interface OpenCodeMessage {
  info: { role?: string; time?: { created?: number; completed?: number }; finish?: string; error?: { name?: string; data?: { message?: string } } };
  parts: ReadonlyArray<{ type?: string; text?: string; synthetic?: boolean }>;
}

/**
 * The latest turn of a session (1.18.33 shapes, tests/fixtures/transcripts/opencode/): a user message, then one
 * assistant message per model step (`finish: "tool-calls"` until the last, `"stop"`); each has `time.completed`
 * once done. An interrupt leaves `error.name: "MessageAbortedError"` on the assistant message. The reply is the
 * text of the turn's latest assistant message that has text. Undefined while the turn runs.
 */
export function opencodeTranscriptTurn(messages: readonly OpenCodeMessage[]): Reply | undefined {
  let user = -1;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.info.role === 'user') {
      user = i;
      break;
    }
  }
  if (user < 0) return undefined;
  const turn = messages.slice(user + 1).filter((m) => m.info.role === 'assistant');
  const failed = turn.find((m) => m.info.error);
  if (failed) {
    const e = failed.info.error!;
    if (e.name === 'MessageAbortedError') return noReply('the latest turn was interrupted');
    return noReply(`the latest turn ended in an error: ${quote(`${e.name ?? 'error'}${e.data?.message ? `: ${e.data.message}` : ''}`)}`);
  }
  const last = turn[turn.length - 1];
  if (!last || !last.info.time?.completed || last.info.finish === 'tool-calls') return undefined;
  for (let i = turn.length - 1; i >= 0; i--) {
    const text = turn[i]!.parts
      .filter((p) => p.type === 'text' && !p.synthetic && typeof p.text === 'string' && p.text.trim() !== '')
      .map((p) => p.text!.trim())
      .join('\n\n');
    if (text) return { ok: true, text, source: 'transcript' };
  }
  return noReply('the latest turn has no reply in the transcript');
}

/**
 * `$XDG_DATA_HOME/opencode/opencode.db` (default `~/.local/share`; 1.18.33 names it `opencode-<channel>.db` off
 * the latest/beta/prod channels, or OPENCODE_DB). Read-only; opencode keeps writing it (WAL).
 */
async function opencodeTranscriptReply(ref: ConversationRef): Promise<Reply | undefined> {
  const file = ref.transcriptPath ?? join(process.env.XDG_DATA_HOME || join(ref.home, '.local', 'share'), 'opencode', 'opencode.db');
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    // Without an id from the plugin: this run's newest top-level session in this folder.
    const session =
      ref.conversationId ??
      (db.prepare('SELECT id FROM session WHERE directory = ? AND parent_id IS NULL AND time_updated >= ? ORDER BY time_updated DESC LIMIT 1').get(ref.cwd, ref.startedAt) as { id: string } | undefined)?.id;
    if (!session) return undefined;
    const rows = db.prepare('SELECT id, time_created, data FROM message WHERE session_id = ? ORDER BY time_created, id').all(session) as { id: string; time_created: number; data: string }[];
    const last = rows[rows.length - 1];
    if (!last || last.time_created < ref.startedAt) return undefined; // an earlier run's turn (a resumed session)
    const parts = db.prepare('SELECT message_id, data FROM part WHERE session_id = ? ORDER BY time_created, id').all(session) as { message_id: string; data: string }[];
    const byMessage = new Map<string, OpenCodeMessage['parts'][number][]>();
    for (const p of parts) {
      const list = byMessage.get(p.message_id) ?? [];
      list.push(JSON.parse(p.data) as OpenCodeMessage['parts'][number]);
      byMessage.set(p.message_id, list);
    }
    return opencodeTranscriptTurn(rows.map((r) => ({ info: JSON.parse(r.data) as OpenCodeMessage['info'], parts: byMessage.get(r.id) ?? [] })));
  } catch {
    return undefined; // no database yet, or another layout: the screen decides
  } finally {
    db?.close();
  }
}

/** opencode's conversation options (1.18.33 `opencode --help`): `-s/--session <id>`, `-c/--continue`, `--fork`. */
const OPENCODE_CONVERSATION: ConversationOptions = { flags: ['-c', '--continue', '--fork'], withValue: ['-s', '--session'] };

export const opencodeResume: ResumeSupport = {
  named: (argv, at) => optionValue(argv, at, OPENCODE_CONVERSATION, ['-s', '--session']),
  resumeArgs: (argv, at, id) => afterProgram(withoutOptions(argv, at, OPENCODE_CONVERSATION), at, ['--session', id]),
  freshArgs: (argv, at) => withoutOptions(argv, at, OPENCODE_CONVERSATION),
};

export const opencode: AgentProfile = {
  kind: 'opencode',
  label: 'opencode',
  checked: 'opencode 1.18.33 (npm run agents:capture: full and --mini TUI, plugin events, database), 1.17.12 (agent-of-empires captures), 1.1.8 (AGENT-SCREENS.md)',
  names: ['opencode', 'opencode-ai'],
  pathFragments: ['/opencode-ai/'],
  title: {},
  read: readOpenCode,
  typesNotices: true,
  submitDelayMs: 100,
  composerEmpty: opencodeComposerEmpty,
  replyFromScreen: opencodeReply,
  hooks: { wire: opencodeWire, interpret: opencodeInterpret },
  resume: opencodeResume,
  transcriptReply: opencodeTranscriptReply,
};
