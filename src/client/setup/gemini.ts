// Gemini CLI: MCP servers in ~/.gemini/settings.json `mcpServers`, the user's instructions in ~/.gemini/GEMINI.md.
// GEMINI_CLI_HOME replaces the home directory that .gemini is in (0.61.0: homedir() in its storage module).
import { join } from 'node:path';
import { envIfAny, jsonMcp, type AgentSetup } from './agent.js';

export const gemini: AgentSetup = {
  id: 'gemini',
  title: 'Gemini CLI',
  files(env, home) {
    const dir = join(env.GEMINI_CLI_HOME || home, '.gemini');
    return { mcp: join(dir, 'settings.json'), instructions: join(dir, 'GEMINI.md') };
  },
  ...jsonMcp(['mcpServers'], (s) => ({ command: s.command, args: s.args, ...envIfAny('env', s.env) })),
};
