// cw mcp-server [--print-config]
import type { Command } from 'commander';
import { resolve } from 'node:path';
import { codewireHome, defaultCodewireHome } from '../../common/paths.js';
import type { ConfigTarget } from '../../mcp/config.js';
import { daemonTarget, openChannelTo, reportError } from '../run.js';

/** Global options as the preAction hook reads them. */
interface Globals {
  server?: string;
  ca?: string;
  pin?: string;
}

/** A URL without its user information (a credential, like the token); as given when it has none. */
function withoutCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.username && !u.password) return url;
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return url; // not a URL: resolving the server refused it already
  }
}

/**
 * What --print-config needs to point the agent's MCP server at the daemon this cw talks to: a home that is not the
 * default, and `--server` with its trust (`--ca`, `--pin`, or CODEWIRE_CA / CODEWIRE_PIN). A token is never written
 * into the configuration: a saved server's stays in servers.toml, where the server reads it; otherwise a note says
 * how the server finds it.
 */
async function configTarget(g: Globals): Promise<ConfigTarget> {
  const home = codewireHome();
  const env: Record<string, string> = {};
  const notes: string[] = [];
  if (home !== defaultCodewireHome()) {
    env.CODEWIRE_HOME = home;
    notes.push(`CODEWIRE_HOME is set for the server: this cw uses ${home}, not ~/.codewire.`);
  }
  const t = await daemonTarget(); // checks --server as any command would: an unknown name fails here
  const server = g.server ?? process.env.CODEWIRE_SERVER;
  if (!server || !t.remote) return { env, notes };
  // A URL's credentials are a secret like the token: left out, with a note.
  const shown = t.remote.name ? server : withoutCredentials(server);
  if (shown !== server) notes.push('The credentials in the server URL are left out of this configuration.');
  const serverArgs = ['--server', shown];
  if (g.ca !== undefined) serverArgs.push('--ca', resolve(g.ca));
  if (g.pin !== undefined) serverArgs.push('--pin', g.pin);
  // Trust from the environment goes along the same way: a file name and a fingerprint, no secret.
  if (process.env.CODEWIRE_CA) env.CODEWIRE_CA = resolve(process.env.CODEWIRE_CA);
  if (process.env.CODEWIRE_PIN) env.CODEWIRE_PIN = process.env.CODEWIRE_PIN;
  const { loadServers, serversPath } = await import('../servers.js');
  const saved = t.remote.name ? loadServers(home)[t.remote.name] : undefined;
  if (saved?.token) notes.push(`Token: the one saved for server '${t.remote.name}' in ${serversPath(home)}, where the MCP server reads it (it is not written here).`);
  else {
    notes.push(
      'Token: not written here. The MCP server reads it from CODEWIRE_TOKEN in its own environment, so your agent must pass that variable to it; ' +
        'or save it with `cw server add NAME URL --token T` and print this again with `cw --server NAME mcp-server --print-config`.',
    );
  }
  return { env, serverArgs, notes };
}

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
        printConfig(await configTarget(cmd.optsWithGlobals<Globals>()));
        return;
      }
      try {
        // The server is handed the daemon this command names, resolved here from the CLI's options once: it reads
        // no CLI state itself (it is a bundle of its own, with its own copy of the CLI's modules).
        const target = await daemonTarget();
        const { runMcpServer } = await import('../../mcp/server.js');
        await runMcpServer({ open: () => openChannelTo(target), remote: target.remote !== null });
      } catch (err) {
        process.exitCode = reportError(err);
        process.exit();
      }
    });
}
