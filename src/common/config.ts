// ~/.codewire/config.toml: the daemon's settings, validated strictly (a typo is an error that names the key).
// Environment variables override the file: CODEWIRE_LISTEN, CODEWIRE_TOKEN.
// `[nats]` and `[fleet]` join the daemon to a fleet (src/fleet/node); `cw fleet` reads `[nats]` too.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'smol-toml';
import * as z from 'zod/mini';
import { readPrivateFile } from './paths.js';
import { redactUrl } from './redact.js';

const DaemonSection = z.strictObject({
  /** "9100" (loopback), "127.0.0.1:9100", "0.0.0.0:9100", "[::]:9100". */
  listen: z.optional(z.string()),
  tls_cert: z.optional(z.string()),
  tls_key: z.optional(z.string()),
  /** This daemon's node name in the fleet (a NATS subject token). Default: the hostname, sanitised. */
  name: z.optional(z.string().check(z.regex(/^[a-zA-Z0-9_-]{1,64}$/, 'names are 1-64 of [a-zA-Z0-9_-] (they are NATS subject tokens)'))),
  /** The URL other machines attach to (`cw fleet attach`): ws:// or wss://. Default: the listener's own URL. */
  external_url: z.optional(z.string().check(z.regex(/^wss?:\/\/[^\s/]+/i, 'must be a ws:// or wss:// URL, e.g. wss://gpu-box.example:9100'))),
  /** Sessions found lost when the daemon starts (it died, the machine rebooted): which to start again. Default "none". */
  revive_lost: z.optional(z.enum(['none', 'agents', 'all'])),
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

const UiSection = z.strictObject({
  /** The dashboard's loopback port when [daemon] listen gives none (default: the one used last, else a free one). */
  port: z.optional(z.int().check(z.minimum(1), z.maximum(65535))),
});

/** What a notification can be about ([notify] on): docs/notify.md. */
export const NOTIFY_KINDS = ['waiting', 'turn-done', 'failed', 'message'] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];

const NotifySection = z.strictObject({
  /** Run with `sh -c`, the notification as JSON on stdin. */
  command: z.optional(z.string().check(z.minLength(1))),
  /** POSTed to (ntfy-style: plain-text body, Title/Priority/Tags headers). */
  url: z.optional(z.string().check(z.regex(/^https?:\/\/[^\s/]+\S*$/i, 'must be an http:// or https:// URL'))),
  desktop: z.optional(z.boolean()),
  bell: z.optional(z.boolean()),
  on: z.optional(z.array(z.enum(NOTIFY_KINDS))),
});

const WorktreeSection = z.strictObject({
  /** Where `cw launch --worktree` puts worktrees: relative to the repository's root, or absolute. Default ".cw/worktrees". */
  dir: z.optional(z.string().check(z.minLength(1))),
});

/** `cw attach` (read by the CLI): the prefix key, the notice on attach, the size among several clients, the wheel. */
const AttachSection = z.strictObject({
  /** The prefix key: C-a, ^a (checked by the CLI, which says what it takes). Default C-b. */
  prefix: z.optional(z.string()),
  /** false: no one-line notice on attach (as `cw attach --quiet`). */
  notice: z.optional(z.boolean()),
  /** tmux's window-size: "latest" (the latest client that typed sets the size) or "smallest" (fits every client). */
  size: z.optional(z.enum(['latest', 'smallest'])),
  /** false: leave the mouse to the terminal (its own selection); true (default): the wheel opens the scrollback view. */
  mouse: z.optional(z.boolean()),
  /** false: keystrokes go through the daemon; true (default): a local attach writes them into the pty itself. */
  direct_input: z.optional(z.boolean()),
});

const ConfigFile = z.strictObject({ attach: z.optional(AttachSection), daemon: z.optional(DaemonSection), nats: z.optional(NatsSection), fleet: z.optional(FleetSection), agents: z.optional(AgentsSection), ui: z.optional(UiSection), worktree: z.optional(WorktreeSection), notify: z.optional(NotifySection) });

/** [notify]: where notifications go and what they are about (src/daemon/notify.ts). */
export interface NotifyConfig {
  command?: string;
  url?: string;
  desktop: boolean;
  bell: boolean;
  /** Default: waiting and failed (the two that need a person). */
  on: NotifyKind[];
}

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

export interface AttachConfig {
  prefix?: string;
  notice?: boolean;
  size?: 'latest' | 'smallest';
  mouse?: boolean;
  direct_input?: boolean;
}

export interface DaemonConfig {
  /** [attach]: `cw attach`'s settings (the CLI reads them; the daemon ignores them). */
  attach?: AttachConfig;
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
  /** [daemon] revive_lost: which sessions found lost at start are started again (default none). */
  reviveLost?: 'none' | 'agents' | 'all';
  /** [ui] port: the dashboard's loopback port when no listener is configured. */
  uiPort?: number;
  /** [worktree] dir: where `cw launch --worktree` puts worktrees (relative to the repository, or absolute). */
  worktreeDir?: string;
  /** Present when config.toml has a [notify] section. */
  notify?: NotifyConfig;
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
    if (d.revive_lost !== undefined) out.reviveLost = d.revive_lost;
    if (parsed.data.agents?.hooks !== undefined) out.agentHooks = parsed.data.agents.hooks;
    if (parsed.data.ui?.port !== undefined) out.uiPort = parsed.data.ui.port;
    if (parsed.data.attach) out.attach = { ...parsed.data.attach };
    if (parsed.data.worktree?.dir !== undefined) out.worktreeDir = expandHome(parsed.data.worktree.dir);
    const nt = parsed.data.notify;
    if (nt) {
      out.notify = {
        ...(nt.command !== undefined ? { command: nt.command } : {}),
        ...(nt.url !== undefined ? { url: nt.url } : {}),
        desktop: nt.desktop ?? false,
        bell: nt.bell ?? false,
        on: [...new Set<NotifyKind>(nt.on ?? ['waiting', 'failed'])],
      };
    }
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

/** Credentials given in nats.url (or --nats) itself, the way every NATS client takes them. */
export interface NatsUrlAuth {
  user?: string;
  password?: string;
  token?: string;
}

/**
 * A nats.url value → the servers without credentials (what the client is given, and all cw ever prints) and the
 * credentials they carried: nats://USER:PASSWORD@HOST:PORT, or nats://TOKEN@HOST:PORT (a user without a
 * password is a token, as in the Go client). Percent-escapes are decoded. Servers that carry credentials must
 * carry the same ones: the client has one set for the whole cluster. Throws ConfigError; its message never
 * shows a credential.
 */
export function parseNatsUrls(text: string, what = 'nats.url'): { servers: string[]; auth: NatsUrlAuth | null } {
  const servers: string[] = [];
  let auth: NatsUrlAuth | null = null;
  let authFrom = '';
  for (const given of text.split(',').map((u) => u.trim()).filter((u) => u.length > 0)) {
    const scheme = /^(nats|tls):\/\//i.exec(given)?.[0] ?? '';
    const rest = given.slice(scheme.length);
    const at = rest.lastIndexOf('@');
    const hostPort = rest.slice(at + 1);
    if (!/^[^\s/@]+$/.test(hostPort) || /[\s/]/.test(rest)) {
      throw new ConfigError(`${what}: '${redactUrl(given)}' is not nats://HOST:PORT, tls://HOST:PORT or HOST:PORT`);
    }
    servers.push(scheme + hostPort);
    if (at < 0) continue;
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    let decoded: NatsUrlAuth;
    try {
      const user = decodeURIComponent(colon < 0 ? userinfo : userinfo.slice(0, colon));
      const password = colon < 0 ? '' : decodeURIComponent(userinfo.slice(colon + 1));
      decoded = password === '' ? { token: user } : { user, password };
    } catch {
      throw new ConfigError(`${what}: the credentials in '${redactUrl(given)}' have a bad %-escape`);
    }
    if (decoded.token === '') throw new ConfigError(`${what}: '${redactUrl(given)}' has an empty user and password before '@'`);
    if (auth && (auth.user !== decoded.user || auth.password !== decoded.password || auth.token !== decoded.token)) {
      throw new ConfigError(`${what}: '${redactUrl(authFrom)}' and '${redactUrl(given)}' carry different credentials`);
    }
    auth = decoded;
    authFrom = given;
  }
  if (servers.length === 0) throw new ConfigError(`${what}: no server given`);
  return { servers, auth };
}

/** Credentials from a URL take the place of every other way cfg authenticates (the URL names them for these servers). */
export function withNatsUrlAuth(cfg: NatsConfig, auth: NatsUrlAuth | null): NatsConfig {
  if (!auth) return cfg;
  const out: NatsConfig = { ...cfg };
  delete out.credsFile;
  delete out.token;
  delete out.user;
  delete out.password;
  return { ...out, ...auth };
}

/**
 * [nats]: one way to authenticate at most; user goes with password. Credentials in nats.url win over the
 * token, user and password keys (as with the Go client); with creds_file they are an error (JWTs and passwords
 * are different set-ups, so one of the two is a mistake).
 */
function natsConfig(file: string, n: z.infer<typeof NatsSection>): NatsConfig {
  const ways = [n.creds_file !== undefined, n.token !== undefined, n.user !== undefined || n.password !== undefined].filter(Boolean).length;
  if (ways > 1) throw new ConfigError(`${file}: nats: give one of creds_file, token, or user and password`);
  if ((n.user === undefined) !== (n.password === undefined)) throw new ConfigError(`${file}: nats: user and password go together`);
  if ((n.tls_cert === undefined) !== (n.tls_key === undefined)) throw new ConfigError(`${file}: nats: tls_cert and tls_key go together`);
  let parsed: ReturnType<typeof parseNatsUrls>;
  try {
    parsed = parseNatsUrls(n.url);
  } catch (err) {
    throw new ConfigError(`${file}: ${(err as Error).message}`);
  }
  if (parsed.auth && n.creds_file !== undefined) throw new ConfigError(`${file}: nats: credentials in nats.url and creds_file: give one of them`);
  const cfg: NatsConfig = {
    servers: parsed.servers,
    ...(n.creds_file !== undefined ? { credsFile: expandHome(n.creds_file) } : {}),
    ...(n.token !== undefined ? { token: n.token } : {}),
    ...(n.user !== undefined ? { user: n.user, password: n.password ?? '' } : {}),
    ...(n.tls_ca !== undefined ? { tlsCa: expandHome(n.tls_ca) } : {}),
    ...(n.tls_cert !== undefined ? { tlsCert: expandHome(n.tls_cert) } : {}),
    ...(n.tls_key !== undefined ? { tlsKey: expandHome(n.tls_key) } : {}),
  };
  return withNatsUrlAuth(cfg, parsed.auth);
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
