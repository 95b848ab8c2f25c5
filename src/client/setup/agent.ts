// What `cw setup` knows about one agent: where its user configuration lives, and how cw's MCP server is written
// into it. Each agent's module is pure (text in, text out); src/client/commands/setup.ts does the file work.
import { getAt, removeAt, setAt } from './json-edit.js';
import type { ItemState } from './marked-block.js';
import { same } from './same.js';

export type { ItemState } from './marked-block.js';

/** The name cw's MCP server has in every agent's configuration (its tools show as mcp__cw__list_sessions and so on). */
export const SERVER_NAME = 'cw';

/** How the agent starts cw's MCP server: absolute paths, and the variables it must be given (CODEWIRE_HOME). */
export interface McpServer {
  command: string;
  args: string[];
  env: Record<string, string>;
}

export interface AgentFiles {
  /** The user-scope file that lists MCP servers. */
  mcp: string;
  /** The user-scope instruction file the agent reads at every start. */
  instructions: string;
}

export interface AgentSetup {
  id: string;
  title: string;
  /** The agent's files for this environment (its home override variables) and home directory. */
  files(env: NodeJS.ProcessEnv, home: string): AgentFiles;
  install(text: string, server: McpServer): string;
  /** The text without cw's server; '' when nothing else is left. */
  uninstall(text: string): string;
  check(text: string, server: McpServer): ItemState;
  /** The format of the MCP file, for messages. */
  format: 'JSON' | 'TOML';
}

/** An empty env object is the same as none (an agent that rewrites its file may add or drop one). */
function normalise(v: unknown): unknown {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return v;
  return Object.fromEntries(Object.entries(v).filter(([, x]) => !(typeof x === 'object' && x !== null && !Array.isArray(x) && Object.keys(x).length === 0)));
}

/** An agent whose MCP servers are members of a JSON object at `path` (`mcpServers`, opencode's `mcp`). */
export function jsonMcp(path: readonly string[], entry: (s: McpServer) => Record<string, unknown>): Pick<AgentSetup, 'install' | 'uninstall' | 'check' | 'format'> {
  const at = [...path, SERVER_NAME];
  return {
    format: 'JSON',
    install: (text, s) => (check(text, s) === 'installed' ? text : setAt(text, at, entry(s))),
    uninstall: (text) => removeAt(text, at),
    check,
  };
  function check(text: string, s: McpServer): ItemState {
    const have = getAt(text, at);
    if (have === undefined) return 'missing';
    return same(normalise(have), normalise(entry(s))) ? 'installed' : 'outdated';
  }
}

/** `env` when it has variables, else nothing (the agents' own `mcp add` commands write none either). */
export const envIfAny = (key: string, env: Record<string, string>): Record<string, unknown> => (Object.keys(env).length ? { [key]: env } : {});
