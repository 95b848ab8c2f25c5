// cw mcp-server [--print-config]
import type { Command } from 'commander';
import { reportError } from '../run.js';

export function register(program: Command): void {
  program
    .command('mcp-server')
    .description('serve cw to AI agents over MCP (stdio): sessions, screens, waits and messages as tools')
    .option('--print-config', "print the JSON for Claude Code's MCP configuration (and Codex's TOML on stderr)")
    .addHelpText(
      'after',
      "\nRun inside a cw session, messages the server sends come from that session (CW_SESSION_TOKEN).\n\nExamples:\n  cw mcp-server --print-config\n  claude mcp add codewire -- cw mcp-server",
    )
    .action(async (o: { printConfig?: boolean }, cmd: Command) => {
      // The SDK is loaded only here, so other commands do not pay for it at start-up.
      if (o.printConfig) {
        const { printConfig } = await import('../../mcp/config.js');
        const g = cmd.optsWithGlobals<{ server?: string }>();
        printConfig(g.server ?? process.env.CODEWIRE_SERVER);
        return;
      }
      try {
        const { runMcpServer } = await import('../../mcp/server.js');
        await runMcpServer();
      } catch (err) {
        process.exitCode = reportError(err);
        process.exit();
      }
    });
}
