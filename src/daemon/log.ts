// The daemon's diagnostics log: one line per event, appended to daemon.log (stderr too when in the foreground).
import { closeSync, openSync, writeSync } from 'node:fs';
import { APPEND_NOFOLLOW } from '../common/paths.js';

export class Logger {
  constructor(
    private readonly _file: string,
    private readonly _echo: boolean,
  ) {}

  private _write(level: string, msg: string): void {
    const line = `${new Date().toISOString()} ${level} ${msg}\n`;
    try {
      // Created 0600, and never through a symlink someone put in its place (the home is checked at start only).
      const fd = openSync(this._file, APPEND_NOFOLLOW, 0o600);
      try {
        writeSync(fd, line);
      } finally {
        closeSync(fd);
      }
    } catch {
      // A full disk must not take the daemon down because of its own diagnostics.
    }
    if (this._echo) process.stderr.write(line);
  }

  info(msg: string): void {
    this._write('info', msg);
  }

  warn(msg: string): void {
    this._write('warn', msg);
  }

  error(msg: string): void {
    this._write('error', msg);
  }
}
