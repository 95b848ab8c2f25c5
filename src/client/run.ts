// Shared plumbing for commands: connecting, printing, and turning failures into one line and an exit code.
import type { SessionInfo } from '../protocol/index.js';
import type { Channel } from '../channel/channel.js';
import { ClientError, ExitCode } from '../channel/errors.js';

/** The global `--server` and `--token` options, set by main before a command runs. */
let globalOptions: { server?: string; token?: string } = {};

export function setGlobalOptions(o: { server?: string; token?: string }): void {
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

/** A channel to the daemon this command talks to: the local one (started when needed) or `--server`'s. */
export async function openChannel(): Promise<Channel> {
  // Loaded on demand: `cw version` and `cw --help` never pay for the protocol code, local commands not for ws.
  if (isRemote()) {
    const { resolveTarget, connectRemote } = await import('./remote.js');
    return (await connectRemote(resolveTarget(globalOptions.server, globalOptions.token)!)).channel;
  }
  const { connectLocal } = await import('./connect.js');
  return (await connectLocal()).channel;
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
    process.stderr.write(`cw: ${err.message}\n`);
    if (err.hint) process.stderr.write(`hint: ${err.hint}\n`);
    return err.exitCode;
  }
  process.stderr.write(`cw: ${(err as Error)?.stack ?? String(err)}\n`);
  return ExitCode.ERROR;
}

export function usage(message: string, hint?: string): ClientError {
  return new ClientError(message, hint, ExitCode.USAGE, 'usage');
}

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

/** "3s", "4m", "2h", "5d". */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

export function describeState(i: SessionInfo): string {
  if (i.state === 'exited') return i.signal ? `exited (${i.signal})` : `exited (${i.exitCode})`;
  return i.state;
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
