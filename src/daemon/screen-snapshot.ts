// The daemon's view of a session's terminal at one moment, as the headless terminal holds it.
// Pure data: produced by the screen worker, consumed by activity inference, `cw screen` and `last-message`.

export interface ScreenSnapshot {
  cols: number;
  rows: number;
  /** Visible rows, top to bottom, each `translateToString(true)` (trailing blanks trimmed). */
  lines: string[];
  /** Cursor position within the visible rows (0-based). */
  cursor: { x: number; y: number };
  /** Last window title set with OSC 0 or OSC 2 ('' when never set). */
  title: string;
  /** True while the alternate screen buffer is active (full-screen TUIs such as opencode). */
  altScreen: boolean;
  /** Last OSC 9;4 progress report: state 0 = none/removed, 1 = normal, 2 = error, 3 = indeterminate, 4 = paused. */
  progress?: { state: number; value: number };
  /** The last OSC 7501 state report the program sent (its own word on its state), raw, if any. */
  appState?: string;
  /** Epoch ms of the last BEL outside of an OSC/DCS string, if any. */
  lastBellAt?: number;
  /** The program turned on bracketed paste (DECSET 2004): a paste can be wrapped in ESC[200~ … ESC[201~. */
  bracketedPaste?: boolean;
}
