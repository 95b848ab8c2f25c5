// Saved servers for `cw --server NAME`: ~/.codewire/servers.toml (0600: it holds tokens).
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'smol-toml';
import * as z from 'zod/mini';
import { ensurePrivateDir } from '../common/paths.js';
import { ClientError } from '../channel/errors.js';

/** Server names: safe as TOML keys and in messages. */
export const SERVER_NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;

const SavedServer = z.strictObject({
  url: z.string(),
  token: z.optional(z.string()),
  /** A CA bundle file to verify the server with, instead of the system roots. */
  ca: z.optional(z.string()),
  /** The server's own certificate (PEM), pinned by `cw server add --pin`: trusted exactly, nothing else. */
  cert: z.optional(z.string()),
  /** SHA-256 fingerprint of the pinned certificate, shown to the user. */
  fingerprint: z.optional(z.string()),
});
export type SavedServer = z.infer<typeof SavedServer>;

const ServersFile = z.strictObject({ servers: z._default(z.record(z.string(), SavedServer), {}) });

export function serversPath(home: string): string {
  return join(home, 'servers.toml');
}

export function loadServers(home: string): Record<string, SavedServer> {
  let text: string;
  try {
    text = readFileSync(serversPath(home), 'utf8');
  } catch {
    return {}; // none saved yet
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (err) {
    throw new ClientError(`${serversPath(home)}: ${(err as Error).message.split('\n')[0]}`, 'fix or delete the file');
  }
  const parsed = ServersFile.safeParse(raw);
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new ClientError(`${serversPath(home)}: ${i.path.join('.') || 'top level'}: ${i.message}`, 'fix or delete the file');
  }
  return parsed.data.servers;
}

export function saveServers(home: string, servers: Record<string, SavedServer>): void {
  ensurePrivateDir(home);
  const file = serversPath(home);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `# Saved servers for \`cw --server NAME\`; managed by \`cw server add|remove\`.\n${stringify({ servers })}\n`, { mode: 0o600 });
  renameSync(tmp, file);
}
