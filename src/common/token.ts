// The token that remote clients present (Authorization: Bearer). One per CODEWIRE_HOME, in `token` (0600).
import { join } from 'node:path';
import { crypto } from './builtins.js';
import { readPrivateFile, writePrivateFile } from './paths.js';

/** 32 random bytes: guessing is hopeless, and it stays short enough to paste. */
const TOKEN_BYTES = 32;

export function tokenPath(home: string): string {
  return join(home, 'token');
}

export function readToken(home: string): string | null {
  // Never through a symlink (a planted one is refused: paths.ts); a missing file: no token yet.
  const t = readPrivateFile(tokenPath(home))?.trim();
  return t ? t : null;
}

/** Writes a new token atomically (0600) and returns it. */
export function writeNewToken(home: string): string {
  const token = crypto().randomBytes(TOKEN_BYTES).toString('base64url');
  writePrivateFile(tokenPath(home), `${token}\n`);
  return token;
}

/** The token in force: CODEWIRE_TOKEN if set, else the file, created when missing. */
export function ensureToken(home: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.CODEWIRE_TOKEN) return env.CODEWIRE_TOKEN;
  return readToken(home) ?? writeNewToken(home);
}
