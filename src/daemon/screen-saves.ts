// Screen saves: the screen of each running session with new output, every SCREEN_SAVE_INTERVAL_MS, and the last
// screen of a session that ended, so `cw screen` and `cw last-message` still work after the end (or a crash).
import { ATTACH_SCROLLBACK_LINES, LAST_SCREEN_MAX_BYTES, SCREEN_SAVE_INTERVAL_MS } from './limits.js';
import type { Logger } from './log.js';
import type { Persist } from './persist.js';
import type { Session } from './session.js';
import type { Store } from './store.js';

/** Saved at the end of a session so `cw screen` and `cw last-message` still work afterwards. */
export interface SavedScreen {
  text: string;
  ansi: string;
  lines: string[];
  cols: number;
  rows: number;
  cursor: { x: number; y: number };
}

type SessionScreen = NonNullable<ReturnType<Session['takeEndedScreen']>>;

export interface ScreenSavesDeps {
  store: Store;
  log: Logger;
  persist: Persist;
  running(): Session[];
  /** False once a session was removed: its screen is no longer saved. */
  known(id: number): boolean;
}

export class ScreenSaves {
  private readonly _timer: NodeJS.Timeout;
  /** Output byte count at each running session's last screen save. */
  private readonly _saved = new Map<number, number>();
  /** Sessions that ended and whose last screen is being saved: readers wait for it rather than find nothing. */
  private readonly _finalSaves = new Map<number, Promise<void>>();

  constructor(private readonly _d: ScreenSavesDeps) {
    this._timer = setInterval(() => void this._saveChanged(), SCREEN_SAVE_INTERVAL_MS);
    this._timer.unref();
  }

  /** Saves the last screen of a session that just ended, then closes that screen. */
  saveFinal(s: Session): void {
    this._saved.delete(s.id);
    const screen = s.takeEndedScreen();
    if (screen) {
      const saving = this._save(s.id, screen).finally(() => {
        screen.close();
        this._finalSaves.delete(s.id);
      });
      this._finalSaves.set(s.id, saving);
    }
  }

  /** The saved last screen of an ended session, once its final save (if one is under way) is done. */
  async final(id: number): Promise<SavedScreen | null> {
    await this._finalSaves.get(id);
    return this.saved(id);
  }

  saved(id: number): SavedScreen | null {
    const raw = this._d.store.lastScreen(id);
    if (!raw) return null;
    try {
      return JSON.parse(raw) as SavedScreen;
    } catch {
      return null; // an unreadable saved screen is reported as none
    }
  }

  stop(): void {
    clearInterval(this._timer);
  }

  private async _saveChanged(): Promise<void> {
    for (const s of this._d.running()) {
      const screen = s.screen;
      if (!screen || this._saved.get(s.id) === s.row.outputBytes) continue;
      this._saved.set(s.id, s.row.outputBytes);
      await this._save(s.id, screen);
    }
  }

  private async _save(id: number, screen: SessionScreen): Promise<void> {
    try {
      const [snap, ansi, lines] = await Promise.all([screen.snapshot(), screen.serialize(0), screen.lines(ATTACH_SCROLLBACK_LINES)]);
      const saved: SavedScreen = {
        text: screenText(snap.lines),
        ansi: ansi.length > LAST_SCREEN_MAX_BYTES ? '' : ansi,
        lines: trimToBytes(lines, LAST_SCREEN_MAX_BYTES),
        cols: snap.cols,
        rows: snap.rows,
        cursor: snap.cursor,
      };
      if (this._d.known(id)) this._d.persist(`screen of session ${id}`, () => this._d.store.saveLastScreen(id, JSON.stringify(saved)));
    } catch (err) {
      this._d.log.warn(`session ${id}: could not save the last screen: ${(err as Error).message}`);
    }
  }
}

/** Visible rows as text, trailing blank rows dropped. */
export function screenText(lines: string[]): string {
  let end = lines.length;
  while (end > 0 && lines[end - 1]!.trim() === '') end--;
  return lines.slice(0, end).join('\n');
}

function trimToBytes(lines: string[], max: number): string[] {
  let total = 0;
  let i = lines.length;
  while (i > 0 && total + lines[i - 1]!.length + 1 <= max) total += lines[--i]!.length + 1;
  return lines.slice(i);
}
