// The scrollback view's model: the session's history and screen as lines, a cursor line, the visible page, a
// selection and search. Pure: keys come in as actions, rows and a status line come out (scroll-view.ts draws).

export interface Found {
  ok: boolean;
  /** 'wrapped' when the match was found past the end (or the start) and the search went round. */
  wrapped: boolean;
}

export class ScrollbackModel {
  /** The line at the cursor (highlighted); the page follows it. */
  cursor: number;
  /** The first visible line. */
  top: number;
  /** The other end of the selection (v), or null. */
  mark: number | null = null;
  /** The last search, for n and N. */
  query = '';

  constructor(
    readonly lines: readonly string[],
    /** Rows for lines (the terminal's rows less the status line). */
    public height: number,
  ) {
    this.cursor = Math.max(0, lines.length - 1);
    this.top = Math.max(0, lines.length - height);
  }

  /** Moves the cursor by `delta` lines (clamped) and scrolls to keep it visible. */
  move(delta: number): void {
    this.goto(this.cursor + delta);
  }

  goto(line: number): void {
    this.cursor = Math.min(Math.max(0, line), Math.max(0, this.lines.length - 1));
    if (this.cursor < this.top) this.top = this.cursor;
    else if (this.cursor >= this.top + this.height) this.top = this.cursor - this.height + 1;
  }

  /** A page up (-1) or down (1): the page and the cursor move together. */
  page(dir: -1 | 1): void {
    const maxTop = Math.max(0, this.lines.length - this.height);
    const step = Math.max(1, this.height - 1);
    this.top = Math.min(Math.max(0, this.top + dir * step), maxTop);
    this.cursor = Math.min(Math.max(this.cursor + dir * step, this.top), this.top + this.height - 1, this.lines.length - 1);
  }

  /** v: starts a selection at the cursor, or clears it. */
  toggleMark(): void {
    this.mark = this.mark === null ? this.cursor : null;
  }

  /**
   * Finds `query` (case-insensitive unless it has a capital, as less and vim's smartcase), searching from the
   * line after the cursor (dir 1) or before it (-1) and going round once; moves the cursor there.
   */
  search(query: string, dir: 1 | -1 = 1): Found {
    if (query !== '') this.query = query;
    const q = this.query;
    if (q === '' || this.lines.length === 0) return { ok: false, wrapped: false };
    const fold = q === q.toLowerCase();
    const needle = fold ? q.toLowerCase() : q;
    const n = this.lines.length;
    for (let i = 1; i <= n; i++) {
      const at = (((this.cursor + dir * i) % n) + n) % n;
      const line = fold ? this.lines[at]!.toLowerCase() : this.lines[at]!;
      if (line.includes(needle)) {
        const wrapped = dir === 1 ? at <= this.cursor : at >= this.cursor;
        this.goto(at);
        return { ok: true, wrapped };
      }
    }
    return { ok: false, wrapped: false };
  }

  /** y: the selected lines, else the visible page, trailing blanks trimmed, joined by newlines. */
  copyText(): string {
    const [a, b] = this.mark === null ? [this.top, Math.min(this.top + this.height, this.lines.length) - 1] : [Math.min(this.mark, this.cursor), Math.max(this.mark, this.cursor)];
    const picked = this.lines.slice(a, b + 1).map((l) => l.trimEnd());
    while (picked.length > 0 && picked[picked.length - 1] === '') picked.pop();
    return picked.join('\n');
  }

  /** Whether line `i` is in the selection. */
  selected(i: number): boolean {
    return this.mark !== null && i >= Math.min(this.mark, this.cursor) && i <= Math.max(this.mark, this.cursor);
  }

  /** The visible lines, `height` of them (blank past the end). */
  visible(): string[] {
    const out: string[] = [];
    for (let i = 0; i < this.height; i++) out.push(this.lines[this.top + i] ?? '');
    return out;
  }

  /** Where the cursor is, for the status line: `line 12/340`. */
  position(): string {
    return `line ${this.lines.length ? this.cursor + 1 : 0}/${this.lines.length}`;
  }
}

/** OSC 52: asks the user's terminal to put `text` on the clipboard (works over SSH; tmux needs set-clipboard on). */
export function osc52(text: string): string {
  return `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`;
}
