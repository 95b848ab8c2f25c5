// Gemini CLI (Ink, normal buffer): everything cw knows about it. Markers from AGENT-SCREENS.md §1.3 (0.55.1,
// atrium's captures) and our own captures of 0.61.0 (tests/fixtures/screens/gemini/*-captured-*,
// `node tests/agents/capture.mjs gemini`).
//
// 0.61.0 layout, bottom up: footer (`workspace (/directory)  sandbox  /model` and its values), the composer
// (` >   Type your message or @path/to/file` or the draft, between `▄▄▄`/`▀▀▀` half-line bands; between `───`
// rules with ui.useBackgroundColor false), the mode hint (` Shift+Tab to accept edits`), a rule, the status
// row (`⠏ Thinking... (esc to cancel, 1s)` while busy, `! Shell awaiting input (Tab to focus)`, then
// `? for shortcuts` at the right), then the transcript: the user's prompts echoed between the same bands
// (` > text`) or at column 0 without them (`> text`), replies as `✦ text`, tools in `╭…╰` boxes. Dialogs
// (trust, tool confirmation, ask_user questions) are a `╭…╰` box that replaces the composer and the footer.
// Start-up draws the bare composer (no header yet) for 0.1–1 s, under a `◇  Ready` title, before the header
// or the trust question.

import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { AgentProfile, ConversationRef, HookSignal, HookWiring, HookWiringInput, Reading, Reply, ResumeSupport, Screen } from './types.js';
import { field, shellCommand } from './hooks.js';
import { afterProgram, optionValue, UUID_RE, withoutOptions, type ConversationOptions } from './resume.js';
import { BRAILLE, findLast, isBlank, isHorizontalRule, lastNonBlank, quote, unbox } from './screen.js';
import { noReply, screenReply } from './reply.js';

export const GEMINI = {
  title: {
    // 0.61.0 (captured): `◇  Ready (project)`, `✦  Working… (project)`, `✋  Action Required (project)`, padded
    // with spaces to 80 characters. `⏲  Working…` for silent work (windowTitle.ts). Ready is also set before
    // the trust question is drawn, and stays Working while a shell command waits for keyboard input.
    working: /^\s*[✦⏲]/,
    waiting: /^\s*✋|Action Required/,
    idle: /^\s*◇\s+Ready/,
  },
  /** The composer's half-line bands (ui.useBackgroundColor, default true; cw sets COLORTERM=truecolor). */
  bandTop: /^\s*▄{8,}\s*$/,
  bandBottom: /^\s*▀{8,}\s*$/,
  /** The composer's first row: `>` (default), `!` (shell mode), `*` (YOLO), `(r:)` (reverse search); 0.61.0 InputPrompt. */
  promptRow: /^ ?(?:[>!*]|\(r:\)) /,
  placeholder: /^ ?> +Type your message or @path\/to\/file/,
  /** The user's echoed prompt: ` > text` inside bands, `> text` at column 0 without background colour (0.61.0). */
  echo: /^ ?> +\S/,
  /** LoadingIndicator row: `⠸ Thinking... (esc to cancel, 3s)`; truncated to `(esc to c` at 24 cols. */
  loadingRow: new RegExp(`^\\s*[${BRAILLE}]\\s+\\S`),
  /** 0.55.1: the loading row during a tool confirmation. */
  confirmWait: /Waiting for user confirmation/,
  /** A running shell command reads the keyboard: `! Shell awaiting input (Tab to focus)` (0.61.0, captured); ≤0.55 `Interactive shell awaiting input... press tab to focus shell`. */
  shellAwaiting: /^\s*!\s+Shell awaiting input|Interactive shell awaiting input/,
  selectedOption: /^\s*●\s*\d+\./,
  dialogWords:
    /Allow once|Allow execution|Apply this change|Do you want to proceed|Do you trust|Trust folder|Allow for this session|Yes, allow once|Answer Questions|Enter to select|Modify with external editor|A potential loop was detected/,
  cancelled: /ℹ Request cancelled\./,
  /** A tool box's status glyph while it runs: braille (newer builds), `⊷`/`⊶` (0.61.0 shell, captured). */
  runningTool: new RegExp(`^\\s*[${BRAILLE}⊷⊶]\\s+\\S`),
} as const;

/** Rows of a composer holding a long draft (it scrolls beyond this). */
const GEMINI_COMPOSER_MAX_ROWS = 20;
/** Non-blank rows under the composer: the two footer rows, wrapped once at narrow widths. */
const GEMINI_FOOTER_MAX_ROWS = 4;
/** Rows of the mode hint between the composer and the rule above it (wrapped once at 20–24 cols). */
const GEMINI_HINT_MAX_ROWS = 3;
/** Rows of the status row (a long loading phrase wraps). */
const GEMINI_STATUS_MAX_ROWS = 2;
/** A confirmation box ends the screen, at most a hint row below. */
const GEMINI_BOX_BOTTOM_SLACK_LINES = 2;

interface Composer {
  /** The band or rule above the prompt row. */
  top: number;
  prompt: number;
  /** The band or rule below the draft. */
  bottom: number;
  /** First row of the chrome above it (status row, rule, mode hint), or `top` when there is none. */
  chrome: number;
}

/**
 * The live composer: the lowest prompt row between a top and a bottom delimiter of the same kind, with only
 * footer rows below it. The user's echoed prompts share the bands but have the transcript below them.
 */
function findComposer(lines: readonly string[]): Composer | undefined {
  for (let p = lines.length - 1; p > 0; p--) {
    if (!GEMINI.promptRow.test(lines[p]!)) continue;
    const above = lines[p - 1]!;
    const banded = GEMINI.bandTop.test(above);
    if (!banded && !isHorizontalRule(above)) continue;
    let bottom = -1;
    for (let j = p + 1; j < lines.length && j - p <= GEMINI_COMPOSER_MAX_ROWS; j++) {
      if (banded ? GEMINI.bandBottom.test(lines[j]!) : isHorizontalRule(lines[j])) {
        bottom = j;
        break;
      }
    }
    if (bottom < 0) continue;
    const below = lines.slice(bottom + 1).filter((l) => !isBlank(l));
    if (below.length > GEMINI_FOOTER_MAX_ROWS || below.some((l) => /^\s*[✦╭│╰]/.test(l))) continue;
    return { top: p - 1, prompt: p, bottom, chrome: chromeStart(lines, p - 1) };
  }
  return undefined;
}

/**
 * The chrome above the composer, bottom up: the mode hint (` Shift+Tab to accept edits`, wrapped at narrow
 * widths), a rule, and the status row just above the rule. Returns its first row, or `top` when there is none.
 */
function chromeStart(lines: readonly string[], top: number): number {
  let rule = -1;
  let seen = 0;
  for (let i = top - 1; i >= 0 && seen <= GEMINI_HINT_MAX_ROWS; i--) {
    if (isBlank(lines[i])) continue;
    if (isHorizontalRule(lines[i])) {
      rule = i;
      break;
    }
    seen++;
  }
  if (rule < 0) return top;
  let start = rule;
  for (let i = rule - 1; i >= 0 && rule - i <= GEMINI_STATUS_MAX_ROWS && !isBlank(lines[i]); i--) {
    const l = lines[i]!;
    const status = /\?\s+for shortcuts\s*$/.test(l) || GEMINI.loadingRow.test(l) || GEMINI.shellAwaiting.test(l) || GEMINI.confirmWait.test(l) || /\(esc to/.test(l);
    if (!status) break;
    start = i;
  }
  return start;
}

/** The bare start-up composer is a ready prompt once output has been quiet this long: 3x the longest start-up frame seen. */
const GEMINI_BARE_COMPOSER_QUIET_MS = 3_000;

function readGemini(screen: Screen): Reading {
  const lines = screen.lines;
  const dialog = geminiDialog(lines);
  if (dialog) return { waiting: { reason: dialog } };

  const c = findComposer(lines);
  if (!c) {
    // No composer (a component render, or a frame mid-redraw): a tool box still running at the bottom is work.
    const tool = runningToolBox(lines);
    return tool ? { working: { reason: `tool running ${quote(tool)}` } } : {};
  }
  const reading: Reading = { composerAt: c.top };
  const chrome = lines.slice(c.chrome, c.top).filter((l) => !isBlank(l));
  const awaiting = chrome.find((l) => GEMINI.shellAwaiting.test(l));
  if (awaiting) return { ...reading, waiting: { reason: `shell command awaiting input ${quote(awaiting)}` } };
  const confirm = chrome.find((l) => GEMINI.confirmWait.test(l));
  if (confirm) return { ...reading, waiting: { reason: `loading row ${quote(confirm)}` } };
  const row = chrome.find((l) => GEMINI.loadingRow.test(l));
  if (row) return { ...reading, working: { reason: `loading row ${quote(row)}` } };

  const draft = !GEMINI.placeholder.test(lines[c.prompt]!);
  if (lines.slice(0, c.chrome).every(isBlank) && !draft) {
    // The bare composer with nothing above it: start-up, drawn before the header and before the trust
    // question (0.61.0, captured under a `◇  Ready` title, 0.1–1 s). It is the ready prompt only once it has
    // stayed still a while (with hideBanner and hideTips set, it is all a ready Gemini ever shows).
    reading.idle = { reason: 'bare composer, still', minQuietMs: GEMINI_BARE_COMPOSER_QUIET_MS };
    return reading;
  }
  const latest = latestBlock(lines, c.chrome);
  reading.idle = latest.some((l) => GEMINI.cancelled.test(l)) ? { reason: 'request cancelled', explicit: true } : { reason: draft ? 'composer holding a draft' : 'composer, no loading row' };
  return reading;
}

/** The contiguous non-blank rows just above `before`: the latest thing printed (rules included: tool boxes). */
function latestBlock(lines: readonly string[], before: number): string[] {
  let i = before - 1;
  while (i >= 0 && isBlank(lines[i])) i--;
  const out: string[] = [];
  while (i >= 0 && !isBlank(lines[i])) out.unshift(lines[i--]!);
  return out;
}

/** The bottom `╭…╰` box when its first row shows a running tool's glyph. */
function runningToolBox(lines: readonly string[]): string | undefined {
  const box = bottomBox(lines);
  if (!box) return undefined;
  const first = box.inside.find((l) => !isBlank(l));
  return first && GEMINI.runningTool.test(first) ? first.trim() : undefined;
}

function bottomBox(lines: readonly string[]): { top: number; bottom: number; inside: string[] } | undefined {
  const tail = lastNonBlank(lines, GEMINI_BOX_BOTTOM_SLACK_LINES);
  const bottom = tail.find((i) => /^\s*╰─+╯\s*$/.test(lines[i]!));
  if (bottom === undefined) return undefined;
  const col = lines[bottom]!.indexOf('╰');
  let top = bottom - 1;
  while (top >= 0 && lines[top]!.indexOf('╭') !== col) top--;
  if (top < 0) return undefined;
  return { top, bottom, inside: lines.slice(top + 1, bottom).map(unbox) };
}

/** The bottom-most `╭…╰` box holding a selected option and dialog wording, named by kind and question. */
function geminiDialog(lines: readonly string[]): string | undefined {
  const box = bottomBox(lines);
  if (!box) return undefined;
  const { inside } = box;
  const text = inside.join(' ');
  if (!inside.some((l) => GEMINI.selectedOption.test(l)) || !GEMINI.dialogWords.test(text)) return undefined;
  const first = inside.find((l) => !isBlank(l))?.trim() ?? '';
  const q = boxQuestion(inside);
  // 0.61.0 (captured): `Do you trust the files in this folder?`, `Allow execution of [Shell]?` under
  // `? Shell  touch x`, `Apply this change?` under `? WriteFile  Writing to notes.txt`, and ask_user's
  // `Answer Questions` header over the question (which need not end in `?`).
  if (/Do you trust|Trust folder/.test(text)) return `trust dialog: ${quote(q ?? 'Do you trust the files in this folder?')}`;
  if (/^Answer Questions/.test(first)) {
    const question = inside.slice(inside.indexOf(inside.find((l) => /^\s*Answer Questions/.test(l))!) + 1).find((l) => !isBlank(l));
    return `question: ${quote(q ?? question ?? first)}`;
  }
  if (/Apply this change/.test(text)) return `edit confirmation: ${quote(first.replace(/^\?\s*/, '') || 'Apply this change?')}`;
  if (/Allow execution|Allow once|Yes, allow once/.test(text)) {
    const what = first.replace(/^\?\s*/, '');
    return `tool confirmation: ${quote(what ? `${q ?? 'Allow execution?'} ${what}` : (q ?? 'Allow execution?'))}`;
  }
  return `confirmation: ${quote(q ?? first)}`;
}

/** The last line ending in `?` inside a box, with the wrapped lines of the same sentence above it (not nested boxes). */
function boxQuestion(inside: readonly string[]): string | undefined {
  const at = findLast(inside, (l) => /\?\s*$/.test(l));
  if (at < 0) return undefined;
  const parts = [inside[at]!.trim()];
  for (let i = at - 1; i >= 0 && parts.length < 4; i--) {
    const l = inside[i]!;
    if (isBlank(l) || /[╭╮╰╯│─●]/.test(l) || /[.?:]\s*$/.test(l) || /^\s*\d+\./.test(l)) break;
    parts.unshift(l.trim());
  }
  return parts.join(' ');
}

/**
 * The latest turn's reply: the last `✦ ` block below the user's latest echoed prompt, above the composer's
 * chrome. A cancelled turn, or one still without a `✦` line, has none.
 */
function geminiReply(lines: readonly string[]): Reply {
  const c = findComposer(lines);
  if (!c) return noReply('no Gemini composer on screen');
  const turn = lines.slice(0, c.chrome);
  // No echo in the scrollback: the prompt scrolled away above a long reply; the last reply is still the latest.
  const user = findLast(turn, (l) => GEMINI.echo.test(l));
  const latest = turn.slice(user + 1);
  if (latest.some((l) => GEMINI.cancelled.test(l))) return noReply('the latest turn was cancelled');
  return screenReply(lastReplyBlock(latest), 'the latest turn has no reply on screen');
}

/** The last `✦ ` line with its two-space continuation rows, up to a box, a status row or the next item. */
function lastReplyBlock(lines: readonly string[]): string[] {
  const at = findLast(lines, (l) => /^✦ /.test(l));
  if (at < 0) return [];
  const out = [lines[at]!.slice(2)];
  for (let j = at + 1; j < lines.length; j++) {
    const l = lines[j]!;
    if (isBlank(l)) {
      out.push('');
      continue;
    }
    if (!/^ {2}/.test(l) || /^\s*[╭│╰]/.test(l) || /^ {2}\s*[✓✗x-]\s{2}/.test(l)) break;
    out.push(l.slice(2));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Transcript
// ---------------------------------------------------------------------------------------------

interface ChatRecord {
  type?: string;
  content?: unknown;
  tokens?: unknown;
  $set?: unknown;
}

/**
 * Gemini CLI's chat file (0.61.0, captured): JSON lines, a header `{sessionId, projectHash, startTime, …}`,
 * message records `{id, timestamp, type: "user"|"gemini"|"info", content, …}` (written again under the same
 * id when they grow, e.g. with `toolCalls`) and `{"$set": …}` patches. After a cancel it appends
 * `{type:"info", content:"Request cancelled."}` and may rewrite the history: `$set.messages`, and re-appended
 * records (a user record carrying the `<session_context>` part, gemini records with `tokens: null`). Those
 * rewrites are history, not the latest turn. Tool results are user records of `functionResponse` parts.
 */
export function geminiTranscriptText(text: string): Reply | undefined {
  let reply: string | undefined;
  let sawPrompt = false;
  let cancelled = false;
  let rewriting = false;
  for (const line of text.split('\n')) {
    let rec: ChatRecord;
    try {
      rec = JSON.parse(line) as ChatRecord;
    } catch {
      continue;
    }
    if (rec.$set !== undefined) {
      if (typeof rec.$set === 'object' && rec.$set !== null && 'messages' in rec.$set) rewriting = false; // the rewrite ends here
      continue;
    }
    if (rewriting) continue;
    if (rec.type === 'user') {
      const parts = Array.isArray(rec.content) ? (rec.content as Array<Record<string, unknown>>) : [];
      if (parts.some((p) => p && typeof p === 'object' && 'functionResponse' in p)) continue; // a tool result
      if (parts.some((p) => typeof p?.text === 'string' && p.text.startsWith('<session_context>'))) {
        // The history re-appended from its start (after an Esc on a permission box), up to the next $set.messages.
        rewriting = sawPrompt;
        continue;
      }
      sawPrompt = true;
      cancelled = false;
      reply = undefined;
    } else if (rec.type === 'gemini') {
      if (rec.tokens === null || cancelled) continue; // a rewritten history record, or after a cancel
      const t = contentText(rec.content).trim();
      if (t) reply = t;
    } else if (rec.type === 'info' && typeof rec.content === 'string' && /Request cancelled/.test(rec.content)) {
      cancelled = true;
      reply = undefined;
    }
  }
  if (!sawPrompt) return undefined;
  if (cancelled) return noReply('the latest turn was cancelled');
  return reply ? { ok: true, text: reply, source: 'transcript' } : noReply('the latest turn has no reply in the transcript');
}

async function geminiTranscriptReply(ref: ConversationRef): Promise<Reply | undefined> {
  const path = ref.transcriptPath ?? findTranscript(ref);
  if (!path) return undefined;
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  return geminiTranscriptText(text);
}

/**
 * Without hooks: `~/.gemini/tmp/<project name>/chats/session-<YYYY-MM-DDTHH-MM>-<id8>.jsonl` (0.61.0), the
 * name from `~/.gemini/projects.json` (`{projects: {<cwd>: <name>}}`). Only a file written since the session
 * started, and only when exactly one is (or its name carries the known conversation id).
 */
function findTranscript(ref: ConversationRef): string | undefined {
  const root = join(ref.home, '.gemini');
  let name: string | undefined;
  try {
    const projects = JSON.parse(readFileSync(join(root, 'projects.json'), 'utf8')) as { projects?: Record<string, string> };
    name = projects.projects?.[ref.cwd];
  } catch {
    name = undefined;
  }
  name ??= basename(ref.cwd);
  const chats = join(root, 'tmp', name, 'chats');
  if (!existsSync(chats)) return undefined;
  let files: string[];
  try {
    files = readdirSync(chats)
      .filter((f) => /^session-.*\.jsonl$/.test(f))
      .map((f) => join(chats, f))
      .filter((f) => statSync(f).mtimeMs >= ref.startedAt);
  } catch {
    return undefined;
  }
  if (ref.conversationId) {
    const id8 = ref.conversationId.slice(0, 8);
    const mine = files.filter((f) => f.endsWith(`-${id8}.jsonl`));
    if (mine.length === 1) return mine[0];
  }
  return files.length === 1 ? files[0] : undefined;
}

function contentText(c: unknown): string {
  if (typeof c === 'string') return c;
  if (Array.isArray(c)) return c.map((p) => (typeof p === 'string' ? p : typeof (p as { text?: unknown })?.text === 'string' ? (p as { text: string }).text : '')).join('');
  return '';
}

// ---------------------------------------------------------------------------------------------
// Hooks
// ---------------------------------------------------------------------------------------------

/**
 * Events cw listens to (0.61.0, all seen firing in a trusted folder; none at all in an untrusted one).
 * A turn: BeforeAgent … [BeforeTool, Notification(ToolPermission), AfterTool] … AfterAgent. Esc while the
 * model streams still fires AfterAgent (with the partial text); Esc on a permission box fires nothing more.
 * SessionEnd fires three times on /quit and on SIGTERM.
 */
export const GEMINI_HOOK_EVENTS = ['SessionStart', 'BeforeAgent', 'AfterTool', 'AfterAgent', 'Notification', 'SessionEnd'] as const;
/** cw hook gives up after 3 s; Gemini waits on its hooks (default timeout 60 s). */
const GEMINI_HOOK_TIMEOUT_MS = 5000;

/**
 * The settings layer for one run: GEMINI_CLI_SYSTEM_DEFAULTS_PATH, the lowest layer (hook lists concatenate,
 * so the user's own hooks still run; their settings win everywhere else). A defaults file the user already
 * set is merged, not lost. CW_SESSION_TOKEN is allowed through environment redaction, which drops names with
 * TOKEN when a user turns it on (0.61.0: seen dropped).
 */
export function geminiDefaults(input: HookWiringInput, base: Record<string, unknown>): Record<string, unknown> {
  const hooks: Record<string, unknown> = { ...((base.hooks as Record<string, unknown>) ?? {}) };
  for (const ev of GEMINI_HOOK_EVENTS) {
    const mine = { hooks: [{ type: 'command', name: `cw-${ev}`, command: `${shellCommand(input.hookCommand)} ${ev}`, timeout: GEMINI_HOOK_TIMEOUT_MS }] };
    hooks[ev] = [...(Array.isArray(hooks[ev]) ? (hooks[ev] as unknown[]) : []), mine];
  }
  const security = (base.security as Record<string, unknown>) ?? {};
  const redaction = (security.environmentVariableRedaction as Record<string, unknown>) ?? {};
  const allowed = Array.isArray(redaction.allowed) ? (redaction.allowed as unknown[]) : [];
  return {
    ...base,
    hooks,
    security: { ...security, environmentVariableRedaction: { ...redaction, allowed: [...new Set([...allowed, 'CW_SESSION_TOKEN'])] } },
  };
}

/**
 * Whether Gemini CLI will read a system defaults file at `file` (0.61.0 isFileAndDirectorySecureSync): the file
 * and every folder above it must be owned by root and not writable by group or others. Otherwise it skips
 * the file and prints a "Security Warning" line, so for a non-root user the layer cannot carry hooks at all.
 */
export function geminiDefaultsAccepted(file: string, stat: (p: string) => { uid: number; mode: number } = statSync, uid = process.getuid?.()): boolean {
  if (uid !== 0) return false;
  try {
    for (let d = dirname(file); ; d = dirname(d)) {
      const s = stat(d);
      if (s.uid !== 0 || (s.mode & 0o022) !== 0) return false;
      if (dirname(d) === d) return true;
    }
  } catch {
    return false;
  }
}

function wireGemini(input: HookWiringInput): HookWiring | { unavailable: string } {
  const file = join(input.dir, 'gemini-defaults.json');
  if (!geminiDefaultsAccepted(file)) {
    return { unavailable: 'Gemini CLI 0.61 reads a per-run settings layer only from a file root owns (its only per-run hook route); the screen and title decide alone' };
  }
  let base: Record<string, unknown> = {};
  const theirs = input.env.GEMINI_CLI_SYSTEM_DEFAULTS_PATH;
  if (theirs) {
    try {
      base = JSON.parse(readFileSync(theirs, 'utf8')) as Record<string, unknown>;
    } catch {
      base = {};
    }
  }
  return {
    argv: input.argv,
    env: { GEMINI_CLI_SYSTEM_DEFAULTS_PATH: file },
    files: [{ path: file, content: JSON.stringify(geminiDefaults(input, base), null, 2) }],
    summary: `GEMINI_CLI_SYSTEM_DEFAULTS_PATH with hooks ${GEMINI_HOOK_EVENTS.join(', ')} (trusted folders only)`,
  };
}

export function interpretGemini(event: string, payload: unknown): HookSignal | undefined {
  const conversationId = field(payload, 'session_id');
  const transcriptPath = field(payload, 'transcript_path');
  const ids = { ...(conversationId ? { conversationId } : {}), ...(transcriptPath ? { transcriptPath } : {}) };
  switch (event) {
    case 'SessionStart':
      return { reason: `agent hook: SessionStart (${field(payload, 'source') ?? 'startup'})`, ...ids };
    case 'BeforeAgent':
      return { activity: 'working', reason: 'agent hook: BeforeAgent', turnStarted: true, ...ids };
    case 'AfterTool':
      // The tool ran (after a permission box, too): the model goes on with its result.
      return { activity: 'working', reason: 'agent hook: AfterTool', ...ids };
    case 'AfterAgent':
      // No lastMessage: on Esc it carries the partial text and nothing says so (0.61.0); the transcript does.
      return { activity: 'idle', reason: 'agent hook: AfterAgent', ...ids };
    case 'Notification':
      return field(payload, 'notification_type') === 'ToolPermission'
        ? { activity: 'waiting_for_input', reason: `agent hook: tool permission${field(payload, 'message') ? ` (${field(payload, 'message')})` : ''}`, ...ids }
        : { reason: `agent hook: Notification`, ...ids };
    case 'SessionEnd':
      return { reason: `agent hook: SessionEnd (${field(payload, 'reason') ?? 'exit'})`, ended: true, ...ids };
    default:
      return undefined;
  }
}

/**
 * Gemini CLI's conversation options (0.61.0 `gemini --help`): `-r/--resume latest|<n>|<uuid>` (an id keeps it:
 * SessionStart source `resume`, in a new transcript file), `--session-file F`, and `--session-id <uuid>` for a
 * new one (AGENT-SIGNALS.md).
 */
const GEMINI_CONVERSATION: ConversationOptions = { flags: [], withValue: ['-r', '--resume', '--session-id', '--session-file'] };

export const geminiResume: ResumeSupport = {
  // `latest` and an index are positions in its list, not an id: the hooks tell which conversation that was.
  named: (argv, at) => {
    const v = optionValue(argv, at, GEMINI_CONVERSATION, ['-r', '--resume', '--session-id']);
    return v !== undefined && UUID_RE.test(v) ? v : undefined;
  },
  resumeArgs: (argv, at, id) => afterProgram(withoutOptions(argv, at, GEMINI_CONVERSATION), at, ['--resume', id]),
  freshArgs: (argv, at) => withoutOptions(argv, at, GEMINI_CONVERSATION),
  // 0.61.0 would not resume a conversation that has no transcript (no model reply yet).
  unresumable: (ref) => (ref.transcriptPath && !existsSync(ref.transcriptPath) ? `its conversation ${ref.conversationId ?? ''} has no transcript (${ref.transcriptPath})` : undefined),
};

export const gemini: AgentProfile = {
  kind: 'gemini',
  label: 'Gemini CLI',
  checked: 'Gemini CLI 0.55.1 (atrium captures), 0.61.0 (captured here: screens, hooks, transcript)',
  names: ['gemini', 'gemini-cli', '@google/gemini-cli'],
  pathFragments: ['@google/gemini-cli/'],
  title: GEMINI.title,
  read: readGemini,
  typesNotices: true,
  // An Enter read within 30 ms of a typed key becomes a newline (0.61.0 bufferFastReturn); a busy event loop
  // reads a paste and its Enter together, so leave a clear gap.
  submitDelayMs: 150,
  composerEmpty: (s) => {
    const c = findComposer(s.lines);
    return c !== undefined && GEMINI.placeholder.test(s.lines[c.prompt]!);
  },
  replyFromScreen: geminiReply,
  hooks: { wire: wireGemini, interpret: interpretGemini },
  transcriptReply: geminiTranscriptReply,
  resume: geminiResume,
};

/** For tests: the composer the rules find (band or rule delimited), and the reply block cutter. */
export const geminiInternals = { findComposer, lastReplyBlock };
