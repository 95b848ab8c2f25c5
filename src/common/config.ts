// ~/.codewire/config.toml: the daemon's settings, validated strictly (a typo is an error that names the key).
// Environment variables override the file: CODEWIRE_LISTEN, CODEWIRE_TOKEN.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import * as z from 'zod/mini';

const DaemonSection = z.strictObject({
  /** "9100" (loopback), "127.0.0.1:9100", "0.0.0.0:9100", "[::]:9100". */
  listen: z.optional(z.string()),
  tls_cert: z.optional(z.string()),
  tls_key: z.optional(z.string()),
});

const ConfigFile = z.strictObject({ daemon: z.optional(DaemonSection) });

export interface DaemonConfig {
  listen?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export class ConfigError extends Error {}

/** Reads and validates config.toml (absent file: empty config) and applies the environment overrides. */
export function loadDaemonConfig(home: string, env: NodeJS.ProcessEnv = process.env): DaemonConfig {
  const file = join(home, 'config.toml');
  let text: string | null = null;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
  }
  const out: DaemonConfig = {};
  if (text !== null) {
    let raw: unknown;
    try {
      raw = parse(text);
    } catch (err) {
      throw new ConfigError(`${file}: ${(err as Error).message.split('\n')[0]}`);
    }
    const parsed = ConfigFile.safeParse(raw);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      const where = issue.path.length ? issue.path.join('.') : 'top level';
      const detail = issue.code === 'unrecognized_keys' ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `'${k}'`).join(', ')}` : issue.message;
      throw new ConfigError(`${file}: ${where}: ${detail}`);
    }
    const d = parsed.data.daemon ?? {};
    if (d.listen !== undefined) out.listen = d.listen;
    if (d.tls_cert !== undefined) out.tlsCert = d.tls_cert;
    if (d.tls_key !== undefined) out.tlsKey = d.tls_key;
  }
  if (env.CODEWIRE_LISTEN) out.listen = env.CODEWIRE_LISTEN;
  return out;
}

export interface ListenAddress {
  host: string;
  port: number;
}

/** "9100" → 127.0.0.1:9100; "host:port"; "[v6]:port". */
export function parseListen(value: string): ListenAddress {
  const v = value.trim();
  let host = '127.0.0.1';
  let portText = v;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(v);
  if (v6) {
    host = v6[1]!;
    portText = v6[2]!;
  } else if (v.includes(':')) {
    const i = v.lastIndexOf(':');
    host = v.slice(0, i) || '127.0.0.1';
    portText = v.slice(i + 1);
  }
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port < 0 || port > 65535) throw new ConfigError(`listen: '${value}' is not PORT or HOST:PORT`);
  return { host, port };
}

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}
