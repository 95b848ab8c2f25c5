// Per-agent screen rules: marker tables (data) plus the small region readers that apply them.
//
// Every rule is anchored to a region of the LIVE screen: the footer below Claude's prompt box,
// the block directly above it, the rows above Codex's composer, Gemini's bottom box, the cursor
// line of a REPL. Never a bare substring anywhere on screen: agents quote their own markers,
// stale spinner lines stay in scrollback, and the input chrome is visible in every state.
// Markers come from AGENT-SCREENS.md §1 and the captures it cites; treat every literal as
// versioned (they change every few weeks) and keep them here, in one place.

import type { ScreenSnapshot } from '../screen-snapshot.js';
import type { AgentKind } from './agents.js';

// =============================================================================================
// Regions
// =============================================================================================

/** A snapshot with its lines normalised once for matching. */
export interface Screen {
  readonly cols: number;
  readonly rows: number;
  /** Visible rows, NBSP → space (Claude pads `❯` with U+00A0), trailing blanks trimmed. */
  readonly lines: readonly string[];
  readonly cursor: { readonly x: number; readonly y: number };
  readonly title: string;
  readonly altScreen: boolean;
  readonly progress?: { readonly state: number; readonly value: number };
  readonly lastBellAt?: number;
}

export function prepareScreen(snapshot: ScreenSnapshot): Screen {
  const lines = snapshot.lines.map(normalizeLine);
  return {
    cols: snapshot.cols,
    rows: snapshot.rows,
    lines,
    cursor: snapshot.cursor,
    title: snapshot.title.replace(/\u00a0/g, ' '),
    altScreen: snapshot.altScreen,
    ...(snapshot.progress ? { progress: snapshot.progress } : {}),
    ...(snapshot.lastBellAt !== undefined ? { lastBellAt: snapshot.lastBellAt } : {}),
  };
}

export function normalizeLine(line: string): string {
  return line.replace(/\u00a0/g, ' ').trimEnd();
}

export function isBlank(line: string | undefined): boolean {
  return line === undefined || line.trim() === '';
}

/** Indices of the non-blank lines, top to bottom. */
export function nonBlankIndices(lines: readonly string[]): number[] {
  const out: number[] = [];
  lines.forEach((l, i) => {
    if (!isBlank(l)) out.push(i);
  });
  return out;
}

/** The last `n` non-blank line indices, top to bottom. */
export function lastNonBlank(lines: readonly string[], n: number): number[] {
  const all = nonBlankIndices(lines);
  return all.slice(Math.max(0, all.length - n));
}

export function lastNonBlankIndex(lines: readonly string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) if (!isBlank(lines[i])) return i;
  return -1;
}

const MIN_RULE_CELLS = 8; // shorter runs of ─ are table edges or decoration, not a TUI's full-width rule

/**
 * A full-width horizontal rule (`────…`), possibly carrying a label (`──── my-branch ──`).
 * A line that merely starts with one `─` (`─ Worked for 1m 39s ───`) is not a rule.
 */
export function isHorizontalRule(line: string | undefined): boolean {
  if (line === undefined) return false;
  const t = line.trim();
  if (!t.startsWith('───')) return false;
  const cells = [...t];
  const dashes = cells.filter((c) => c === '─').length;
  return dashes >= MIN_RULE_CELLS && dashes * 2 >= cells.length;
}

/**
 * The contiguous block of non-blank lines ending just above `index`: skip the blank lines
 * directly above, then collect upward until the next blank line. This is "the latest thing the
 * agent printed" and is where live spinners sit; older blocks are history.
 */
export function blockAbove(lines: readonly string[], index: number): string[] {
  let i = index - 1;
  while (i >= 0 && isBlank(lines[i])) i--;
  const block: string[] = [];
  while (i >= 0 && !isBlank(lines[i]) && !isHorizontalRule(lines[i])) block.unshift(lines[i--]!);
  return block;
}

/** Join physical lines so literals that wrapped at a narrow width match again. */
export function flatten(lines: readonly string[]): string {
  return lines
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ');
}

/** True when the cursor sits on `index` (or on the blank row just below it, where some REPLs park it). */
export function cursorOn(screen: Screen, index: number): boolean {
  return screen.cursor.y === index || (screen.cursor.y === index + 1 && isBlank(screen.lines[index + 1]));
}

/** Strip box-drawing side borders (`│ text │`) so the content can be matched. */
export function unbox(line: string): string {
  return line.replace(/^\s*[│┃║]\s?/, '').replace(/\s?[│┃║]\s*$/, '').trimEnd();
}

/** Shorten a screen line for use inside a human-readable reason. */
export function quote(text: string, max = 60): string {
  const t = text.trim().replace(/\s+/g, ' ');
  return `"${t.length > max ? t.slice(0, max - 1) + '…' : t}"`;
}

/**
 * The question of a dialog: the last line ending in `?` at or above `before`, joined with the
 * lines above it that continue the same wrapped sentence (same indentation), at most a few.
 */
export function questionAbove(lines: readonly string[], from: number, before: number): string | undefined {
  for (let i = Math.min(before, lines.length) - 1; i >= from; i--) {
    const line = lines[i]!;
    if (!/\?\s*$/.test(unbox(line))) continue;
    const indent = indentOf(line);
    const parts = [unbox(line).trim()];
    for (let j = i - 1; j >= from && parts.length < 4; j--) {
      const prev = lines[j]!;
      if (isBlank(unbox(prev)) || indentOf(prev) !== indent || /[.?:]\s*$/.test(prev)) break;
      parts.unshift(unbox(prev).trim());
    }
    return parts.join(' ');
  }
  return undefined;
}

function indentOf(line: string): number {
  return unbox(line).length - unbox(line).trimStart().length;
}

// ---------------------------------------------------------------------------------------------
// Readings: what one screen says, per state. Infer arbitrates between them and other signals.
// ---------------------------------------------------------------------------------------------

export type Activity = 'working' | 'idle' | 'waiting_for_input' | 'unknown';

/** One piece of evidence and the human text naming it. */
export interface Signal {
  readonly reason: string;
  /** Idle only: a positive "turn is over" marker (done line, interrupt notice, ready title), not mere absence of busy markers. */
  readonly explicit?: boolean;
}

/** What a screen (plus its title and progress) says. Several fields may be set; infer picks by priority. */
export interface Reading {
  waiting?: Signal;
  working?: Signal;
  idle?: Signal;
  /** An overlay (transcript viewer, search, model picker) hides the live UI: keep the previous state. */
  hold?: Signal;
}

/** Window-title rules: titles are designed as state indicators and survive custom status lines. */
export interface TitleRules {
  readonly working?: RegExp;
  readonly waiting?: RegExp;
  readonly idle?: RegExp;
}

export interface AgentRules {
  readonly title: TitleRules;
  /** Reads the visible screen through the agent's own regions. */
  readonly read: (screen: Screen) => Reading;
  /**
   * True for line-oriented REPL agents (aider, goose) with no busy marker while streaming or
   * running tools: anything that is neither their prompt nor a confirm on the last line is work.
   */
  readonly busyUnlessPrompt?: boolean;
}

/** Braille spinner frames (U+2800–U+28FF): Claude ≤2.1.227, Codex and Gemini titles and rows. */
const BRAILLE = '\u2800-\u28FF';

// =============================================================================================
// Claude Code
// =============================================================================================

/** Spinner glyphs: `· ✢ ✳ ✶ ✻ ✽` (macOS), `*` elsewhere, `●` reduced motion, `✱` seen live. */
const CLAUDE_GLYPH = `[·✢✳✶✻✽✱✺*●${BRAILLE}◐◓◑◒]`;
const CLAUDE_ELAPSED = String.raw`\(\s*(?:\d+h\s*)?(?:\d+m\s*)?\d+s\b`;

export const CLAUDE = {
  title: {
    // Braille (≤2.1.227) or half-circle (2.1.228+) first char = working. `✳` is NOT idle
    // evidence: it is a spinner frame under ghostty and was seen during running turns (2.1.241).
    working: new RegExp(`^\\s*[${BRAILLE}◐◓◑◒]`),
  },
  /** Live activity line: `✢ Moseying… (2s · ↓ 281 tokens)`; the ellipsis (not the glyph) marks it live. */
  spinnerLine: new RegExp(
    `^\\s*${CLAUDE_GLYPH}\\s+(?:[^\\s…]+…|\\S.*?(?:…|\\.\\.\\.)\\s*${CLAUDE_ELAPSED})`,
  ),
  /** The live counter alone, when the glyph or verb was cut: `(30s · ↑ 1.2k tokens`. */
  counter: new RegExp(`${CLAUDE_ELAPSED}\\s*·\\s*[↑↓]`),
  /** A tool in flight under its call, or a foreground Bash offering to background itself. */
  toolRunning: /^\s*⎿\s+Running…|to run in background/,
  /** Done line, past tense and no ellipsis: `✻ Worked for 8s`, `✳ Brewed for 9m 52s`. */
  doneLine: /^\s*[^\s\w]\s+[A-Z][\p{L}]+ for (?:\d+h\s*)?(?:\d+m\s*)?\d+s\b(?!.*…)/u,
  interrupted: /Interrupted · What should Claude do instead\?/,
  background: /\b(?:shells?|monitors?|background agents?|MCP tasks?) still running|Waiting for \d+ background/,
  /** Footer hint while a turn runs; the chord is rebindable, so key on the action. `esc to …` is the 30-col truncation. */
  footerBusy: /(?:\S+ )?to interrupt\b|\besc to\s*(?:…|$)/,
  /** Queued input while busy replaces the composer text. */
  queued: /Press up to edit queued messages|ctrl\+x ctrl\+s to send now/,
  /** Overlays that hide the live UI: keep the previous state (herdr skip_state_update). */
  overlay: /Showing detailed transcript|ctrl\+o to toggle|⌕ Search|Enter to set as default/i,
  /** A selection cursor on a numbered option or checkbox: `❯ 1. Yes`, `❯ [✔] nanoclaw`. */
  cursorOption: /^\s*❯\s*(?:\d+\.|\[[ ✔✓x×]\])/,
  option: /^\s*(?:❯\s*)?\d+\.\s*\S/,
  /** Dialog chrome, flattened because it wraps at narrow widths (`Esc to cancel · Tab to` / `amend`). */
  dialogHint: /Enter to (?:confirm|select)|Esc to (?:cancel|reject)|Tab to amend|\((?:esc)\)|to navigate/i,
  /** The permission footer alone proves a tool dialog even when its question scrolled off. */
  permissionFooter: /Esc to cancel · Tab to amend/,
} as const;

/** Lines reaching this far below a dialog's selected option mean it is not the live bottom dialog. */
const CLAUDE_DIALOG_TAIL_MAX_LINES = 12; // the 20-col write dialog has 7 wrapped lines below `❯ 1.`; 12 leaves slack
/** Without any rule to anchor on, only a selection at the very bottom can be a live dialog. */
const CLAUDE_UNANCHORED_TAIL_MAX_LINES = 6; // trust gate: 2 options + hint below `❯ 1.`
/** The prompt box sits at the bottom; a status line or team selector can add rows under it. */
const CLAUDE_FOOTER_MAX_LINES = 10;

interface ClaudeBox {
  top: number;
  bottom: number;
}

/**
 * The prompt box: two rules with a `❯` (2.x) or `>` line between, or the 1.0.x rounded box
 * `╭─╮ │ > │ ╰─╯`. It is on screen in every state except while a dialog replaces it.
 */
export function findClaudePromptBox(lines: readonly string[]): ClaudeBox | undefined {
  const last = lastNonBlankIndex(lines);
  for (let bottom = last; bottom >= 0 && last - bottom <= CLAUDE_FOOTER_MAX_LINES + 2; bottom--) {
    const line = lines[bottom]!;
    if (isHorizontalRule(line)) {
      for (let top = bottom - 1; top >= 0 && bottom - top <= 12; top--) {
        if (!isHorizontalRule(lines[top])) continue;
        const body = lines.slice(top + 1, bottom).filter((l) => !isBlank(l));
        if (body.length > 0 && /^\s*[❯>](?:\s|$)/.test(body[0]!)) return { top, bottom };
        break;
      }
    } else if (/^\s*╰─/.test(line)) {
      for (let top = bottom - 1; top >= 0 && bottom - top <= 12; top--) {
        if (!/^\s*╭─/.test(lines[top]!)) continue;
        const body = lines.slice(top + 1, bottom).map(unbox).filter((l) => !isBlank(l));
        if (body.length > 0 && /^\s*[❯>](?:\s|$)/.test(body[0]!)) return { top, bottom };
        break;
      }
    }
  }
  return undefined;
}

function readClaude(screen: Screen): Reading {
  const lines = screen.lines;
  const tail = flatten(lastNonBlank(lines, 4).map((i) => lines[i]!));
  const overlay = tail.match(CLAUDE.overlay);
  if (overlay) return { hold: { reason: `overlay open: ${quote(overlay[0])}` } };

  const box = findClaudePromptBox(lines);
  if (!box) {
    const dialog = claudeDialog(lines);
    return dialog ? { waiting: { reason: dialog } } : {};
  }
  const reading: Reading = {};
  const footer = flatten(lines.slice(box.bottom + 1));
  const busyFooter = footer.match(CLAUDE.footerBusy);
  if (busyFooter) reading.working = { reason: `footer: ${quote(busyFooter[0])}` };

  const body = flatten(lines.slice(box.top + 1, box.bottom).map(unbox));
  if (!reading.working && CLAUDE.queued.test(body)) reading.working = { reason: 'queued message in prompt box' };

  const above = claudeBlockAbove(blockAbove(lines, box.top));
  if (!reading.working && above.working) reading.working = above.working;
  reading.idle = above.idle ?? { reason: body.replace(/^[❯>]\s*/, '') === '' ? 'prompt box empty' : 'prompt box, no busy marker' };
  return reading;
}

/** The block directly above the box, read bottom-up: the lowest spinner or done line wins. */
function claudeBlockAbove(block: readonly string[]): Pick<Reading, 'working' | 'idle'> {
  for (let i = block.length - 1; i >= 0; i--) {
    const line = block[i]!;
    if (CLAUDE.interrupted.test(line)) return { idle: { reason: 'turn interrupted', explicit: true } };
    if (CLAUDE.doneLine.test(line)) {
      const bg = CLAUDE.background.test(block.join(' ')) ? ' (background work continues)' : '';
      return { idle: { reason: `done line ${quote(line)}${bg}`, explicit: true } };
    }
    if (CLAUDE.background.test(line)) return { idle: { reason: `turn over, ${quote(line)}`, explicit: true } };
    if (CLAUDE.spinnerLine.test(line) || CLAUDE.counter.test(line)) return { working: { reason: `spinner ${quote(line)}` } };
    if (CLAUDE.toolRunning.test(line)) return { working: { reason: `tool running ${quote(line)}` } };
  }
  return {};
}

/**
 * A dialog replaces the prompt box: a selected numbered option below the last rule (or, with no
 * rule at all, at the very bottom), plus a question or the dialog's own hint line. Structure, not
 * a literal: the decline wording differs per dialog and appears in agents' own output.
 */
function claudeDialog(lines: readonly string[]): string | undefined {
  let ruleAt = -1;
  for (let i = lines.length - 1; i >= 0; i--) if (isHorizontalRule(lines[i])) { ruleAt = i; break; }
  const from = ruleAt + 1;
  const region = lines.slice(from);
  const nonBlank = region.filter((l) => !isBlank(l));
  const hints = flatten(region);
  if (CLAUDE.permissionFooter.test(hints)) {
    return `permission dialog: ${quote(questionAbove(lines, from, lines.length) ?? 'Esc to cancel · Tab to amend')}`;
  }
  const cursorAt = region.findIndex((l) => CLAUDE.cursorOption.test(l));
  if (cursorAt < 0) return undefined;
  const below = region.slice(cursorAt + 1).filter((l) => !isBlank(l)).length;
  const maxBelow = ruleAt >= 0 ? CLAUDE_DIALOG_TAIL_MAX_LINES : CLAUDE_UNANCHORED_TAIL_MAX_LINES;
  if (below > maxBelow) return undefined;
  const options = region.filter((l) => CLAUDE.option.test(l)).length;
  const checkbox = /\[[ ✔✓x×]\]/.test(region[cursorAt]!);
  const question = questionAbove(lines, from, from + cursorAt);
  if (!(options >= 2 || checkbox) || !(question || CLAUDE.dialogHint.test(hints))) return undefined;
  const text = question ?? nonBlank[0]!.trim();
  return `${claudeDialogKind(hints)}: ${quote(text)}`;
}

function claudeDialogKind(text: string): string {
  if (/trust (?:this|the files|the contents)|you trust/i.test(text)) return 'trust dialog';
  if (/ready to execute|keep planning|Would you like to proceed\?/i.test(text)) return 'plan approval';
  if (/MCP server/i.test(text)) return 'MCP approval';
  if (/Enter to select|☐|Review your answers/.test(text)) return 'question';
  return 'permission dialog';
}

// =============================================================================================
// Codex CLI
// =============================================================================================

export const CODEX = {
  title: {
    working: new RegExp(`[${BRAILLE}]`),
    waiting: /Action Required/,
  },
  /** The composer (and the user's echoed messages, which share the glyph). Older builds: `▌`. */
  composer: /^[›▌](?:\s|$)/,
  /** The bottom hint of every Codex dialog; truncated at narrow widths (`Press enter to con`). */
  dialogHint: /^\s*(?:Press enter to\b|enter to submit|tab to add notes)|\|\s*esc to cancel/i,
  cursorOption: /^›\s*\d+\.\s/,
  question: /Would you like|Do you trust|Do you want to|Allow the .* MCP server|Question \d+\/\d+|needs your approval|Hooks need review/,
  /**
   * The live status row above the composer: `• Working (4s • esc to interrupt)`, at column 0.
   * Indented copies are quoted text, not the status row (herdr regression test).
   */
  statusRow: /^(?:[•◦]\s+)?[^\s•◦›].*\((?:\d+h\s*)?(?:\d+m\s*)?\d+s\b.*(?:esc to interrupt|esc to inte|…$)/i,
  interrupted: /^■ Conversation interrupted/,
} as const;

/** Only rows this close above the composer can be the live status row; older rows are history. */
const CODEX_STATUS_WINDOW_LINES = 3;
/** A Codex dialog's hint is its last line; a footer row may trail it. */
const CODEX_DIALOG_HINT_FROM_BOTTOM = 2;
const CODEX_DIALOG_MAX_LINES = 30; // the 20-col exec approval spans ~25 non-blank lines

function readCodex(screen: Screen): Reading {
  const lines = screen.lines;
  const dialog = codexDialog(lines);
  if (dialog) return { waiting: { reason: dialog } };

  const composerAt = findLast(lines, (l) => CODEX.composer.test(l));
  if (composerAt < 0) return {};
  const reading: Reading = {};
  const above: string[] = [];
  for (let i = composerAt - 1; i >= 0 && above.length < CODEX_STATUS_WINDOW_LINES; i--) {
    if (isBlank(lines[i])) continue;
    if (CODEX.composer.test(lines[i]!)) break; // the user's echoed prompt: the turn starts there
    above.push(lines[i]!);
  }
  const status = above.find((l) => CODEX.statusRow.test(l));
  if (status) reading.working = { reason: `status row ${quote(status)}` };
  const interrupted = above.some((l) => CODEX.interrupted.test(l));
  reading.idle = interrupted
    ? { reason: 'turn interrupted', explicit: true }
    : { reason: 'composer, no status row' };
  return reading;
}

function codexDialog(lines: readonly string[]): string | undefined {
  const tail = lastNonBlank(lines, CODEX_DIALOG_MAX_LINES);
  const hintIdx = tail.slice(-CODEX_DIALOG_HINT_FROM_BOTTOM).find((i) => CODEX.dialogHint.test(lines[i]!));
  if (hintIdx === undefined) return undefined;
  const optionIdx = tail.find((i) => i < hintIdx && CODEX.cursorOption.test(lines[i]!));
  if (optionIdx === undefined) return undefined;
  const start = tail[0]!;
  const q = findLast(lines.slice(start, optionIdx), (l) => CODEX.question.test(l));
  const text = q >= 0 ? lines[start + q]! : 'numbered choice';
  const kind = /trust/i.test(text) ? 'trust dialog' : /Question \d/.test(text) ? 'question' : 'approval dialog';
  return `${kind}: ${quote(text)}`;
}

// =============================================================================================
// Gemini CLI
// =============================================================================================

export const GEMINI = {
  title: {
    working: /^\s*[✦⏲]/,
    waiting: /^\s*✋|Action Required/,
    idle: /^\s*◇\s+Ready/,
  },
  bandTop: /^\s*▄{8,}\s*$/,
  bandBottom: /^\s*▀{8,}\s*$/,
  /** LoadingIndicator row: `⠸ Thinking... (esc to cancel, 3s)`; truncated to `(esc to c` at 24 cols. */
  loadingRow: new RegExp(`^\\s*[${BRAILLE}]\\s+\\S`),
  confirmWait: /Waiting for user confirmation/,
  selectedOption: /^\s*●\s*\d+\./,
  dialogWords: /Allow once|Allow execution|Apply this change|Do you want to proceed|Do you trust|Trust folder|Allow for this session|Yes, allow once/,
  cancelled: /ℹ Request cancelled\./,
} as const;

const GEMINI_LIVE_ROWS = 5; // loading row + rule + hint rows, wrapped once at 20–24 cols
const GEMINI_BOX_BOTTOM_SLACK_LINES = 2; // a confirmation box ends the screen, at most a hint row below

function readGemini(screen: Screen): Reading {
  const lines = screen.lines;
  const dialog = geminiDialog(lines);
  if (dialog) return { waiting: { reason: dialog } };

  const top = findLast(lines, (l) => GEMINI.bandTop.test(l));
  if (top < 0) return {};
  const reading: Reading = {};
  const live = geminiLiveRows(lines, top);
  const confirm = live.find((l) => GEMINI.confirmWait.test(l));
  if (confirm) return { waiting: { reason: `loading row ${quote(confirm)}` } };
  const row = live.find((l) => GEMINI.loadingRow.test(l));
  if (row) reading.working = { reason: `loading row ${quote(row)}` };
  const cancelled = blockAbove(lines, top).some((l) => GEMINI.cancelled.test(l)) || live.some((l) => GEMINI.cancelled.test(l));
  reading.idle = cancelled ? { reason: 'request cancelled', explicit: true } : { reason: 'composer, no loading row' };
  return reading;
}

/** Rows directly above the composer band, up to the previous band or box: the LoadingIndicator's home. */
function geminiLiveRows(lines: readonly string[], bandTop: number): string[] {
  const rows: string[] = [];
  for (let i = bandTop - 1; i >= 0 && rows.length < GEMINI_LIVE_ROWS; i--) {
    const l = lines[i]!;
    if (GEMINI.bandBottom.test(l) || /^\s*╰/.test(l)) break;
    if (!isBlank(l)) rows.push(l);
  }
  return rows;
}

/** The bottom-most `╭…╰` box holding a selected option and confirmation wording. */
function geminiDialog(lines: readonly string[]): string | undefined {
  const tail = lastNonBlank(lines, GEMINI_BOX_BOTTOM_SLACK_LINES);
  const bottom = tail.find((i) => /^\s*╰─+╯\s*$/.test(lines[i]!));
  if (bottom === undefined) return undefined;
  const col = lines[bottom]!.indexOf('╰');
  let top = bottom - 1;
  while (top >= 0 && lines[top]!.indexOf('╭') !== col) top--;
  if (top < 0) return undefined;
  const inside = lines.slice(top + 1, bottom).map(unbox);
  if (!inside.some((l) => GEMINI.selectedOption.test(l)) || !GEMINI.dialogWords.test(inside.join(' '))) return undefined;
  const q = questionAbove(inside, 0, inside.length);
  const kind = /trust/i.test(inside.join(' ')) ? 'trust dialog' : 'confirmation';
  return `${kind}: ${quote(q ?? inside.find((l) => !isBlank(l)) ?? 'tool confirmation')}`;
}

// =============================================================================================
// aider
// =============================================================================================

export const AIDER = {
  /** confirm_ask: `Add file to the chat? (Y)es/(N)o/(D)on't ask again [Yes]: `, cursor parked after it. */
  confirm: /\(Y\)es\/\s*\(N\)o.*\[(?:Yes|No|All|Skip all|Don't ask again)\]:\s*$/,
  /** The prompt: `> `, or a mode prompt such as `ask> `, `architect> `, `multi> `. */
  prompt: /^(?:[a-z][\w-]*)?> ?/,
  waitingForModel: /^\S?\s*Waiting for [\w./:@-]+/,
} as const;

function readAider(screen: Screen): Reading {
  const lines = screen.lines;
  const last = lastNonBlankIndex(lines);
  if (last < 0) return {};
  const line = lines[last]!;
  const flat = flatten([lines[last - 1] ?? '', line]);
  if (/\]:\s*$/.test(line) && AIDER.confirm.test(flat) && cursorOn(screen, last)) {
    return { waiting: { reason: `confirm: ${quote(flat.replace(/\s*\(Y\)es\/.*$/, ''))}` } };
  }
  if (AIDER.waitingForModel.test(line)) return { working: { reason: quote(line) } };
  if (AIDER.prompt.test(line) && cursorOn(screen, last)) {
    return { idle: { reason: `prompt ${quote(line.trim() === '>' ? '> ' : line)}`, explicit: true } };
  }
  return {};
}

// =============================================================================================
// goose
// =============================================================================================

export const GOOSE = {
  /** rustyline prompt `( O)> `; some builds use the goose emoji. */
  prompt: /^\s*(?:\( O\)>|🪿)(?:\s|$)/,
  /** cliclack select, active (`◆`); once answered it collapses to `◇ … │ Allow`. */
  activeSelect: /^\s*◆\s+\S/,
  legacyConfirm: /Allow\? \(y\/n\):\s*$/,
  busyHint: /\(Ctrl\+C to interrupt\)/i,
  spinner: /^\s*[◒◐◓◑]\s+\S/,
} as const;

const GOOSE_SELECT_WINDOW_LINES = 10; // question + 4 options with hints + `└`

function readGoose(screen: Screen): Reading {
  const lines = screen.lines;
  const tail = lastNonBlank(lines, GOOSE_SELECT_WINDOW_LINES);
  const last = tail[tail.length - 1];
  if (last === undefined) return {};
  const selectAt = tail.find((i) => GOOSE.activeSelect.test(lines[i]!));
  if (selectAt !== undefined && tail.every((i) => i <= selectAt || /^\s*[│└|]/.test(lines[i]!))) {
    return { waiting: { reason: `tool confirmation: ${quote(lines[selectAt]!.replace(/^\s*◆\s+/, ''))}` } };
  }
  if (GOOSE.legacyConfirm.test(lines[last]!)) return { waiting: { reason: `tool confirmation: ${quote(lines[last]!)}` } };
  const bottom3 = tail.slice(-3).map((i) => lines[i]!);
  const busy = bottom3.find((l) => GOOSE.busyHint.test(l) || GOOSE.spinner.test(l));
  if (busy) return { working: { reason: `spinner ${quote(busy)}` } };
  if (GOOSE.prompt.test(lines[last]!) && cursorOn(screen, last)) {
    return { idle: { reason: 'prompt "( O)>"', explicit: true } };
  }
  return {};
}

// =============================================================================================
// OpenCode (full-screen, alternate buffer)
// =============================================================================================

export const OPENCODE = {
  permission: /Permission required/,
  permissionOptions: /Allow once\s+Allow always\s+Reject/,
  questionHints: /select\s+enter submit\s+esc dismiss/,
  /** Bottom bar while busy: progress dots and `esc interrupt` (`esc again to interrupt` on the 2nd press). */
  busy: /\besc (?:again )?(?:to )?interrupt\b|[■⬝]{4,}/i,
  /** The help bar's own chrome; busy markers count only on this row or below it. */
  helpBar: /ctrl\+p (?:commands|cmd)|tab (?:agents|switch agent)/,
  /** Always-present chrome: it proves the TUI is up, never that it is idle by itself. */
  chrome: /Ask anything|ctrl\+p (?:commands|cmd)|tab (?:agents|switch agent)|press enter to send/i,
} as const;

const OPENCODE_BAR_LINES = 2; // fallback when no help-bar chrome is found: the bar and one status row
const OPENCODE_PANEL_LINES = 12; // permission panel: header, body, option row, hints

function readOpenCode(screen: Screen): Reading {
  const lines = screen.lines;
  const panel = lastNonBlank(lines, OPENCODE_PANEL_LINES).map((i) => lines[i]!);
  const panelText = panel.join('\n');
  if (OPENCODE.permission.test(panelText) && OPENCODE.permissionOptions.test(panelText)) {
    const title = panel.find((l) => /\s#\s+\S|^\s*[┃▏]?\s*\$\s/.test(l));
    return { waiting: { reason: `permission dialog${title ? ': ' + quote(title.replace(/^[\s┃▏]*/, '')) : ''}` } };
  }
  if (OPENCODE.questionHints.test(panelText)) return { waiting: { reason: 'question picker' } };
  const bar = opencodeBar(lines);
  const busy = bar.map((l) => l.match(OPENCODE.busy)).find((m) => m);
  if (busy) return { working: { reason: `bottom bar ${quote(busy[0])}` } };
  if (lines.some((l) => OPENCODE.chrome.test(l))) return { idle: { reason: 'input chrome, no busy bar' } };
  return {};
}

/**
 * The bottom help bar and anything under it. The transcript can quote "esc interrupt" a line or
 * two above the bar, so the bar is found by its own chrome, not by counting lines.
 */
function opencodeBar(lines: readonly string[]): string[] {
  const tail = lastNonBlank(lines, OPENCODE_PANEL_LINES);
  const barAt = [...tail].reverse().find((i) => OPENCODE.helpBar.test(lines[i]!));
  const rows = barAt === undefined ? tail.slice(-OPENCODE_BAR_LINES) : tail.filter((i) => i >= barAt);
  return rows.map((i) => lines[i]!);
}

// =============================================================================================
// Cursor agent
// =============================================================================================

export const CURSOR = {
  followUp: /→ Add a follow-up/,
  stop: /ctrl\+c to stop/i,
  dialogQuestion: /^\s*(?:Run this command|Write to this file|Allow this web search|Delete this file|Run this MCP tool|Apply changes)\?/,
  dialogOption: /\((?:y|esc or n|esc or n or p)\)\s*$|\(y\)\s*\(enter\)|Skip \(esc or n\)|Waiting for decision|enter to select · esc to cancel/i,
} as const;

const CURSOR_DIALOG_WINDOW_LINES = 12;

function readCursor(screen: Screen): Reading {
  const lines = screen.lines;
  const followAt = findLast(lines, (l) => CURSOR.followUp.test(l));
  const tail = lastNonBlank(lines, CURSOR_DIALOG_WINDOW_LINES).filter((i) => i > followAt);
  const option = tail.find((i) => CURSOR.dialogOption.test(lines[i]!));
  if (option !== undefined) {
    const q = tail.find((i) => CURSOR.dialogQuestion.test(lines[i]!));
    return { waiting: { reason: `approval: ${quote(lines[q ?? option]!)}` } };
  }
  if (followAt < 0) return {};
  // Only the follow-up line and what is below it is live (agent-of-empires cursor_active_region).
  const live = lines.slice(followAt).join(' ');
  if (CURSOR.stop.test(live)) return { working: { reason: 'follow-up line shows "ctrl+c to stop"' } };
  return { idle: { reason: 'follow-up prompt, no stop hint' } };
}

// =============================================================================================
// Shells and REPLs; generic programs
// =============================================================================================

export const SHELL = {
  /** Prompt endings (agent-deck hasShellPrompt) and REPL prompts (`>>> `, `In [3]: `, `irb(main):001> `, `=# `). */
  prompt: /(?:[$#%❯➜›»>]|>>>|\.\.\.|In \[\d+\]:|=[#>])\s?$|^irb\([^)]*\):\d+[>*]|^\(\w+\)\s?\S*[$#%]/,
  /** Questions a foreground program asks on its last line, cursor after it. */
  question: /\[[yY]\/[nN]\]|\([yY]\/[nN]\)|\(yes\/no(?:\/\[fingerprint\])?\)|[Pp]assword(?: for [^:]+)?:|[Pp]assphrase[^:]*:|\b(?:Continue|Proceed|Overwrite|Are you sure)[^?]*\?|Press (?:Enter|RETURN|any key)/,
} as const;

function readShellScreen(screen: Screen): Reading {
  const lines = screen.lines;
  const last = lastNonBlankIndex(lines);
  if (last < 0 || !cursorOn(screen, last)) return {};
  const line = lines[last]!;
  if (SHELL.question.test(line)) return { waiting: { reason: `question on the cursor line ${quote(line)}` } };
  if (SHELL.prompt.test(line)) return { idle: { reason: `prompt on the cursor line ${quote(line)}` } };
  return {};
}

// =============================================================================================
// Registry
// =============================================================================================

export const AGENT_RULES: Readonly<Record<AgentKind, AgentRules>> = {
  claude: { title: CLAUDE.title, read: readClaude },
  codex: { title: CODEX.title, read: readCodex },
  gemini: { title: GEMINI.title, read: readGemini },
  aider: { title: {}, read: readAider, busyUnlessPrompt: true },
  goose: { title: {}, read: readGoose, busyUnlessPrompt: true },
  opencode: { title: {}, read: readOpenCode },
  'cursor-agent': { title: {}, read: readCursor },
  shell: { title: {}, read: readShellScreen },
  generic: { title: {}, read: readShellScreen },
};

function findLast(lines: readonly string[], pred: (l: string) => boolean): number {
  for (let i = lines.length - 1; i >= 0; i--) if (pred(lines[i]!)) return i;
  return -1;
}
