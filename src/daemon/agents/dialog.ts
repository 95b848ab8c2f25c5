// A recogniser for the shapes dialogs take, independent of any one agent: a selection list with a cursor in
// the bottom region (`❯`, `›`, `>`, `→`, `●`, `▶`; numbered or not), confirmation footers ("Enter to confirm",
// "Esc to cancel", `(y/n)`, `[Y/n]`), a question line above the options. Known dialogs of each agent stay
// versioned data in its module; this catches the next version's new one, so an unknown dialog is
// waiting_for_input (costs a wait) instead of idle (would type into it).
//
// Only the live bottom region counts: a dialog quoted in the transcript sits ABOVE the agent's ready prompt,
// and the caller passes that prompt's line so everything above it is history.
// Pure.

import type { Screen, Signal } from './types.js';
import { isBlank, isHorizontalRule, quote, unbox } from './screen.js';

/** A selection cursor followed by an option's text. `>` only with a space after it (a quote marker has one too: the list shape decides). */
const CURSOR_ROW = /^(\s*)(?:❯|›|>|→|▶|►|●|◉|⦿|\*)\s*(\S.*)$/;
const NUMBERED = /^\s*(?:(?:❯|›|>|→|▶|►|●|◉)\s*)?(?:\d{1,2}[.)]|\[[ xX✔✓×]\]|[☐☑☒◯◉○●]|\(\s?[ *•]\s?\))\s+\S/;
const DIGIT_NUMBERED = /^\s*(?:(?:❯|›|>|→|▶|►|●|◉)\s*)?\d{1,2}[.)]\s+\S/;
/** Footers and hints of selection and confirmation dialogs. */
const HINT = /\b(?:enter|return)\s+(?:to\s+)?(?:confirm|select|continue|submit|proceed|choose|accept|apply|open)\b|\besc(?:ape)?\s+(?:to\s+)?(?:cancel|go back|back|exit|skip|dismiss|reject|close)\b|↑\s*\/?\s*↓\s+to\s+(?:navigate|move|select)|\b(?:arrow keys|tab\/arrow keys) to navigate\b|\bspace to (?:select|toggle)\b|\bpress enter to\b|\(y\/n\)|\[y\/n\]|\(yes\/no\)/i;
/** A confirmation footer strong enough alone, without options (notices: "Enter to continue · Esc to cancel"). */
const STRONG_FOOTER = /\b(?:enter|return)\s+to\s+(?:confirm|continue|select|submit|proceed)\b.*\besc(?:ape)?\s+to\s+\w+|\besc(?:ape)?\s+to\s+\w+.*\b(?:enter|return)\s+to\s+(?:confirm|continue|select|submit|proceed)\b|\bpress enter to (?:continue|confirm)\b/i;
const YES_NO_PROMPT = /(?:\(y\/n\)|\[y\/n\]|\(yes\/no\))\s*:?\s*$/i;

/** Rows examined at the bottom of the screen: question + up to ~8 options + hints, wrapped once. */
const REGION_LINES = 18;
/** Non-blank rows allowed below the last option: hint lines, a box's bottom edge, a status footer. */
const TAIL_MAX_LINES = 4;
/** The question sits this close above the first option. */
const QUESTION_WINDOW_LINES = 6;

/**
 * A dialog in the live bottom region, or undefined. `after`: the line of the agent's ready prompt, when the
 * agent's rules found one; only rows below it are live.
 */
export function findDialog(screen: Screen, after = -1): Signal | undefined {
  const lines = screen.lines.map((l) => unbox(l));
  const region: number[] = [];
  for (let i = lines.length - 1; i > after && region.length < REGION_LINES; i--) if (!isBlank(lines[i])) region.unshift(i);
  if (region.length === 0) return undefined;

  const tailText = region.slice(-3).map((i) => lines[i]!.trim()).join(' · ');
  const options = optionRows(lines, region);
  if (options) {
    const below = region.filter((i) => i > options.last).length;
    if (below <= TAIL_MAX_LINES) {
      const question = questionBefore(lines, region, options.first);
      const hint = region.filter((i) => i > options.first - QUESTION_WINDOW_LINES).some((i) => HINT.test(lines[i]!));
      if (question || hint || options.numbered >= 2) {
        const text = question ?? lines[options.cursor]!.trim();
        return { reason: `dialog: ${quote(text)} (${options.count} options${hint ? ', confirmation hint' : ''})` };
      }
    }
  }
  if (STRONG_FOOTER.test(tailText)) {
    const question = questionBefore(lines, region, region[region.length - 1]! + 1);
    return { reason: `dialog: ${quote(question ?? tailText)} (confirmation footer)` };
  }
  const last = region[region.length - 1]!;
  if (YES_NO_PROMPT.test(lines[last]!) && screen.cursor.y >= last) return { reason: `question on the last line ${quote(lines[last]!)}` };
  return undefined;
}

interface Options {
  first: number;
  last: number;
  cursor: number;
  count: number;
  numbered: number;
}

/**
 * The list around the lowest cursor row: rows at the cursor text's indentation (unnumbered lists) or numbered
 * rows, contiguous except for single blank lines. Needs the cursor row and at least one other option.
 */
function optionRows(lines: readonly string[], region: readonly number[]): Options | undefined {
  for (let k = region.length - 1; k >= 0; k--) {
    const at = region[k]!;
    const m = CURSOR_ROW.exec(lines[at]!);
    if (!m || isHorizontalRule(lines[at])) continue;
    const textCol = lines[at]!.length - m[2]!.length;
    const isOption = (i: number): boolean => {
      const l = lines[i]!;
      if (NUMBERED.test(l)) return true;
      // The question and the footer often share the options' indentation; they are not options.
      if (/[?:]\s*$|\?\s/.test(l) || HINT.test(l)) return false;
      const indent = l.length - l.trimStart().length;
      return indent === textCol && !isHorizontalRule(l) && l.trim().length <= 120;
    };
    let first = at;
    let last = at;
    for (let i = at - 1; i >= 0 && at - i <= 12; i--) {
      if (isBlank(lines[i])) {
        if (isBlank(lines[i - 1])) break;
        continue;
      }
      if (!isOption(i)) break;
      first = i;
    }
    for (let i = at + 1; i < lines.length && i - at <= 12; i++) {
      if (isBlank(lines[i])) {
        if (isBlank(lines[i + 1])) break;
        continue;
      }
      if (!isOption(i)) break;
      last = i;
    }
    const rows: number[] = [];
    for (let i = first; i <= last; i++) if (!isBlank(lines[i])) rows.push(i);
    // Only digit-numbered choices count as evidence alone; radio/checkbox rows (`● main`, `◯ general`) also
    // draw status widgets (Claude's agent selector) and need a question or a hint beside them.
    const numbered = rows.filter((i) => DIGIT_NUMBERED.test(lines[i]!)).length;
    if (rows.length >= 2) return { first, last, cursor: at, count: rows.length, numbered };
  }
  return undefined;
}

/** The question: the nearest line ending in `?` (or a `:` heading) above the options, within a few rows. */
function questionBefore(lines: readonly string[], region: readonly number[], before: number): string | undefined {
  const candidates = region.filter((i) => i < before && before - i <= QUESTION_WINDOW_LINES + 1).reverse();
  for (const i of candidates) {
    const t = lines[i]!.trim();
    if (/\?\s*$/.test(t) && t.length >= 4) return t;
  }
  // A question followed by more text on its line ("Trust this folder? Codex can read…"): up to its `?`.
  for (const i of candidates) {
    const m = /^(.{4,}?\?)\s/.exec(lines[i]!.trim());
    if (m) return m[1];
  }
  return undefined;
}
