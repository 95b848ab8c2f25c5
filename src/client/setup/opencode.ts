// opencode: MCP servers in ~/.config/opencode/opencode.json `mcp` (a local server is `type: "local"` with the whole
// command line in one `command` array and its variables in `environment`), the user's instructions in
// ~/.config/opencode/AGENTS.md. XDG_CONFIG_HOME moves the folder. opencode merges config.json, opencode.json and
// opencode.jsonc from it, so cw keeps to opencode.json whichever others exist. OPENCODE_CONFIG_DIR adds a folder
// on top and moves neither file (1.18.33), so it is not followed.
import { join } from 'node:path';
import { envIfAny, jsonMcp, type AgentSetup } from './agent.js';

export const opencode: AgentSetup = {
  id: 'opencode',
  title: 'opencode',
  files(env, home) {
    const dir = join(env.XDG_CONFIG_HOME || join(home, '.config'), 'opencode');
    return { mcp: join(dir, 'opencode.json'), instructions: join(dir, 'AGENTS.md') };
  },
  ...jsonMcp(['mcp'], (s) => ({ type: 'local', command: [s.command, ...s.args], ...envIfAny('environment', s.env) })),
};
