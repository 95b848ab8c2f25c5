// Codex CLI (Rust/ratatui TUI, alternate screen since ~0.93): everything cw knows about it. Markers from
// AGENT-SCREENS.md §1.2 (0.130–0.154, other projects' captures) and our own captures of 0.171.0
// (tests/fixtures/screens/codex/*-captured-*, `node tests/agents/capture.mjs codex`).
//
// 0.171 layout, bottom up: footer (`GPT-5.5 default · ~/proj`, then `← for agents · ? for shortcuts` while
// the composer is empty), a blank row, the composer `› <draft or placeholder>`, queued messages, the status
// row `• Working (3s • esc to interrupt)` (only until the first token: while a reply streams no row is drawn
// and the title spinner is the only busy sign), then the transcript. A finished turn ends with
// `  Worked for 5s • 20:25`; an interrupted one with `■ Conversation interrupted - …`. Dialogs (approval,
// question form, trust, model upgrade, hook review) replace the composer and end with a key-hint row.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import type { AgentProfile, ConversationRef, HookSignal, Reading, ResumeSupport, Screen } from './types.js';
import { field, shellCommand } from './hooks.js';
import { afterProgram } from './resume.js';
import { BRAILLE, findLast, indicesWhere, isBlank, lastNonBlank, quote } from './screen.js';
import { lastBulletBlock, noReply, screenReply } from './reply.js';

export const CODEX = {
  title: {
    // 0.171 (captured): `⠸ Fake task | project` while working, `[ ! ] Action Required | …` (blinking `[ . ]`)
    // about a second after a dialog opens (the spinner keeps going until then), plain `Fake task | project`
    // when idle. Also a one-frame `⠋ project` blip at startup.
    working: new RegExp(`[${BRAILLE}]`),
    waiting: /Action Required/,
  },
  /** The composer (and the user's echoed messages, which share the glyph). Older builds: `▌`. */
  composer: /^[›▌](?:\s|$)/,
  /** A selection cursor on a dialog option: `› 1. Yes, proceed (y)`, `  › 1. Banana`, `› SessionEnd  1  0  1`. */
  cursorRow: /^\s{0,2}›\s*\S/,
  numberedRow: /^\s{0,2}›\s*\d{1,2}[.)]\s/,
  /**
   * The key-hint row at the bottom of every Codex dialog. 0.147–0.154: `Press enter to confirm or esc to
   * cancel` (truncated `Press enter to con` at 20 cols), `enter to submit | esc to cancel`, `tab to add notes |
   * enter to submit answer | esc to interrupt`, `Use ↑/↓ to move, press enter to confirm`. 0.171 (captured):
   * `enter continue · esc back` (trust), `enter/esc confirm · ^c quit` (model upgrade), `enter confirm · esc
   * skip` (hook review), `t trust all · enter review · esc close` (hook browser).
   */
  dialogHint:
    /^\s*(?:Press enter to\b|enter to submit|tab to add notes|Use ↑\/↓ to move, press enter to\b)|\|\s*esc to cancel|^\s*(?:\S+ [^·|]{1,30} · )*(?:enter|esc)(?:\/esc)? [a-z][^·|]{0,30}(?: · [^·|]{1,30})*$/i,
  /** The line naming what a dialog asks, for the reason. */
  question:
    /Would you like|Do you trust|Trust this folder\?|Do you want to|Allow the .* MCP server|Question \d+\/\d+|needs your approval|Hooks need review|hooks need review|^\s*Meet \S|just got an upgrade|Introducing |You are (?:in|running)/,
  /**
   * The live status row above the composer: `• Working (4s • esc to interrupt)`, `◦ Working (1m 16s • esc to
   * interrupt) · 1 background terminal running`, `• Starting MCP servers (1/2): sentry (31s • esc to
   * interrupt)`, or a custom header drawn without its glyph: `  Investigating rendering code (0s • Esc to
   * interrupt)` (Codex's own vt100 snapshot). Deeper-indented copies are quoted text (herdr regression test).
   */
  statusRow: new RegExp(`^(?:[•◦${BRAILLE}] | {2})?[^\\s•◦›].*\\((?:\\d+h\\s*)?(?:\\d+m\\s*)?\\d+s\\b.*(?:esc to interrupt|esc to inte|…$)`, 'i'),
  /** Messages queued behind the running turn (they exist only while one runs): `↳ text`, `• Queued follow-up inputs`. */
  queued: /^\s*↳ |^• Queued follow-up inputs|^• Messages to be submitted|edit last queued message/,
  interrupted: /^■ Conversation interrupted/,
  /** End of a finished turn: `  Worked for 5s • 20:25` (0.171), `─ Worked for 1m 39s ───` (≤0.154). */
  worked: /^\s*Worked for (?:<1s|(?:\d+h\s*)?(?:\d+m\s*)?\d+s)\b.*•\s*\d{1,2}:\d{2}|^─ Worked for /,
  /**
   * Footer rows under the composer. A model footer (`GPT-5.5 default · /tmp/p`, `gpt-5.5 xhigh fast · ~/proj`,
   * `gpt-5.6-terra def…` at 20 cols, any model then `· <path>`), the hint row (`← for agents · ? for
   * shortcuts`, `100% context left · ? for shortcuts`, `tab to queue message`, `Plan mode (shift+tab to
   * cycle)`) or the warnings badge (`⚠ 1 warning · f2 to view`). Dialog hints never match: they are key/action
   * pairs with no path.
   */
  footer:
    /\? for shortcuts|\bfor agents\b|\bcontext left\b|\bto queue message\b|shift\+tab to cycle|\bf2 to view\b|^\s{2}(?:gpt|GPT|o\d|codex)[-\w.]*(?:\s|…|$)|^\s{2}\S+(?: \S+){0,3} · (?:~|\/|[A-Za-z]:\\|…)/,
  /** Overlays that hide the live UI (keep the previous state). 0.171, captured by hand. */
  overlay: /^\s*Browsing transcript · |^\s*Agent command center\b|\besc dismiss & close\b/,
  /** Placeholders drawn (dim) in an empty composer. 0.171: the first two; ≤0.154 rotated suggestions. */
  placeholder:
    /^(?:Ask Codex to do anything|Ask a follow-up question|Summarize recent commits|Find and fix a bug in @filename|Write tests for @filename|Improve documentation in @filename|Run \/review on my current changes|Use \/skills to list available skills|Explain this codebase|Implement \{feature\})$/,
} as const;

/** Only rows this close above the composer can be the live status row; older rows are history. */
const CODEX_STATUS_WINDOW_LINES = 3;
/** A Codex dialog's hint is its last line; a footer row may trail it. */
const CODEX_DIALOG_HINT_FROM_BOTTOM = 2;
const CODEX_DIALOG_MAX_LINES = 30; // the 20-col exec approval spans ~25 non-blank lines
/** A draft wraps onto continuation rows below the `›` line; the footer follows a blank row. */
const CODEX_DRAFT_MAX_LINES = 20;
const CODEX_FOOTER_MAX_LINES = 3;

function readCodex(screen: Screen): Reading {
  const lines = screen.lines;
  const overlay = lastNonBlank(lines, 2)
    .concat(lines.findIndex((l) => !isBlank(l)))
    .map((i) => lines[i] ?? '')
    .find((l) => CODEX.overlay.test(l));
  if (overlay) return { hold: { reason: `Codex overlay ${quote(overlay)}` } };

  const dialog = codexDialog(lines);
  if (dialog) return { waiting: { reason: dialog } };

  const composerAt = findComposer(lines);
  if (composerAt < 0) return {};
  const reading: Reading = { composerAt };
  const above: string[] = [];
  for (let i = composerAt - 1; i >= 0 && above.length < CODEX_STATUS_WINDOW_LINES; i--) {
    if (isBlank(lines[i])) continue;
    if (CODEX.composer.test(lines[i]!)) break; // the user's echoed prompt: the turn starts there
    above.push(lines[i]!);
  }
  const status = above.find((l) => CODEX.statusRow.test(l));
  if (status) reading.working = { reason: `status row ${quote(status)}` };
  const queued = above.find((l) => CODEX.queued.test(l));
  if (!status && queued) reading.working = { reason: `queued message ${quote(queued)}` };
  const worked = above.find((l) => CODEX.worked.test(l));
  if (above.some((l) => CODEX.interrupted.test(l))) reading.idle = { reason: 'turn interrupted', explicit: true };
  else if (worked) reading.idle = { reason: `turn finished ${quote(worked)}`, explicit: true };
  else reading.idle = { reason: 'composer, no status row' };
  return reading;
}

/**
 * The live composer: the last `›` line, provided what follows it is its own draft rows and the footer (or
 * nothing: a cropped capture). Anything else below (a popup, a reply under an echoed prompt) means the
 * composer is not on screen. A `› 1.` row with more numbered rows under it is a menu unless the footer is the
 * model footer (a numbered draft, atrium #510).
 */
function findComposer(lines: readonly string[]): number {
  const at = findLast(lines, (l) => CODEX.composer.test(l));
  if (at < 0) return -1;
  let i = at + 1;
  let draftRows = 0;
  while (i < lines.length && !isBlank(lines[i]) && /^ {2}/.test(lines[i]!) && !CODEX.footer.test(lines[i]!) && draftRows < CODEX_DRAFT_MAX_LINES) {
    i++;
    draftRows++;
  }
  const footer: string[] = [];
  for (; i < lines.length; i++) {
    if (isBlank(lines[i])) continue;
    if (!CODEX.footer.test(lines[i]!) || footer.length >= CODEX_FOOTER_MAX_LINES) return -1;
    footer.push(lines[i]!);
  }
  if (CODEX.numberedRow.test(lines[at]!) && footer.length === 0 && draftRows > 0) return -1; // a cut-off menu
  return at;
}

function codexDialog(lines: readonly string[]): string | undefined {
  const tail = lastNonBlank(lines, CODEX_DIALOG_MAX_LINES);
  // A composer footer is never a hint, whatever the thread title in it says (`… · /tmp/my proj · esc fix`).
  const hintIdx = tail.slice(-CODEX_DIALOG_HINT_FROM_BOTTOM).find((i) => CODEX.dialogHint.test(lines[i]!) && !CODEX.footer.test(lines[i]!));
  if (hintIdx === undefined) return undefined;
  // The selected option is the last cursor row above the hint (the user's echoed prompt shares the glyph).
  const optionIdx = tail.filter((i) => i < hintIdx && CODEX.cursorRow.test(lines[i]!)).pop();
  if (optionIdx === undefined) return undefined;
  const start = tail[0]!;
  const q = findLast(lines.slice(start, optionIdx), (l) => CODEX.question.test(l));
  const text = q >= 0 ? lines[start + q]!.trim() : lines[optionIdx]!.trim();
  return `${dialogKind(text)}: ${quote(text)}`;
}

function dialogKind(text: string): string {
  if (/trust/i.test(text) && !/hooks?/i.test(text)) return 'trust dialog';
  if (/You are (?:in|running)/.test(text)) return 'trust dialog';
  if (/hooks? need/i.test(text)) return 'hook review';
  if (/^Meet |upgrade|Introducing /.test(text)) return 'model upgrade notice';
  if (/Question \d/.test(text)) return 'question';
  if (/Would you like|Do you want to|Allow the|approval/.test(text)) return 'approval dialog';
  return 'dialog';
}

/** Empty: the cursor sits right after `› ` with only a placeholder (or nothing) drawn there. */
function composerEmpty(s: Screen): boolean {
  const at = findComposer(s.lines);
  if (at < 0) return false;
  const text = s.lines[at]!.replace(CODEX.composer, '').trim();
  const placeholderOrNothing = text === '' || CODEX.placeholder.test(text);
  if (s.cursor.y === at) return s.cursor.x <= 2 && placeholderOrNothing;
  return placeholderOrNothing;
}

/**
 * Tool-history items, not prose: `• Ran cargo test` + `  └ 12 passed`, `• Explored` + `  └ Read x.rs`,
 * `• Edited src/x.rs (+2 -0)`, `• Questions 1/1 answered`. A verb alone is not enough: a reply can start with
 * one (`• Ran it.`), so `Ran`/`Read`/`Called`… count only with the `└`/`│` output row under them.
 */
const CODEX_TOOL_ALWAYS = /^• (?:Explored|Exploring|Updated Plan|Working|Waiting|Thinking|Questions \d+\/\d+|Queued follow-up|Model changed|(?:Edited|Editing|Added|Deleted) \S+ \(\+\d+ -\d+\))/;
const CODEX_TOOL_VERB = /^• (?:Ran|Running|Read|Searched|Called|Calling|Exited|Edited|Editing|Added|Deleted)\b/;
const CODEX_TOOL_OUTPUT = /^\s+[└│]/;
/** Rows Codex draws under a reply that are not part of it: the turn timer (filtered apart) and a tip (0.171). */
const CODEX_NOT_REPLY = /^\s*└ Tip: /;
const NEVER = /(?!)/;

/** The last `• ` block of the latest turn that is prose: between the user's echoed prompt and the composer. */
function codexReply(lines: readonly string[]) {
  const composer = findComposer(lines);
  if (composer < 0) return noReply('no Codex composer on screen (a dialog may be open)');
  const prompts = indicesWhere(lines.slice(0, composer), (l) => CODEX.composer.test(l));
  const start = prompts[prompts.length - 1];
  if (start === undefined) return noReply('no prompt of yours on screen');
  const turn = lines.slice(start + 1, composer).filter((l) => !CODEX.worked.test(l) && !CODEX_NOT_REPLY.test(l));
  if (turn.some((l) => CODEX.interrupted.test(l))) return noReply('the latest turn was interrupted');
  const bullets = indicesWhere(turn, (l) => /^• /.test(l));
  const isTool = (i: number): boolean => {
    const next = turn.slice(i + 1).find((l) => !isBlank(l));
    return CODEX_TOOL_ALWAYS.test(turn[i]!) || (CODEX_TOOL_VERB.test(turn[i]!) && next !== undefined && CODEX_TOOL_OUTPUT.test(next));
  };
  const k = bullets.map((i, n) => ({ i, n })).filter(({ i }) => !isTool(i)).pop();
  if (!k) return noReply('the latest turn has no reply on screen');
  return screenReply(lastBulletBlock(turn.slice(k.i, bullets[k.n + 1] ?? turn.length), /^• /, NEVER), 'the latest turn has no reply on screen');
}

/** `~/.codex/sessions/YYYY/MM/DD/rollout-<ts>-<thread-id>.jsonl` (CODEX_HOME moves it). */
async function codexTranscriptReply(ref: ConversationRef) {
  const file = ref.transcriptPath ?? (ref.conversationId ? findRollout(join(process.env.CODEX_HOME ?? join(ref.home, '.codex'), 'sessions'), ref.conversationId) : undefined);
  if (!file) return undefined;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  // The latest turn decides: task_complete carries its last message; turn_aborted means there is none
  // (0.171 rollout, tests/fixtures/transcripts/codex/).
  const lines = text.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    let rec: { type?: string; payload?: { type?: string; last_agent_message?: string | null } };
    try {
      rec = JSON.parse(lines[i]!);
    } catch {
      continue; // a partial last line while Codex writes
    }
    if (rec.type !== 'event_msg' || !rec.payload) continue;
    const t = rec.payload.type;
    if (t === 'task_complete') {
      const m = rec.payload.last_agent_message;
      return m ? ({ ok: true, text: m.trim(), source: 'transcript' } as const) : noReply('the latest turn ended without a reply');
    }
    if (t === 'turn_aborted') return noReply('the latest turn was interrupted');
    if (t === 'task_started' || t === 'user_message') return noReply('the latest turn has not finished');
  }
  return undefined;
}

function findRollout(root: string, threadId: string): string | undefined {
  // Newest day first; a few folders at most are looked at (sessions of today and the days before).
  const byName = (dir: string): string[] => {
    try {
      return readdirSync(dir).sort().reverse();
    } catch {
      return [];
    }
  };
  for (const y of byName(root).slice(0, 2)) {
    for (const m of byName(join(root, y)).slice(0, 2)) {
      for (const d of byName(join(root, y, m)).slice(0, 7)) {
        const hit = byName(join(root, y, m, d)).find((f) => f.endsWith(`-${threadId}.jsonl`));
        if (hit) return join(root, y, m, d, hit);
      }
    }
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Hooks and notify
// ---------------------------------------------------------------------------------------------

/**
 * Lifecycle hooks cw adds for one run. Codex runs a hook only when trusted: `-c hooks.state=…` carries the
 * trust of exactly these handlers for this process (merged with the user's own `[hooks.state]`; checked on
 * 0.171.0), so neither `--dangerously-bypass-hook-trust` (which would also run the user's untrusted hooks) nor
 * the "Hooks need review" startup dialog is needed. PreToolUse/PostToolUse are left out: they fire for every
 * tool call and the screen shows work anyway.
 */
const CODEX_HOOK_EVENTS = ['SessionStart', 'UserPromptSubmit', 'PermissionRequest', 'Stop', 'Interrupt', 'SessionEnd'] as const;
/** Codex clamps SessionEnd and Interrupt hooks to 3 s (0.171 warns and the trust hash changes): use 3 everywhere. */
const CODEX_HOOK_TIMEOUT_S = 3;
/** SessionEnd runs synchronously whatever `async` says (0.171 warns): declare it so. */
const CODEX_SYNC_EVENTS: ReadonlySet<string> = new Set(['SessionEnd']);
/** Trust key of a session-flag (`-c`) hook: `<source>:<snake_event>:<group>:<handler>` (codex-rs hooks discovery). */
const CODEX_SESSION_FLAGS_SOURCE = '/<session-flags>/config.toml';
/** The title side thread's prompt (0.171): its notify carries the title JSON, not the turn's reply. */
const CODEX_TITLE_PROMPT = /^Generate a concise, single-line task title\b/;

const snake = (event: string): string => event.replace(/[A-Z]/g, (c, i: number) => (i ? '_' : '') + c.toLowerCase());

/**
 * The hash Codex trusts for one command hook (codex-rs `hook_hash`: SHA-256 of the handler's identity as JSON
 * with sorted keys, no matcher). Verified against 0.171.0: a wrong hash brings up "Hooks need review".
 */
export function codexHookHash(event: string, command: string, isAsync: boolean, timeout = CODEX_HOOK_TIMEOUT_S): string {
  const identity = `{"event_name":${JSON.stringify(snake(event))},"hooks":[{"async":${isAsync},"command":${JSON.stringify(command)},"timeout":${timeout},"type":"command"}]}`;
  return `sha256:${createHash('sha256').update(identity).digest('hex')}`;
}

function codexWire(input: Parameters<NonNullable<AgentProfile['hooks']>['wire']>[0]) {
  if (input.programIndex === undefined) return undefined;
  const add: string[] = [];
  // notify: after every turn, no trust needed, works on every version cw has seen. A notify the user
  // configured is kept: cw's hook runs it after itself (`--then`).
  const theirs = userNotify(input.env.CODEX_HOME ?? join(input.home, '.codex'));
  const notify = [...input.hookCommand, ...(theirs ? ['--then', JSON.stringify(theirs)] : [])];
  add.push('-c', `notify=${JSON.stringify(notify)}`);
  // Lifecycle hooks, unless the user already passes hook trust on the command line (ours would replace it).
  const userSetsHookState = input.argv.some((a, i) => input.argv[i - 1] === '-c' && /^hooks\b/.test(a));
  if (!userSetsHookState) {
    const state: string[] = [];
    for (const event of CODEX_HOOK_EVENTS) {
      const command = `${shellCommand(input.hookCommand)} ${event}`;
      const isAsync = !CODEX_SYNC_EVENTS.has(event);
      add.push('-c', `hooks.${event}=[{hooks=[{type="command",command=${JSON.stringify(command)},timeout=${CODEX_HOOK_TIMEOUT_S},async=${isAsync}}]}]`);
      state.push(`${JSON.stringify(`${CODEX_SESSION_FLAGS_SOURCE}:${snake(event)}:0:0`)}={trusted_hash=${JSON.stringify(codexHookHash(event, command, isAsync))}}`);
    }
    add.push('-c', `hooks.state={${state.join(',')}}`);
  }
  const argv = [...input.argv];
  argv.splice(input.programIndex + 1, 0, ...add);
  const summary = userSetsHookState
    ? '-c notify=[cw hook codex] (after each turn); no hooks: your command line sets hook trust'
    : `-c notify=[cw hook codex] and -c hooks ${CODEX_HOOK_EVENTS.join(', ')} trusted for this run only`;
  return { argv, env: {}, files: [], summary };
}

function codexInterpret(event: string, payload: unknown): HookSignal | undefined {
  const p = payload as Record<string, unknown> | null;
  if (!event) {
    // notify: `{"type":"agent-turn-complete","thread-id",…,"input-messages","last-assistant-message"}`.
    if (!p || p.type !== 'agent-turn-complete') return undefined;
    const input = p['input-messages'];
    // 0.171 also notifies for the side thread that writes the thread title (another thread-id, its reply
    // is `{"title":…}`), even mid-turn: it says nothing about the user's turn.
    if (Array.isArray(input) && typeof input[0] === 'string' && CODEX_TITLE_PROMPT.test(input[0])) return undefined;
    const last = field(p, 'last-assistant-message');
    const thread = field(p, 'thread-id');
    return {
      activity: 'idle',
      reason: 'agent notify: turn complete',
      ...(thread ? { conversationId: thread } : {}),
      ...(last !== undefined ? { lastMessage: last } : {}),
    };
  }
  const session = field(payload, 'session_id');
  const transcript = field(payload, 'transcript_path');
  const ids = { ...(session ? { conversationId: session } : {}), ...(transcript ? { transcriptPath: transcript } : {}) };
  const reason = `agent hook: ${event}`;
  switch (event) {
    case 'SessionStart': // 0.171: fires when the first prompt is submitted, not at launch
      return { reason, ...ids };
    case 'UserPromptSubmit':
      return { activity: 'working', reason, turnStarted: true, ...ids };
    case 'PermissionRequest': {
      const cmd = (p?.tool_input as Record<string, unknown> | undefined)?.command;
      return { activity: 'waiting_for_input', reason: typeof cmd === 'string' ? `${reason} ${quote(cmd, 40)}` : reason, ...ids };
    }
    case 'Stop': {
      const last = field(payload, 'last_assistant_message');
      return { activity: 'idle', reason, ...ids, ...(last !== undefined ? { lastMessage: last } : {}) };
    }
    case 'Interrupt': // Esc: no Stop, no notify
      return { activity: 'idle', reason, ...ids };
    case 'SessionEnd':
      return { reason, ended: true, ...ids };
    default:
      return undefined;
  }
}

/** Codex's options that take a value (0.171.0 `codex --help`), so their values are not taken for a subcommand. */
const CODEX_VALUE_OPTIONS = new Set([
  '-c', '--config', '-m', '--model', '-p', '--profile', '-s', '--sandbox', '-a', '--ask-for-approval', '-C', '--cd', '-i', '--image',
  '--enable', '--disable', '--add-dir', '--local-provider', '--remote', '--remote-auth-token-env',
]);
/** `codex resume`'s own ways to pick a thread other than its id (0.171.0 `codex resume --help`). */
const CODEX_RESUME_FLAGS = new Set(['--last', '--all', '--include-non-interactive']);

/** Where the `resume` subcommand word is: the first word after the program that is neither an option nor its value. */
function codexResumeAt(argv: readonly string[], at: number): number | undefined {
  for (let i = at + 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return undefined;
    if (a.startsWith('-')) {
      if (CODEX_VALUE_OPTIONS.has(a)) i++;
      continue;
    }
    return a === 'resume' ? i : undefined; // a prompt or another subcommand
  }
  return undefined;
}

/** The thread id right after `resume`, if one is given (not --last). */
function codexResumeId(argv: readonly string[], r: number): string | undefined {
  const next = argv[r + 1];
  return next !== undefined && !next.startsWith('-') ? next : undefined;
}

/**
 * Codex threads (0.171.0): `codex resume <id>` resumes one and keeps its id (the same rollout file is appended to);
 * the root options (`-c`, `-m`, ...) work after `resume` too, and the hook options cw adds right after the
 * program word are root options.
 */
export const codexResume: ResumeSupport = {
  named: (argv, at) => {
    const r = codexResumeAt(argv, at);
    return r === undefined ? undefined : codexResumeId(argv, r);
  },
  resumeArgs: (argv, at, id) => afterProgram(codexResume.freshArgs(argv, at), at, ['resume', id]),
  freshArgs: (argv, at) => {
    const r = codexResumeAt(argv, at);
    if (r === undefined) return [...argv];
    const drop = new Set([r, ...(codexResumeId(argv, r) !== undefined ? [r + 1] : [])]);
    return argv.filter((a, i) => !drop.has(i) && !(i > r && CODEX_RESUME_FLAGS.has(a)));
  },
};

export const codex: AgentProfile = {
  kind: 'codex',
  label: 'Codex CLI',
  checked: 'Codex 0.147.0 (atrium captures), 0.171.0 (captured here: screens, hooks, notify, rollout)',
  names: ['codex', '@openai/codex'],
  pathFragments: ['@openai/codex'],
  title: CODEX.title,
  read: readCodex,
  typesNotices: true,
  submitDelayMs: 250,
  composerEmpty,
  replyFromScreen: codexReply,
  hooks: { wire: codexWire, interpret: codexInterpret },
  transcriptReply: codexTranscriptReply,
  resume: codexResume,
};

/**
 * The top-level `notify` of the user's own config.toml, if any (so cw's does not silently replace it). Read with a
 * TOML parser: a regular expression also took a `notify` inside another table, and missed a multi-line array.
 */
function userNotify(codexHome: string): string[] | undefined {
  try {
    const v = (parseToml(readFileSync(join(codexHome, 'config.toml'), 'utf8')) as { notify?: unknown }).notify;
    return Array.isArray(v) && v.every((x) => typeof x === 'string') && v.length > 0 ? (v as string[]) : undefined;
  } catch {
    return undefined; // no config, or one Codex itself would refuse
  }
}
