// The token that remote clients present (Authorization: Bearer). One per CODEWIRE_HOME, in `token` (0600).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crypto } from './builtins.js';

/** 32 random bytes: guessing is hopeless, and it stays short enough to paste. */
const TOKEN_BYTES = 32;

export function tokenPath(home: string): string {
  return join(home, 'token');
}

export function readToken(home: string): string | null {
  try {
    const t = readFileSync(tokenPath(home), 'utf8').trim();
    return t.length > 0 ? t : null;
  } catch {
    return null; // no token yet
  }
}

/** Writes a new token atomically (0600) and returns it. */
export function writeNewToken(home: string): string {
  const token = crypto().randomBytes(TOKEN_BYTES).toString('base64url');
  const tmp = `${tokenPath(home)}.${process.pid}.tmp`;
  writeFileSync(tmp, `${token}\n`, { mode: 0o600 });
  renameSync(tmp, tokenPath(home));
  return token;
}

/** The token in force: CODEWIRE_TOKEN if set, else the file, created when missing. */
export function ensureToken(home: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.CODEWIRE_TOKEN) return env.CODEWIRE_TOKEN;
  return readToken(home) ?? writeNewToken(home);
}
