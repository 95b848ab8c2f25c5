// Codex: MCP servers as `[mcp_servers.NAME]` tables in ~/.codex/config.toml, the user's instructions in
// ~/.codex/AGENTS.md (AGENTS.override.md there, when it exists, is read instead). CODEX_HOME moves the folder.
// The table is edited as text (toml-edit.ts), so the user's comments and layout stay.
import { join } from 'node:path';
import { SERVER_NAME, type AgentSetup, type McpServer } from './agent.js';
import { same } from './same.js';
import { getTable, removeTable, setTable } from './toml-edit.js';

const PATH = ['mcp_servers', SERVER_NAME];

const str = (s: string): string => JSON.stringify(s); // a JSON string is a TOML basic string
const key = (k: string): string => (/^[A-Za-z0-9_-]+$/.test(k) ? k : str(k));

/** The table's text, header included, no final newline. */
export function codexTable(s: McpServer): string {
  const env = Object.entries(s.env);
  return [
    `[${PATH.join('.')}]`,
    `command = ${str(s.command)}`,
    `args = [${s.args.map(str).join(', ')}]`,
    ...(env.length ? [`env = { ${env.map(([k, v]) => `${key(k)} = ${str(v)}`).join(', ')} }`] : []),
  ].join('\n');
}

function expected(s: McpServer): Record<string, unknown> {
  return { command: s.command, args: s.args, ...(Object.keys(s.env).length ? { env: s.env } : {}) };
}

export const codex: AgentSetup = {
  id: 'codex',
  title: 'Codex',
  format: 'TOML',
  files(env, home) {
    const dir = env.CODEX_HOME || join(home, '.codex');
    return { mcp: join(dir, 'config.toml'), instructions: join(dir, 'AGENTS.md') };
  },
  install(text, s) {
    return codex.check(text, s) === 'installed' ? text : setTable(text, PATH, codexTable(s), expected(s));
  },
  uninstall: (text) => removeTable(text, PATH),
  check(text, s) {
    const have = getTable(text, PATH) as Record<string, unknown> | undefined;
    if (have === undefined) return 'missing';
    const { env, ...rest } = have;
    const norm = env && typeof env === 'object' && Object.keys(env).length ? have : rest;
    return same(norm, expected(s)) ? 'installed' : 'outdated';
  },
};
