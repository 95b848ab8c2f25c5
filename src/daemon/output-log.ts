// A session's output log: raw pty bytes, append-only, rotated at a size cap with one rotated file kept.
// Writes are synchronous: they land in the page cache in microseconds, and make "every byte is in the log" true
// the moment a chunk has been handled (the same call that hands it to the clients and the screen).
import { closeSync, existsSync, fstatSync, openSync, readSync, renameSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const LOG_FILE = 'output.log';
export const ROTATED_LOG_FILE = 'output.log.1';

export class OutputLog {
  private _fd: number | null;
  private _size: number;
  /** First write error (e.g. ENOSPC); output keeps flowing to the screen and clients meanwhile. */
  private _error: string | null = null;

  constructor(
    private readonly _dir: string,
    private readonly _rotateBytes: number,
    private readonly _onError: (message: string) => void,
  ) {
    this._fd = openSync(join(_dir, LOG_FILE), 'a', 0o600);
    this._size = fstatSync(this._fd).size;
  }

  get error(): string | null {
    return this._error;
  }

  append(chunk: Uint8Array): void {
    if (this._fd === null) return;
    try {
      if (this._size + chunk.length > this._rotateBytes && this._size > 0) this._rotate();
      let off = 0;
      while (off < chunk.length) off += writeSync(this._fd, chunk, off, chunk.length - off);
      this._size += chunk.length;
      if (this._error) this._error = null;
    } catch (err) {
      // A full disk must not kill the session: the bytes still reach the screen and the clients. Report once per
      // episode; the next successful write clears it.
      const message = `log write failed: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      if (this._error === null) this._onError(message);
      this._error = message;
    }
  }

  private _rotate(): void {
    closeSync(this._fd!);
    this._fd = null;
    renameSync(join(this._dir, LOG_FILE), join(this._dir, ROTATED_LOG_FILE));
    this._fd = openSync(join(this._dir, LOG_FILE), 'a', 0o600);
    this._size = 0;
  }

  close(): void {
    if (this._fd !== null) closeSync(this._fd);
    this._fd = null;
  }
}

/** The log files of a session directory, oldest first, with their sizes (reads work after the session ended). */
export function logFiles(dir: string): { path: string; size: number }[] {
  const out: { path: string; size: number }[] = [];
  for (const name of [ROTATED_LOG_FILE, LOG_FILE]) {
    const path = join(dir, name);
    if (existsSync(path)) out.push({ path, size: statSync(path).size });
  }
  return out;
}

/** A byte range of one log file, held open so a rotation while it is being read changes nothing. */
export interface LogSegment {
  fd: number;
  from: number;
  to: number;
}

/**
 * Opens the logs for reading their last `lines` lines (all of them when undefined), up to their size at this
 * moment. Called in the same tick as a follower is registered: log writes are synchronous on this thread, so
 * history and live output meet exactly, with nothing lost or repeated.
 */
export function openLogRange(dir: string, lines: number | undefined): LogSegment[] {
  const segs: LogSegment[] = [];
  for (const f of logFiles(dir)) {
    try {
      segs.push({ fd: openSync(f.path, 'r'), from: 0, to: f.size });
    } catch {
      // Rotated away between the listing and the open: its bytes are in the newer file's history anyway.
    }
  }
  if (lines === undefined) return segs;
  if (lines === 0) {
    for (const seg of segs) seg.from = seg.to;
    return segs;
  }
  const BLOCK = 64 * 1024;
  let newlines = 0;
  let first = true;
  for (let i = segs.length - 1; i >= 0; i--) {
    const seg = segs[i]!;
    let pos = seg.to;
    while (pos > 0) {
      const len = Math.min(BLOCK, pos);
      pos -= len;
      const buf = Buffer.allocUnsafe(len);
      readSync(seg.fd, buf, 0, len, pos);
      for (let j = len - 1; j >= 0; j--) {
        if (buf[j] !== 0x0a) {
          first = false;
          continue;
        }
        // A newline that ends the log ends its last line; it does not start an empty one.
        if (first) {
          first = false;
          continue;
        }
        if (++newlines >= lines) {
          seg.from = pos + j + 1;
          for (const old of segs.splice(0, i)) closeSync(old.fd);
          return segs;
        }
      }
    }
  }
  return segs;
}

/**
 * Opens the logs for reading their last `bytes` bytes (what they hold of them: a rotation may have dropped the
 * oldest), up to their size at this moment; the same-tick rule of openLogRange applies.
 */
export function openLogTail(dir: string, bytes: number): LogSegment[] {
  const segs = openLogRange(dir, undefined);
  let want = Math.max(0, bytes);
  for (let i = segs.length - 1; i >= 0; i--) {
    const seg = segs[i]!;
    const size = seg.to - seg.from;
    if (want >= size) {
      want -= size;
      continue;
    }
    seg.from = seg.to - want;
    for (const old of segs.splice(0, i)) closeSync(old.fd);
    return segs;
  }
  return segs;
}

/** Reads up to `max` bytes of a segment from its current position, advancing it; null at its end. */
export function readSegment(seg: LogSegment, max: number): Buffer | null {
  if (seg.from >= seg.to) return null;
  const len = Math.min(max, seg.to - seg.from);
  const buf = Buffer.allocUnsafe(len);
  const n = readSync(seg.fd, buf, 0, len, seg.from);
  if (n <= 0) return null;
  seg.from += n;
  return n === len ? buf : buf.subarray(0, n);
}

export function closeSegments(segs: LogSegment[]): void {
  for (const s of segs) {
    try {
      closeSync(s.fd);
    } catch {
      // already closed
    }
  }
  segs.length = 0;
}
