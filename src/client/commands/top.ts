// cw top (and `cw` alone at a terminal): the cockpit, every session at a glance, live (docs/cockpit.md).
import type { Command } from 'commander';
import { ClientError } from '../../channel/errors.js';
import { redactUrl } from '../../common/redact.js';
import { daemonTarget, type DaemonTarget } from '../run.js';
import type { RemoteTarget } from '../remote.js';
import type { CockpitMachine } from '../cockpit/cockpit.js';

export function register(program: Command): void {
  program
    .command('top')
    .description('the cockpit: every session live, with its screen; attach, answer dialogs, send, launch, kill (also `cw` alone)')
    .addHelpText(
      'after',
      '\nKeys: ↑↓ select, Enter attach (Ctrl+B d comes back), 1/2/3/y/n/Enter/Esc answer a waiting dialog, s send a line,\nl launch, x kill, / filter, m messages, ? help, q quit. Beside this machine: --server\'s, every saved server (`cw server list`)\nand, with [nats] configured, every fleet node.',
    )
    .action(async (_o: unknown, cmd: Command) => {
      if (!process.stdin.isTTY || !process.stdout.isTTY) {
        throw new ClientError('cw top needs a terminal', 'from a script, use `cw list --json` and `cw events -f --json`');
      }
      const g = cmd.optsWithGlobals<{ server?: string; token?: string; ca?: string; pin?: string }>();
      const t = await daemonTarget();
      // This machine always; `cw attach` for it must not follow a CODEWIRE_SERVER from the environment.
      const machines: CockpitMachine[] = [{ key: 'local', label: 'local', target: { home: t.home, remote: null }, cliArgs: [], cliEnv: { CODEWIRE_SERVER: undefined } }];
      if (t.remote) {
        const server = g.server ?? process.env.CODEWIRE_SERVER!;
        machines.push({
          key: 'remote',
          label: t.remote.name ?? redactUrl(t.remote.url),
          target: t,
          // The token travels in the environment, never in a child's argv (readable by every local user).
          cliArgs: ['--server', server, ...(g.ca ? ['--ca', g.ca] : []), ...(g.pin ? ['--pin', g.pin] : [])],
          cliEnv: t.remote.token ? { CODEWIRE_TOKEN: t.remote.token } : {},
        });
      }
      const fleet = await otherMachines(machines, t, g.token);
      // A bundle of its own (scripts/build.mjs COLD): no other command pays for loading the cockpit.
      const { runCockpit } = await import('../cockpit/cockpit.js');
      process.exitCode = await runCockpit(machines, { fleet });
    });
}

/**
 * Every other machine the user reaches, after this one and --server's: each saved server (`cw server add`) now,
 * and, when this machine is in a fleet, a way to ask for the fleet's nodes not already listed by their URL (the
 * cockpit asks at start and again now and then). A node is reached over its URL with the token of the saved server
 * for that URL, else --token or CODEWIRE_TOKEN; one without a URL or a token is listed with the reason, so the user
 * sees the whole fleet and what to fix.
 */
async function otherMachines(machines: CockpitMachine[], t: DaemonTarget, token: string | undefined): Promise<(() => Promise<{ machines: CockpitMachine[]; answered: boolean }>) | undefined> {
  const { loadServers } = await import('../servers.js');
  const { normalizeUrl, resolveTarget, serverUrlKey: norm } = await import('../remote.js');
  const urls = new Set(t.remote ? [norm(t.remote.url)] : []);
  for (const [name, saved] of Object.entries(loadServers(t.home))) {
    if (urls.has(norm(saved.url))) continue;
    let remote: RemoteTarget | null;
    try {
      remote = resolveTarget(name, undefined);
    } catch {
      continue; // not a ws:// or wss:// URL: `cw server list` shows it
    }
    if (!remote) continue;
    urls.add(norm(saved.url));
    machines.push({ key: `server:${name}`, label: name, target: { home: t.home, remote }, cliArgs: ['--server', name], cliEnv: { CODEWIRE_SERVER: undefined } });
  }
  const { fleetConfiguredHere, fleetNodesForCockpit } = await import('./fleet.js');
  if (!(await fleetConfiguredHere())) return undefined;
  const nodeToken = token ?? process.env.CODEWIRE_TOKEN;
  const none = { home: t.home, remote: null };
  return async () => {
    const fleet = await fleetNodesForCockpit();
    if (!fleet) return { machines: [], answered: true };
    const out: CockpitMachine[] = [];
    if (fleet.error) out.push({ key: 'fleet', label: 'fleet', target: none, cliArgs: [], cliEnv: {}, unavailable: fleet.error });
    for (const n of fleet.nodes) {
      const base = { key: `node:${n.node}`, label: `${n.node} (fleet)`, cliArgs: [] as string[], cliEnv: {} };
      if (n.why || !n.url) {
        out.push({ ...base, target: none, unavailable: n.why ?? 'no URL' });
        continue;
      }
      if (urls.has(norm(n.url))) continue; // a saved server (or --server) already shows it
      if (!nodeToken) {
        const shown = redactUrl(n.url);
        out.push({ ...base, target: none, unavailable: `no token for ${shown}: \`cw server add ${n.node} ${shown} --token T\` (\`cw token\` on the node prints it)` });
        continue;
      }
      const remote: RemoteTarget = { name: null, url: normalizeUrl(n.url), token: nodeToken };
      // The token travels in the child's environment, never in its argv.
      out.push({ ...base, target: { home: t.home, remote }, cliArgs: ['--server', remote.url], cliEnv: { CODEWIRE_SERVER: undefined, CODEWIRE_TOKEN: nodeToken } });
    }
    return { machines: out, answered: !fleet.error };
  };
}
