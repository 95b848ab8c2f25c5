// `cw mcp-server --print-config`: what to paste into Claude Code's and Codex's MCP configuration.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, delimiter, isAbsolute, join, resolve } from 'node:path';

export interface Launcher {
  command: string;
  args: string[];
}

function real(p: string): string | null {
  try {
    return realpathSync(p);
  } catch {
    return null;
  }
}

/** The `cw` on PATH, if it runs this very cw.js (a symlink to it, or install.sh's wrapper that names it). */
function installedCw(script: string): string | null {
  const target = real(script);
  if (!target) return null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir || !isAbsolute(dir)) continue;
    const cand = join(dir, 'cw');
    try {
      if (!existsSync(cand) || !statSync(cand).isFile()) continue;
      if (real(cand) === target) return cand;
      if (statSync(cand).size < 64 * 1024) {
        const text = readFileSync(cand, 'utf8');
        if (text.startsWith('#!') && (text.includes(target) || text.includes(resolve(script)))) return cand;
      }
    } catch {
      // unreadable: not ours
    }
  }
  return null;
}

/** How an MCP client should start this cw: its launcher, or else `node /abs/dist/cw.js`; `pre`: global options before `mcp-server`. */
export function launcher(argv1 = process.argv[1] ?? '', pre: readonly string[] = []): Launcher {
  const script = resolve(argv1);
  // Started through a launcher (an npm bin link, a wrapper): that is what users run.
  if (argv1 && !/\.[cm]?js$/.test(basename(script))) return { command: script, args: [...pre, 'mcp-server'] };
  const installed = installedCw(script);
  if (installed) return { command: installed, args: [...pre, 'mcp-server'] };
  return { command: process.execPath, args: [real(script) ?? script, ...pre, 'mcp-server'] };
}

/** Which daemon the configured MCP server is to serve: the same one this `cw` talks to. */
export interface ConfigTarget {
  /**
   * Variables the server needs that the agent would not pass: agents start MCP servers with an environment of their
   * own (Codex passes only a few variables), so a CODEWIRE_HOME that is not the default must be set here, or the
   * server would reach the default home's daemon. Never a secret.
   */
  env?: Readonly<Record<string, string>>;
  /** Global options for another machine's daemon (`--server NAME|URL`, `--ca FILE`, `--pin SHA256`), never a token. */
  serverArgs?: readonly string[];
  /** Lines for stderr: what was set and why, and where the server finds the token (never the token itself). */
  notes?: readonly string[];
}

const tomlString = (s: string): string => JSON.stringify(s);
const shellWord = (w: string): string => (/^[\w@%+=:,./-]+$/.test(w) ? w : `'${w.replace(/'/g, `'\\''`)}'`);

/** stdout: the JSON for Claude Code (parseable on its own); stderr: where it goes, and Codex's TOML. */
export function printConfig(t: ConfigTarget = {}): void {
  const l = launcher(process.argv[1], t.serverArgs);
  const env = Object.entries(t.env ?? {});
  const json = { mcpServers: { codewire: { command: l.command, args: l.args, ...(env.length ? { env: Object.fromEntries(env) } : {}) } } };
  process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  const toml = [
    '[mcp_servers.codewire]',
    `command = ${tomlString(l.command)}`,
    `args = [${l.args.map(tomlString).join(', ')}]`,
    ...(env.length ? [`env = { ${env.map(([k, v]) => `${k} = ${tomlString(v)}`).join(', ')} }`] : []),
  ].join('\n');
  const envWords = env.map(([k, v]) => `-e ${shellWord(`${k}=${v}`)} `).join('');
  const shellWords = [l.command, ...l.args].map(shellWord).join(' ');
  process.stderr.write(
    `\nClaude Code: merge the JSON above into .mcp.json (project) or ~/.claude.json, or run:\n  claude mcp add codewire ${envWords}-- ${shellWords}\n` +
      `Codex: add to ~/.codex/config.toml:\n${toml}\n` +
      (t.notes ?? []).map((n) => `${n}\n`).join(''),
  );
}
