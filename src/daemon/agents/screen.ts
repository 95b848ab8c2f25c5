// Regions of a terminal screen that agent rules anchor to: the footer below a prompt box, the block just above
// it, the cursor line, the last non-blank rows. Never a bare substring anywhere on screen: agents quote their own
// markers, stale spinner lines stay in scrollback, and the input chrome is visible in every state.
// Pure; shared by every agent module.

import type { ScreenSnapshot } from '../screen-snapshot.js';
import type { Screen } from './types.js';

/** Braille spinner frames (U+2800–U+28FF): Claude ≤2.1.227, Codex and Gemini titles and rows. */
export const BRAILLE = '\u2800-\u28FF';

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
    ...(snapshot.appState ? { appState: snapshot.appState } : {}),
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

export function findLast(lines: readonly string[], pred: (l: string) => boolean): number {
  for (let i = lines.length - 1; i >= 0; i--) if (pred(lines[i]!)) return i;
  return -1;
}

export function indicesWhere(lines: readonly string[], pred: (l: string) => boolean): number[] {
  const out: number[] = [];
  lines.forEach((l, i) => {
    if (pred(l)) out.push(i);
  });
  return out;
}
