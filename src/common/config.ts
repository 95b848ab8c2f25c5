// ~/.codewire/config.toml: the daemon's settings, validated strictly (a typo is an error that names the key).
// Environment variables override the file: CODEWIRE_LISTEN, CODEWIRE_TOKEN.
// `[nats]` and `[fleet]` join the daemon to a fleet (src/fleet/node); `cw fleet` reads `[nats]` too.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import * as z from 'zod/mini';
import { readPrivateFile } from './paths.js';

const DaemonSection = z.strictObject({
  /** "9100" (loopback), "127.0.0.1:9100", "0.0.0.0:9100", "[::]:9100". */
  listen: z.optional(z.string()),
  tls_cert: z.optional(z.string()),
  tls_key: z.optional(z.string()),
  /** This daemon's node name in the fleet (a NATS subject token). Default: the hostname, sanitised. */
  name: z.optional(z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,64}$/, 'names are 1-64 of [a-zA-Z0-9_-] (they are NATS subject tokens)'))),
  /** The URL other machines attach to (`cw fleet attach`): ws:// or wss://. Default: the listener's own URL. */
  external_url: z.optional(z.string().check(z.regex(/^wss?:\/\/[^\s/]+/i, 'must be a ws:// or wss:// URL, e.g. wss://gpu-box.example:9100'))),
});

const NatsSection = z.strictObject({
  /** One server or several, comma-separated: nats://host:4222, tls://host:4222, host:4222. */
  url: z.string().check(z.minLength(1)),
  creds_file: z.optional(z.string().check(z.minLength(1))),
  token: z.optional(z.string().check(z.minLength(1))),
  user: z.optional(z.string().check(z.minLength(1))),
  password: z.optional(z.string()),
  /** TLS to NATS: a CA bundle to verify the server with; a client certificate and key when the server asks for one. */
  tls_ca: z.optional(z.string().check(z.minLength(1))),
  tls_cert: z.optional(z.string().check(z.minLength(1))),
  tls_key: z.optional(z.string().check(z.minLength(1))),
});

const FleetSection = z.strictObject({
  /** false: this daemon stays out of the fleet; `cw fleet` on this machine still uses [nats]. */
  join: z.optional(z.boolean()),
  allow_launch: z.optional(z.boolean()),
  allow_kill: z.optional(z.boolean()),
  /** Typing into a session over the fleet (`cw fleet send`): into a shell, that runs commands. */
  allow_send: z.optional(z.boolean()),
  heartbeat_ms: z.optional(z.int().check(z.minimum(100), z.maximum(600_000))),
  expiry_ms: z.optional(z.int().check(z.minimum(200), z.maximum(3_600_000))),
});

const AgentsSection = z.strictObject({
  /** false: never add the agents' own hooks/notify to their command line (as `cw launch --no-hooks` for every launch). */
  hooks: z.optional(z.boolean()),
});

const ConfigFile = z.strictObject({ daemon: z.optional(DaemonSection), nats: z.optional(NatsSection), fleet: z.optional(FleetSection), agents: z.optional(AgentsSection) });

export interface NatsConfig {
  servers: string[];
  credsFile?: string;
  token?: string;
  user?: string;
  password?: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export interface FleetConfig {
  join: boolean;
  allowLaunch: boolean;
  allowKill: boolean;
  allowSend: boolean;
  /** Absent: the defaults in src/common/fleet/subjects.ts. */
  heartbeatMs?: number;
  expiryMs?: number;
}

export interface DaemonConfig {
  listen?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** The fleet node name, as configured (the fleet agent defaults it from the hostname). */
  name?: string;
  externalUrl?: string;
  /** Present when config.toml has a [nats] section. */
  nats?: NatsConfig;
  fleet?: FleetConfig;
  /** [agents] hooks: add the agents' own hooks/notify to the runs cw launches (default true). */
  agentHooks?: boolean;
}

/** `~` and `~/...` → the user's home directory (paths in config.toml). */
export function expandHome(path: string): string {
  if (path === '~') return homedir();
  if (path.startsWith('~/')) return join(homedir(), path.slice(2));
  return path;
}

export class ConfigError extends Error {}

/** Reads and validates config.toml (absent file: empty config) and applies the environment overrides. */
export function loadDaemonConfig(home: string, env: NodeJS.ProcessEnv = process.env): DaemonConfig {
  const file = join(home, 'config.toml');
  let text: string | null = null;
  try {
    // Never through a symlink: a planted config.toml could name a listen address (paths.ts checks the home).
    text = readPrivateFile(file);
  } catch (err) {
    throw new ConfigError(`cannot read ${file}: ${(err as Error).message}`);
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
    if (d.tls_cert !== undefined) out.tlsCert = expandHome(d.tls_cert);
    if (d.tls_key !== undefined) out.tlsKey = expandHome(d.tls_key);
    if (d.name !== undefined) out.name = d.name;
    if (d.external_url !== undefined) out.externalUrl = d.external_url;
    if (parsed.data.agents?.hooks !== undefined) out.agentHooks = parsed.data.agents.hooks;
    const n = parsed.data.nats;
    if (n) out.nats = natsConfig(file, n);
    const f = parsed.data.fleet ?? {};
    out.fleet = {
      join: f.join ?? true,
      allowLaunch: f.allow_launch ?? true,
      allowKill: f.allow_kill ?? true,
      allowSend: f.allow_send ?? true,
      ...(f.heartbeat_ms !== undefined ? { heartbeatMs: f.heartbeat_ms } : {}),
      ...(f.expiry_ms !== undefined ? { expiryMs: f.expiry_ms } : {}),
    };
    const hb = out.fleet.heartbeatMs;
    if (hb !== undefined && out.fleet.expiryMs !== undefined && out.fleet.expiryMs < 2 * hb) {
      throw new ConfigError(`${file}: fleet.expiry_ms must be at least twice fleet.heartbeat_ms (one lost heartbeat must not drop a node)`);
    }
  }
  if (env.CODEWIRE_LISTEN) out.listen = env.CODEWIRE_LISTEN;
  return out;
}

/** [nats]: one way to authenticate at most; user goes with password. */
function natsConfig(file: string, n: z.infer<typeof NatsSection>): NatsConfig {
  const ways = [n.creds_file !== undefined, n.token !== undefined, n.user !== undefined || n.password !== undefined].filter(Boolean).length;
  if (ways > 1) throw new ConfigError(`${file}: nats: give one of creds_file, token, or user and password`);
  if ((n.user === undefined) !== (n.password === undefined)) throw new ConfigError(`${file}: nats: user and password go together`);
  if ((n.tls_cert === undefined) !== (n.tls_key === undefined)) throw new ConfigError(`${file}: nats: tls_cert and tls_key go together`);
  const servers = n.url.split(',').map((u) => u.trim()).filter((u) => u.length > 0);
  for (const u of servers) {
    if (!/^((nats|tls):\/\/)?[^\s/]+$/i.test(u)) throw new ConfigError(`${file}: nats.url: '${u}' is not nats://HOST:PORT, tls://HOST:PORT or HOST:PORT`);
  }
  if (servers.length === 0) throw new ConfigError(`${file}: nats.url: no server given`);
  return {
    servers,
    ...(n.creds_file !== undefined ? { credsFile: expandHome(n.creds_file) } : {}),
    ...(n.token !== undefined ? { token: n.token } : {}),
    ...(n.user !== undefined ? { user: n.user, password: n.password ?? '' } : {}),
    ...(n.tls_ca !== undefined ? { tlsCa: expandHome(n.tls_ca) } : {}),
    ...(n.tls_cert !== undefined ? { tlsCert: expandHome(n.tls_cert) } : {}),
    ...(n.tls_key !== undefined ? { tlsKey: expandHome(n.tls_key) } : {}),
  };
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
