// cw fleet list|launch|send|status|kill|attach|screen|last-message: many machines as one, over NATS.
// Talks to NATS directly (config.toml [nats], --nats URL or CODEWIRE_NATS_URL); no local daemon is needed.
// The NATS client is imported only here, on demand, so other commands never load it.
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { parseEnv } from './launch.js';
import type { NatsConfig } from '../../common/config.js';
import { NODE_NAME_RE, parseNodeTarget, type DiscoverReply, type FleetSession, type PeerSeen } from '../../common/fleet/subjects.js';
import { ClientError, ExitCode } from '../../channel/errors.js';
import { KEY_HINT, keyBytes } from '../../channel/keys.js';
import type { FleetOpResults } from '../fleet-requester.js';
import { collect, formatAge, printJson, reportError, say, table, usage } from '../run.js';
import { childProcess } from '../../common/builtins.js';
import { COCKPIT_FLEET_WAIT_MS } from '../../common/limits.js';

type NatsConnection = Awaited<ReturnType<typeof import('../fleet-requester.js').connectFleet>>;
type Requester = typeof import('../fleet-requester.js');

interface FleetOpts {
  nats?: string;
  json?: boolean;
}

/** [nats] from config.toml; --nats / CODEWIRE_NATS_URL replace its servers (its credentials apply unless the URL has its own). */
async function natsConfig(o: FleetOpts): Promise<NatsConfig> {
  const { loadDaemonConfig, ConfigError, parseNatsUrls, withNatsUrlAuth } = await import('../../common/config.js');
  const { codewireHome } = await import('../../common/paths.js');
  let cfg: NatsConfig | undefined;
  try {
    cfg = loadDaemonConfig(codewireHome()).nats;
  } catch (err) {
    if (err instanceof ConfigError) throw new ClientError(err.message, 'fix config.toml');
    throw err;
  }
  const url = o.nats ?? process.env.CODEWIRE_NATS_URL;
  if (url) {
    // Credentials in the URL (nats://USER:PASS@HOST) replace config.toml's; the message never shows them.
    let parsed: ReturnType<typeof parseNatsUrls>;
    try {
      parsed = parseNatsUrls(url, o.nats !== undefined ? '--nats' : 'CODEWIRE_NATS_URL');
    } catch (err) {
      throw usage((err as Error).message, 'e.g. nats://HOST:4222, several comma-separated');
    }
    return withNatsUrlAuth({ ...(cfg ?? {}), servers: parsed.servers }, parsed.auth);
  }
  if (!cfg) throw new ClientError('no NATS server configured for the fleet', 'add [nats] url = "nats://HOST:4222" to config.toml, or give --nats URL (env CODEWIRE_NATS_URL)');
  return cfg;
}

/** Runs body with a NATS connection; the process exits with its code. */
async function withFleet(o: FleetOpts, body: (nc: NatsConnection, r: Requester) => Promise<number | void>): Promise<void> {
  let code: number;
  let nc: NatsConnection | null = null;
  try {
    const cfg = await natsConfig(o);
    const r = await import('../fleet-requester.js');
    nc = await r.connectFleet(cfg);
    code = (await body(nc, r)) ?? ExitCode.OK;
  } catch (err) {
    code = reportError(err);
  } finally {
    await nc?.close().catch(() => {});
  }
  process.exitCode = code;
}

/** NODE:SESSION → its parts (usage error otherwise). */
function target(t: string): { node: string; session: string } {
  const r = parseNodeTarget(t);
  if (!r) throw usage(`'${t}' is not NODE:SESSION`, 'e.g. gpu-box:train or gpu-box:3 (`cw fleet list` shows both)');
  return r;
}

function withNats(c: Command): Command {
  return c.option('--nats <url>', 'the NATS server (default: [nats] url in config.toml; env CODEWIRE_NATS_URL)');
}

/** Text from other machines goes to this terminal: control characters (escape sequences) become '?'. */
function clean(v: unknown): string {
  return String(v).replace(/[\x00-\x1f\x7f-\x9f]/g, '?');
}

function sessionRows(node: string, sessions: FleetSession[], now: number): string[][] {
  return sessions.map((s) => [
    node,
    String(s.id),
    s.name === null ? '-' : clean(s.name),
    clean(s.state === 'exited' ? `exited (${s.signal ?? s.exitCode})` : s.state),
    clean(s.state === 'running' ? s.activity : '-'),
    formatAge(now - Date.parse(s.createdAt)),
    clean(s.command.join(' ')),
  ]);
}

interface NodeView {
  node: string;
  status: 'up' | 'silent';
  url: string | null;
  version: string;
  instance: string;
  allow?: DiscoverReply['allow'];
  startedAt?: string;
  /** For a silent node: seconds since some node last heard its heartbeat. */
  lastHeartbeatSecondsAgo?: number;
  sessions: FleetSession[];
  sessionsTruncated: number;
}

function views(nodes: DiscoverReply[], silent: PeerSeen[]): NodeView[] {
  const out: NodeView[] = nodes.map((n) => ({
    node: n.node,
    status: 'up',
    url: n.url,
    version: n.version,
    instance: n.instance,
    allow: n.allow,
    startedAt: n.startedAt,
    sessions: n.sessions,
    sessionsTruncated: n.sessionsTruncated,
  }));
  for (const p of silent.filter((x) => NODE_NAME_RE.test(String(x.node)))) {
    out.push({ node: p.node, status: 'silent', url: p.url, version: p.version, instance: p.instance, lastHeartbeatSecondsAgo: Math.round(p.lastSeenMs / 1000), sessions: [], sessionsTruncated: 0 });
  }
  return out.sort((a, b) => a.node.localeCompare(b.node));
}

export function register(program: Command): void {
  const fleet = program
    .command('fleet')
    .description('many machines as one: list, launch, send, status, kill and attach across daemons joined over NATS')
    .enablePositionalOptions()
    .addHelpText(
      'after',
      '\nEach machine\'s config.toml names its NATS server ([nats] url) and node ([daemon] name).\n\nExamples:\n  cw fleet list\n  cw fleet launch --on gpu-box --name train -- claude\n  cw fleet send gpu-box:train "status?"\n  cw fleet attach gpu-box:train',
    );

  withNats(fleet.command('list').alias('ls').description('every node, its sessions and their activity'))
    .option('-s, --status <status>', 'sessions that are running, exited or all', 'all')
    .option('--json', 'print a JSON array of nodes')
    .action(async (o: FleetOpts & { status: string }) => {
      if (!['running', 'exited', 'all'].includes(o.status)) throw usage(`--status takes running, exited or all, got '${o.status}'`);
      await withFleet(o, async (nc, r) => {
        const found = await r.discover(nc);
        const all = views(found.nodes, found.silent).map((v) => ({
          ...v,
          sessions: v.sessions.filter((s) => o.status === 'all' || (o.status === 'running' ? s.state === 'running' : s.state !== 'running')),
        }));
        const names = all.map((v) => v.node);
        const twins = names.filter((n, i) => names.indexOf(n) !== i);
        for (const t of new Set(twins)) say(`warning: two daemons answer as node '${t}'; give each machine its own [daemon] name`);
        if (o.json) {
          printJson(all);
          return;
        }
        if (all.length === 0) {
          say('no nodes in the fleet (a daemon joins when its config.toml has [nats] url; start it with `cw start`)');
          return;
        }
        const now = Date.now();
        const rows = [['NODE', 'ID', 'NAME', 'STATE', 'ACTIVITY', 'AGE', 'COMMAND']];
        for (const v of all) {
          if (v.status === 'silent') rows.push([v.node, '-', '-', 'silent', '-', '-', `(no answer; last heartbeat ${v.lastHeartbeatSecondsAgo}s ago)`]);
          else if (v.sessions.length === 0) rows.push([v.node, '-', '-', '-', '-', '-', '(no sessions)']);
          else rows.push(...sessionRows(v.node, v.sessions, now));
          if (v.sessionsTruncated > 0) rows.push([v.node, '…', '', '', '', '', `(${v.sessionsTruncated} more: cw fleet status ${v.node}:ID)`]);
        }
        process.stdout.write(`${table(rows)}\n`);
      });
    });

  withNats(fleet.command('launch').description("start a program in a new session on a node; prints the session's id"))
    .argument('<command...>', 'the program and its arguments (put them after --)')
    .requiredOption('--on <node>', 'the node to launch on')
    .option('-n, --name <name>', 'a unique name for the session')
    .option('-t, --tag <tag>', 'a tag (repeatable)', collect, [])
    .option('-d, --dir <dir>', "working directory on the node (default: the node daemon's home)")
    .option('-e, --env <KEY=VALUE>', 'an environment variable (repeatable); the node daemon\'s environment is the base', collect, [])
    .option('--agent <kind>', 'force the agent kind instead of detecting it from the command')
    .option('--prompt <text>', 'submit this prompt once the agent is ready for input')
    .option('--json', 'print the new session as JSON')
    .passThroughOptions()
    .action(async (command: string[], o: FleetOpts & { on: string; name?: string; tag: string[]; dir?: string; env: string[]; agent?: string; prompt?: string }) => {
      const env = parseEnv(o.env);
      await withFleet(o, async (nc, r) => {
        const res = await r.ask(nc, o.on, 'launch', {
          command,
          tags: o.tag,
          env,
          ...(o.name !== undefined ? { name: o.name } : {}),
          ...(o.dir !== undefined ? { cwd: o.dir } : {}),
          ...(o.agent !== undefined ? { agent: o.agent } : {}),
          ...(o.prompt !== undefined ? { prompt: o.prompt } : {}),
        });
        const s = res.session;
        if (o.json) printJson({ node: o.on, ...s });
        else process.stdout.write(`${s.id}\n`);
        say(`Session ${s.id}${s.name ? ` (${s.name})` : ''} launched on ${o.on}: ${command.join(' ')}`);
      });
    });

  withNats(fleet.command('send').description('type text or keys into a session on a node'))
    .argument('<target>', 'NODE:SESSION')
    .argument('[text]', 'text to type; Enter follows unless --no-newline or --key is given')
    .option('--no-newline', 'do not press Enter after the text')
    .option('-k, --key <key>', 'press a named key after the text (repeatable): Enter, Escape, Tab, Up, C-c, 1 ...', collect, [])
    .option('--if-idle', 'send only if the session is idle; otherwise exit 3 and send nothing')
    .option('--json', 'print what was sent as JSON')
    .action(async (t: string, text: string | undefined, o: FleetOpts & { newline: boolean; key: string[]; ifIdle?: boolean }) => {
      const { node, session } = target(t);
      if (text === undefined && o.key.length === 0) throw usage('nothing to send', 'give TEXT or --key');
      for (const k of o.key) if (keyBytes(k) === null) throw usage(`unknown key '${k}'`, KEY_HINT);
      await withFleet(o, async (nc, r) => {
        const res = await r.ask(nc, node, 'send', {
          session,
          ...(text !== undefined ? { text } : {}),
          enter: text !== undefined && o.newline && o.key.length === 0,
          keys: o.key,
          ifIdle: !!o.ifIdle,
        });
        if (o.json) printJson({ node, ...res });
        say(`Sent ${res.bytes} bytes to session ${res.session} on ${node}`);
      });
    });

  withNats(fleet.command('status').description("a session's state and activity, on a node"))
    .argument('<target>', 'NODE:SESSION')
    .option('--json', 'print JSON')
    .action(async (t: string, o: FleetOpts) => {
      const { node, session } = target(t);
      await withFleet(o, async (nc, r) => {
        const res = await r.ask(nc, node, 'status', { session });
        const s = res.session;
        if (o.json) {
          printJson({ node, ...s, logError: res.logError });
          return;
        }
        const now = Date.now();
        const activity = s.state === 'running' ? `${s.activity}${s.activitySince ? ` since ${formatAge(now - Date.parse(s.activitySince))}` : ''}${s.activityReason ? ` (${s.activityReason})` : ''}` : '-';
        const lines: [string, string][] = [
          ['node', node],
          ['id', String(s.id)],
          ['name', s.name ?? '-'],
          ['command', s.command.join(' ')],
          ['cwd', s.cwd],
          ['state', s.state === 'exited' ? `exited (${s.signal ?? s.exitCode})` : s.state],
          ['activity', activity],
          ['agent', s.agent],
          ['created', `${s.createdAt} (${formatAge(now - Date.parse(s.createdAt))} ago)`],
          ['clients', String(s.clients)],
          ['state card', s.stateCard ?? '-'],
        ];
        process.stdout.write(lines.map(([k, v]) => `${k.padEnd(12)} ${v}`).join('\n') + '\n');
      });
    });

  withNats(fleet.command('kill').description('end a session on a node'))
    .argument('<target>', 'NODE:SESSION')
    .option('--json', 'print the result as JSON')
    .action(async (t: string, o: FleetOpts) => {
      const { node, session } = target(t);
      await withFleet(o, async (nc, r) => {
        const res = await r.ask(nc, node, 'kill', { session });
        if (o.json) printJson({ node, ...res });
        for (const id of res.killed) say(`Session ${id} killed on ${node}`);
        for (const id of res.alreadyEnded) say(`Session ${id} on ${node} had already ended`);
      });
    });

  withNats(fleet.command('screen').description("a session's current screen as text, on a node"))
    .argument('<target>', 'NODE:SESSION')
    .option('--json', 'print JSON')
    .action(async (t: string, o: FleetOpts) => {
      const { node, session } = target(t);
      await withFleet(o, async (nc, r) => {
        const res = await r.ask(nc, node, 'screen', { session });
        if (o.json) printJson({ node, ...res });
        else process.stdout.write(res.text.endsWith('\n') || res.text === '' ? res.text : `${res.text}\n`);
      });
    });

  withNats(fleet.command('last-message').description("an agent's last reply as clean text, on a node"))
    .argument('<target>', 'NODE:SESSION')
    .option('--json', 'print JSON')
    .action(async (t: string, o: FleetOpts) => {
      const { node, session } = target(t);
      await withFleet(o, async (nc, r) => {
        const res = await r.ask(nc, node, 'last-message', { session });
        if (o.json) printJson({ node, ...res });
        else process.stdout.write(res.text.endsWith('\n') || res.text === '' ? res.text : `${res.text}\n`);
      });
    });

  withNats(fleet.command('attach').description("attach your terminal to a session on a node, over the node's WebSocket URL"))
    .argument('<target>', 'NODE:SESSION')
    .option('--token <token>', "the node's token (default: a saved server with the node's URL, then --token before `fleet`, then CODEWIRE_TOKEN)")
    .option('--no-history', 'restore only the visible screen, without scrollback')
    .option('-r, --read-only', 'watch without typing or resizing')
    .action(async (t: string, o: FleetOpts & { token?: string; history: boolean; readOnly?: boolean }, cmd: Command) => {
      const { node, session } = target(t);
      const globalToken = cmd.optsWithGlobals<{ token?: string }>().token;
      const found: { url?: string } = {};
      await withFleet(o, async (nc, r) => {
        const info = await r.ask(nc, node, 'info', {});
        if (!info.url) throw new ClientError(`node '${node}' has no URL to attach to`, 'on that machine, set [daemon] listen (and external_url) in config.toml and restart its daemon');
        found.url = info.url;
      });
      if (found.url === undefined) return; // the error was reported
      process.exitCode = await attachOver(found.url, session, { token: o.token ?? globalToken, history: o.history, readOnly: !!o.readOnly });
    });
}

/**
 * `cw --server URL attach SESSION`, run as a child on this terminal: exactly the remote attach. A saved server with
 * the same URL is used by name (its token, CA or pinned certificate apply); otherwise the token goes in the
 * child's environment (CODEWIRE_TOKEN), never on its command line.
 */
async function attachOver(url: string, session: string, o: { token: string | undefined; history: boolean; readOnly: boolean }): Promise<number> {
  try {
    const { loadServers } = await import('../servers.js');
    const { codewireHome } = await import('../../common/paths.js');
    const { serverUrlKey: norm } = await import('../remote.js');
    const saved = Object.entries(loadServers(codewireHome())).find(([, s]) => norm(s.url) === norm(url));
    const token = o.token ?? (saved ? undefined : process.env.CODEWIRE_TOKEN);
    if (!saved && !token) {
      const shown = (await import('../../common/redact.js')).redactUrl(url);
      throw new ClientError(`no token for ${shown}`, `give --token, set CODEWIRE_TOKEN, or save it with \`cw server add NAME ${shown} --token T\` (\`cw token\` on the node prints it)`, ExitCode.NO_TOKEN, 'no_token');
    }
    const args = ['--server', saved ? saved[0] : url, ...(saved && o.token ? ['--token', o.token] : []), 'attach', session];
    if (!o.history) args.push('--no-history');
    if (o.readOnly) args.push('--read-only');
    const cli = fileURLToPath(new URL('./cw.js', import.meta.url));
    const env: NodeJS.ProcessEnv = { ...process.env, ...(!saved && token ? { CODEWIRE_TOKEN: token } : {}) };
    delete env.CODEWIRE_SERVER;
    const child = childProcess().spawn(process.execPath, [cli, ...args], { stdio: 'inherit', env });
    return await new Promise<number>((resolve) => {
      child.on('error', (err) => {
        process.stderr.write(`cw: cannot run the attach: ${err.message}\n`);
        resolve(ExitCode.ERROR);
      });
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : ExitCode.ERROR)));
    });
  } catch (err) {
    return reportError(err);
  }
}

/** A fleet node as the cockpit lists it: where to reach its daemon, or why it cannot be. */
export interface FleetNodeForCockpit {
  node: string;
  url: string | null;
  /** Why the node cannot be shown (silent, no URL); null when it can be reached at `url`. */
  why: string | null;
}

/** Whether this machine has NATS configured ([nats] in config.toml, CODEWIRE_NATS_URL); false for a broken config. */
export async function fleetConfiguredHere(): Promise<boolean> {
  const { loadDaemonConfig } = await import('../../common/config.js');
  const { codewireHome } = await import('../../common/paths.js');
  try {
    return !!loadDaemonConfig(codewireHome()).nats || !!process.env.CODEWIRE_NATS_URL;
  } catch {
    return false; // a broken config.toml is reported by the commands that need it
  }
}

/**
 * The fleet's nodes other than this machine's, for the cockpit: null when this machine has no NATS configured
 * ([nats] in config.toml, CODEWIRE_NATS_URL); `error` when the fleet could not be asked (one line, no secrets).
 */
export async function fleetNodesForCockpit(): Promise<{ nodes: FleetNodeForCockpit[]; error: string | null } | null> {
  const { loadDaemonConfig } = await import('../../common/config.js');
  const { codewireHome } = await import('../../common/paths.js');
  const { nodeNameFromHostname } = await import('../../common/fleet/subjects.js');
  let me: string;
  try {
    const cfg = loadDaemonConfig(codewireHome());
    if (!cfg.nats && !process.env.CODEWIRE_NATS_URL) return null;
    me = cfg.name ?? nodeNameFromHostname(hostname());
  } catch {
    return null; // a broken config.toml is reported by the commands that need it
  }
  // A NATS address that does not answer must not hold the cockpit's look at the fleet long (one line says so).
  const giveUp = new Promise<{ nodes: FleetNodeForCockpit[]; error: string }>((resolve) =>
    setTimeout(() => resolve({ nodes: [], error: `the fleet did not answer within ${COCKPIT_FLEET_WAIT_MS / 1000}s (see \`cw fleet list\`)` }), COCKPIT_FLEET_WAIT_MS).unref(),
  );
  return Promise.race([askFleet(me), giveUp]);
}

async function askFleet(me: string): Promise<{ nodes: FleetNodeForCockpit[]; error: string | null }> {
  let nc: NatsConnection | null = null;
  try {
    const r = await import('../fleet-requester.js');
    nc = await r.connectFleet(await natsConfig({}));
    const found = await r.discover(nc);
    const nodes = views(found.nodes, found.silent)
      .filter((v) => v.node !== me)
      .map((v): FleetNodeForCockpit => ({
        node: v.node,
        url: v.url,
        why:
          v.status === 'silent'
            ? `silent for ${v.lastHeartbeatSecondsAgo ?? '?'}s (see \`cw fleet list\`)`
            : v.url
              ? null
              : 'no URL to reach it: on that machine, set [daemon] listen in config.toml',
      }));
    return { nodes, error: null };
  } catch (err) {
    // Already without credentials (connectFleet's messages never show them); redacted again, as every line is.
    const { redactUrls } = await import('../../common/redact.js');
    return { nodes: [], error: redactUrls((err as Error).message) };
  } finally {
    await nc?.close().catch(() => {});
  }
}

/** True when NODE:SESSION messages should cross the fleet: a node-shaped prefix and NATS configured here. */
export async function fleetConfigured(targetText: string): Promise<boolean> {
  if (!parseNodeTarget(targetText) || targetText.startsWith('tag:')) return false;
  return fleetConfiguredHere();
}

/**
 * Sends a message or a request to NODE:SESSION over NATS. The sender is who this machine's daemon says we are
 * (a session, by its token, or the operator), named NODE:LABEL with this machine's node name; the receiving
 * node stores it as `fleet:NODE:LABEL`. `cw request` waits for the reply over the same NATS request.
 */
export async function fleetDeliver<K extends 'msg' | 'request'>(
  kind: K,
  targetText: string,
  body: string,
  o: { task?: boolean; timeoutMs?: number },
): Promise<FleetOpResults[K]> {
  const { node, session } = target(targetText);
  const { openChannel } = await import('../run.js');
  const ch = await openChannel();
  let label: string;
  try {
    const who = await ch.request('whoami', {});
    label = who.kind === 'session' ? (who.session.name ?? String(who.session.id)) : 'operator';
  } finally {
    ch.end();
  }
  const { loadDaemonConfig } = await import('../../common/config.js');
  const { codewireHome } = await import('../../common/paths.js');
  const { nodeNameFromHostname } = await import('../../common/fleet/subjects.js');
  const me = loadDaemonConfig(codewireHome()).name ?? nodeNameFromHostname(hostname());
  const from = `${me}:${label.replace(/[^a-zA-Z0-9._@-]/g, '-').slice(0, 64)}`;
  const cfg = await natsConfig({});
  const r = await import('../fleet-requester.js');
  const nc = await r.connectFleet(cfg);
  try {
    if (kind === 'msg') return await r.ask(nc, node, kind, { to: session, body, task: !!o.task, from });
    const timeoutMs = o.timeoutMs ?? 60_000;
    // The node waits up to timeoutMs for the reply; we wait a little longer for the node's answer.
    return await r.ask(nc, node, kind, { to: session, body, timeoutMs, from }, timeoutMs + 5000);
  } finally {
    await nc.close().catch(() => {});
  }
}
