// Shared plumbing for commands: connecting, printing, and turning failures into one line and an exit code.
import type { Channel } from '../channel/channel.js';
import { ClientError, ExitCode, usage } from '../channel/errors.js';
import type { RemoteTarget } from './remote.js';
import { isDaemonError, withServer } from './remote-hint.js';

/** The global `--server`, `--token`, `--ca` and `--pin` options, set by main before a command runs. */
let globalOptions: { server?: string; token?: string; ca?: string; pin?: string } = {};

export function setGlobalOptions(o: { server?: string; token?: string; ca?: string; pin?: string }): void {
  globalOptions = o;
}

/**
 * A message target may name a saved server: `box:deploy` is session `deploy` on server `box`. Returns the
 * target for that daemon, switching this command to the server. `tag:T` and plain names stay local.
 */
export async function routeTarget(to: string): Promise<string> {
  const m = /^([a-zA-Z0-9][a-zA-Z0-9._-]{0,63}):(.+)$/.exec(to);
  if (!m || m[1] === 'tag') return to;
  const { loadServers } = await import('./servers.js');
  const { codewireHome } = await import('../common/paths.js');
  if (!(m[1]! in loadServers(codewireHome()))) return to;
  globalOptions = { ...globalOptions, server: m[1]! };
  return m[2]!;
}

/** True when this command goes to another machine's daemon (`--server` or CODEWIRE_SERVER). */
export function isRemote(): boolean {
  return !!(globalOptions.server ?? process.env.CODEWIRE_SERVER);
}

/** Which daemon to talk to, as explicit options (what the MCP server is handed, so it reads no CLI globals). */
export interface DaemonTarget {
  /** The home of this machine's daemon (CODEWIRE_HOME), where saved servers are too. */
  home: string;
  /** Another machine's daemon: its URL, token and trust (CA file, pinned certificate or fingerprint); null for this machine's. */
  remote: RemoteTarget | null;
}

/** The daemon this command talks to, from the global options and the environment (`--server`, `--token`, `--ca`, `--pin`). */
export async function daemonTarget(): Promise<DaemonTarget> {
  // Loaded on demand: `cw version` and `cw --help` never pay for the protocol code, local commands not for ws.
  const { codewireHome } = await import('../common/paths.js');
  if (!isRemote()) return { home: codewireHome(), remote: null };
  const { resolveTarget } = await import('./remote.js');
  return { home: codewireHome(), remote: resolveTarget(globalOptions.server, globalOptions.token, globalOptions) };
}

/** A channel to the daemon `t` names: this machine's for its home (started when needed), or the remote one. */
export async function openChannelTo(t: DaemonTarget): Promise<Channel> {
  if (t.remote) {
    const { connectRemote } = await import('./remote.js');
    return (await connectRemote(t.remote)).channel;
  }
  const { connectLocal } = await import('./connect.js');
  return (await connectLocal({ home: t.home })).channel;
}

/** A channel to the daemon this command talks to: the local one (started when needed) or `--server`'s. */
export async function openChannel(): Promise<Channel> {
  return openChannelTo(await daemonTarget());
}

/** Runs a command's body with a channel to the daemon; the process exits with the body's code. */
export async function withDaemon(body: (ch: Channel) => Promise<number | void>): Promise<void> {
  let code: number;
  try {
    const channel = await openChannel();
    try {
      code = (await body(channel)) ?? ExitCode.OK;
    } finally {
      channel.end();
    }
  } catch (err) {
    code = reportError(err);
  }
  process.exitCode = code;
}

export function reportError(err: unknown): number {
  if (err instanceof ClientError) {
    // Over --server NAME, a daemon's hint names the server in the commands it suggests.
    const server = isDaemonError(err.code) ? globalOptions.server : undefined;
    process.stderr.write(`cw: ${withServer(err.message, server)}\n`);
    if (err.hint) process.stderr.write(`hint: ${withServer(err.hint, server)}\n`);
    return err.exitCode;
  }
  process.stderr.write(`cw: ${(err as Error)?.stack ?? String(err)}\n`);
  return ExitCode.ERROR;
}

// Worded in channel/ and common/, where the MCP server finds them too; re-exported for the commands.
export { usage };
export { describeState, formatAge } from '../common/session-text.js';

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Writes to stdout and resolves once the bytes are handed off (so large outputs are not cut by an exit). */
export function writeOut(text: string | Uint8Array): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once('drain', () => resolve());
  });
}

export function say(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Pads columns; the last column is not padded. */
export function table(rows: string[][]): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length))).join('  '))
    .join('\n');
}

export function parseIntOption(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw usage(`${name} takes a whole number, got '${v}'`);
    return n;
  };
}

export function collect(v: string, prev: string[] = []): string[] {
  return [...prev, v];
}
