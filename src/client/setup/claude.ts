// Claude Code: user-scope MCP servers in ~/.claude.json `mcpServers` (what `claude mcp add -s user` writes), the
// user's instructions in ~/.claude/CLAUDE.md. CLAUDE_CONFIG_DIR moves both: the JSON to $CLAUDE_CONFIG_DIR/.claude.json
// and the instructions to $CLAUDE_CONFIG_DIR/CLAUDE.md (as 2.1.332 reads them).
import { join } from 'node:path';
import { envIfAny, jsonMcp, type AgentSetup } from './agent.js';

export const claude: AgentSetup = {
  id: 'claude',
  title: 'Claude Code',
  files(env, home) {
    const dir = env.CLAUDE_CONFIG_DIR;
    return dir ? { mcp: join(dir, '.claude.json'), instructions: join(dir, 'CLAUDE.md') } : { mcp: join(home, '.claude.json'), instructions: join(home, '.claude', 'CLAUDE.md') };
  },
  ...jsonMcp(['mcpServers'], (s) => ({ type: 'stdio', command: s.command, args: s.args, ...envIfAny('env', s.env) })),
};
