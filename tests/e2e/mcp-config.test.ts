// `cw mcp-server --print-config` points the agent's MCP server at the daemon this cw talks to: a home other than
// ~/.codewire goes into the server's environment, `--server` into its arguments, and no token anywhere. Each printed
// configuration is then started the way an agent starts it (the MCP SDK's client, which passes the server only
// HOME, PATH and a few more, plus the configuration's env) and asked which sessions it sees.
import { afterEach, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { freePort, makeHome, waitFor, type Home } from '../support/harness.js';

interface Config {
  mcpServers: { codewire: { command: string; args: string[]; env?: Record<string, string> } };
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function home(extraEnv: NodeJS.ProcessEnv = {}): Home {
  const h = makeHome(extraEnv);
  cleanups.push(() => h.cleanup());
  return h;
}

/** A HOME of its own for the agent's MCP server: a server that ignored CODEWIRE_HOME would make its daemon there. */
function agentHome(): string {
  const dir = mkdtempSync('/tmp/cwa-');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function printConfig(h: Home, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ cfg: Config; stdout: string; stderr: string }> {
  const r = await h.cw([...args, 'mcp-server', '--print-config'], { env });
  expect(r.code, r.stderr).toBe(0);
  return { cfg: JSON.parse(r.stdout) as Config, stdout: r.stdout, stderr: r.stderr };
}

/** Starts the configured server as an agent would and returns the names of the running sessions it lists. */
async function sessionsSeenBy(cfg: Config, env: Record<string, string>): Promise<string[]> {
  const { command, args, env: cfgEnv } = cfg.mcpServers.codewire;
  const client = new Client({ name: 'cw-config-test', version: '1.0.0' });
  await client.connect(new StdioClientTransport({ command, args, env: { ...env, ...cfgEnv }, stderr: 'ignore' }));
  try {
    const r = (await client.callTool({ name: 'list_sessions', arguments: {} }, undefined, { timeout: 30_000 })) as { isError?: boolean; content: { text: string }[] };
    if (r.isError) throw new Error(`list_sessions failed: ${r.content.map((c) => c.text).join('\n')}`);
    return (JSON.parse(r.content.at(-1)!.text) as { name: string | null }[]).map((s) => s.name ?? '');
  } finally {
    await client.close();
  }
}

/** A daemon serving remote clients on loopback, with one running session, and its token. */
async function remoteDaemon(): Promise<{ server: Home; url: string; token: string }> {
  const port = await freePort();
  const server = home();
  writeFileSync(join(server.dir, 'config.toml'), `[daemon]\nlisten = "127.0.0.1:${port}"\n`);
  await server.ok(['start']);
  await waitFor(() => readFileSync(join(server.dir, 'daemon.log'), 'utf8').includes('listening for remote clients'), 'the ws listener');
  await server.ok(['launch', '--name', 'on-server', '--', 'sleep', '600']);
  return { server, url: `ws://127.0.0.1:${port}`, token: (await server.ok(['token'])).trim() };
}

describe('cw mcp-server --print-config', () => {
  it('sets CODEWIRE_HOME for a home other than ~/.codewire, and the server it starts serves that home', { timeout: 60_000 }, async () => {
    const h = home();
    await h.ok(['launch', '--name', 'in-home', '--', 'sleep', '600']);
    const { cfg, stderr } = await printConfig(h, []);
    expect(cfg.mcpServers.codewire.env).toEqual({ CODEWIRE_HOME: h.dir });
    expect(cfg.mcpServers.codewire.args.at(-1)).toBe('mcp-server');
    expect(stderr).toContain(`env = { CODEWIRE_HOME = ${JSON.stringify(h.dir)} }`);
    expect(stderr).toContain(`claude mcp add codewire -e CODEWIRE_HOME=${h.dir} -- `);

    const agent = agentHome();
    expect(await sessionsSeenBy(cfg, { HOME: agent })).toEqual(['in-home']);
    expect(existsSync(join(agent, '.codewire'))).toBe(false);
  });

  it('leaves the environment out for the default home, given or not', { timeout: 30_000 }, async () => {
    const h = home();
    const agent = agentHome();
    for (const given of ['', join(agent, '.codewire')]) {
      const { cfg, stderr } = await printConfig(h, [], { HOME: agent, CODEWIRE_HOME: given });
      expect(cfg.mcpServers.codewire).not.toHaveProperty('env');
      expect(stderr).not.toContain('CODEWIRE_HOME');
    }
    // Printing a configuration starts no daemon.
    expect(existsSync(join(agent, '.codewire'))).toBe(false);
  });

  it('passes a saved --server on; the token stays in servers.toml, where the started server finds it', { timeout: 60_000 }, async () => {
    const { url, token } = await remoteDaemon();
    const client = home();
    await client.ok(['server', 'add', 'box', url, '--token', token]);
    const { cfg, stdout, stderr } = await printConfig(client, ['--server', 'box']);
    expect(cfg.mcpServers.codewire.args.slice(-3)).toEqual(['--server', 'box', 'mcp-server']);
    expect(cfg.mcpServers.codewire.env).toEqual({ CODEWIRE_HOME: client.dir });
    expect(stdout + stderr).not.toContain(token);
    expect(stderr).toContain(`the one saved for server 'box' in ${join(client.dir, 'servers.toml')}`);

    // No CODEWIRE_TOKEN given: the server reads the saved one, and lists the remote daemon's sessions.
    expect(await sessionsSeenBy(cfg, { HOME: agentHome() })).toEqual(['on-server']);
    expect(existsSync(join(client.dir, 'daemon.pid'))).toBe(false);
  });

  it('passes a --server URL on without its token or credentials, and says how the server finds the token', { timeout: 60_000 }, async () => {
    const { url, token } = await remoteDaemon();
    const client = home();
    const fromEnv = await printConfig(client, ['--server', url], { CODEWIRE_TOKEN: token });
    expect(fromEnv.cfg.mcpServers.codewire.args.slice(-3)).toEqual(['--server', url, 'mcp-server']);
    expect(fromEnv.stdout + fromEnv.stderr).not.toContain(token);
    expect(fromEnv.stderr).toContain('CODEWIRE_TOKEN in its own environment');
    // A token on the command line is not written either.
    const fromOption = await printConfig(client, ['--server', url, '--token', token]);
    expect(fromOption.stdout + fromOption.stderr).not.toContain(token);
    // Nor a password in the URL.
    const withPassword = await printConfig(client, ['--server', url.replace('ws://', 'ws://fleet:s3cret-pw@')], { CODEWIRE_TOKEN: token });
    expect(withPassword.stdout + withPassword.stderr).not.toContain('s3cret-pw');
    expect(withPassword.stderr).toContain('credentials in the server URL are left out');

    // Given the token in its environment, the server it starts talks to the remote daemon, not a local one.
    expect(await sessionsSeenBy(fromEnv.cfg, { HOME: agentHome(), CODEWIRE_TOKEN: token })).toEqual(['on-server']);
    expect(existsSync(join(client.dir, 'daemon.pid'))).toBe(false);
  });

  it('passes the trust for a wss:// server on: --ca (made absolute), --pin, CODEWIRE_CA and CODEWIRE_PIN', { timeout: 30_000 }, async () => {
    const h = home();
    const pin = 'AB:'.repeat(31) + 'AB';
    const url = 'wss://127.0.0.1:9';
    const byOption = await h.cw(['--server', url, '--pin', pin, 'mcp-server', '--print-config']);
    expect((JSON.parse(byOption.stdout) as Config).mcpServers.codewire.args.slice(-5)).toEqual(['--server', url, '--pin', pin, 'mcp-server']);
    const withCa = await h.cw(['--server', url, '--ca', 'ca.pem', 'mcp-server', '--print-config']);
    expect((JSON.parse(withCa.stdout) as Config).mcpServers.codewire.args).toContain(join(process.cwd(), 'ca.pem'));
    const pinned = await printConfig(h, ['--server', url], { CODEWIRE_PIN: pin });
    expect(pinned.cfg.mcpServers.codewire.env).toEqual({ CODEWIRE_HOME: h.dir, CODEWIRE_PIN: pin });
    const trusted = await printConfig(h, ['--server', url], { CODEWIRE_CA: 'ca.pem' });
    expect(trusted.cfg.mcpServers.codewire.env).toEqual({ CODEWIRE_HOME: h.dir, CODEWIRE_CA: join(process.cwd(), 'ca.pem') });
  });

  it('fails on an unknown saved server instead of printing a configuration that cannot work', { timeout: 30_000 }, async () => {
    const h = home();
    const r = await h.cw(['--server', 'nope', 'mcp-server', '--print-config']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("no saved server 'nope'");
  });
});
