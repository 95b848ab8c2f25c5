// A session's identity token (CW_SESSION_TOKEN): given to its program, stored only as a hash, so a message can
// name its sender session and a peer cannot forge one by guessing.
import { createHash, randomBytes } from 'node:crypto';
import { SESSION_TOKEN_BYTES } from './limits.js';

export function newSessionToken(): string {
  return randomBytes(SESSION_TOKEN_BYTES).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
