// Fleet: several daemons (separate CODEWIRE_HOMEs on this machine) joined over a real nats-server on loopback,
// driven by `cw fleet` from a client home that has no daemon. Heartbeat 500 ms and expiry 2 s keep it fast.
// nats-server comes from the Debian package (.ci/run installs it); without it these tests fail, loudly.
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import pty from 'node-pty';
import { CW, exitOf, makeHome, waitFor, type Home, freePort } from '../support/harness.js';
import { disposeTerminals, userTerminal } from '../support/user-terminal.js';

const HEARTBEAT_MS = 500;
const EXPIRY_MS = 2_000;
const TOKEN = 'fleet-test-token';

interface FleetNode {
  node: string;
  status: 'up' | 'silent';
  url: string | null;
  allow?: { launch: boolean; kill: boolean; send: boolean };
  sessions: { id: number; name: string | null; state: string; activity: string; command: string[] }[];
}


function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = netConnect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** The Debian package installs it in /usr/sbin, which a non-root PATH may lack. */
const NATS_SERVER = [process.env.NATS_SERVER, 'nats-server', '/usr/sbin/nats-server'].find(
  (bin) => !!bin && !spawnSync(bin, ['--version'], { encoding: 'utf8' }).error,
);

/** inUrl: the user and password go in [nats] url (nats://USER:PASS@HOST:PORT) instead of their own keys. */
type Auth = { token: string } | { user: string; password: string; inUrl?: boolean };

interface Nats {
  port: number;
  url: string;
  proc: ChildProcess;
  log: () => string;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  disposeTerminals();
  for (const c of cleanups.splice(0).reverse()) {
    try {
      await c();
    } catch {
      // keep cleaning up the rest
    }
  }
});

async function startNats(auth: Auth, port?: number): Promise<Nats> {
  const p = port ?? (await freePort());
  const authArgs = 'token' in auth ? ['--auth', auth.token] : ['--user', auth.user, '--pass', auth.password];
  const proc = spawn(NATS_SERVER!, ['-a', '127.0.0.1', '-p', String(p), ...authArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  proc.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  cleanups.push(() => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  await waitFor(() => accepts(p), `nats-server on port ${p}`, 10_000, 50);
  return { port: p, url: `nats://127.0.0.1:${p}`, proc, log: () => log };
}

async function stopNats(n: Nats): Promise<void> {
  const gone = new Promise((r) => n.proc.once('exit', r));
  n.proc.kill('SIGKILL');
  await gone;
}

function natsToml(url: string, auth: Auth): string {
  if ('user' in auth && auth.inUrl) return `[nats]\nurl = "${url.replace('://', `://${auth.user}:${auth.password}@`)}"\n`;
  return 'token' in auth ? `[nats]\nurl = "${url}"\ntoken = "${auth.token}"\n` : `[nats]\nurl = "${url}"\nuser = "${auth.user}"\npassword = "${auth.password}"\n`;
}

/** A home in /tmp/cwf-*, removed after the test (its daemon stopped first). */
function fleetHome(): Home {
  const dir = mkdtempSync('/tmp/cwf-');
  const h = makeHome({ CODEWIRE_HOME: dir, CODEWIRE_NATS_URL: '', CODEWIRE_TOKEN: '', CODEWIRE_SERVER: '' });
  cleanups.push(async () => {
    await h.cleanup();
    if (process.env.CW_KEEP_TEST_LOGS !== '1') rmSync(dir, { recursive: true, force: true });
  });
  return h;
}

interface StartedNode {
  home: Home;
  name: string;
  port: number;
  log: () => string;
}

async function startNode(name: string, nats: Nats, auth: Auth, extra: { fleet?: string; expectJoin?: boolean; token?: string } = {}): Promise<StartedNode> {
  const home = fleetHome();
  const port = await freePort();
  // The node's token for remote clients (`cw token`), when the test needs it to be another node's.
  if (extra.token) writeFileSync(join(home.dir, 'token'), `${extra.token}\n`, { mode: 0o600 });
  writeFileSync(
    join(home.dir, 'config.toml'),
    `[daemon]\nname = "${name}"\nlisten = "127.0.0.1:${port}"\n${natsToml(nats.url, auth)}[fleet]\nheartbeat_ms = ${HEARTBEAT_MS}\nexpiry_ms = ${EXPIRY_MS}\n${extra.fleet ?? ''}`,
  );
  await home.ok(['start']);
  const log = (): string => {
    try {
      return readFileSync(join(home.dir, 'daemon.log'), 'utf8');
    } catch {
      return '';
    }
  };
  if (extra.expectJoin !== false) await waitFor(() => log().includes(`as node '${name}'`), `${name} to join NATS`);
  return { home, name, port, log };
}

/** A home for `cw fleet` alone: [nats] in its config, no daemon of its own. */
function clientHome(nats: Nats, auth: Auth): Home {
  const home = fleetHome();
  writeFileSync(join(home.dir, 'config.toml'), `${natsToml(nats.url, auth)}[fleet]\njoin = false\n`);
  return home;
}

async function fleetList(client: Home): Promise<FleetNode[]> {
  return JSON.parse(await client.ok(['fleet', 'list', '--json'])) as FleetNode[];
}

beforeAll(() => {
  if (!NATS_SERVER) {
    throw new Error('nats-server is not installed: the fleet tests need a real NATS server. Install it with `sudo apt-get install -y nats-server` (.ci/run does).');
  }
});

describe('fleet over a real nats-server', () => {
  it('lists every node and its sessions; launch on a named node, send, status, screen, kill; allow_launch = false refuses', { timeout: 60_000 }, async () => {
    const auth = { token: TOKEN };
    const nats = await startNats(auth);
    const alpha = await startNode('alpha', nats, auth);
    const beta = await startNode('beta', nats, auth);
    const locked = await startNode('locked', nats, auth, { fleet: 'allow_launch = false\nallow_kill = false\n' });
    const client = clientHome(nats, auth);

    await waitFor(async () => (await fleetList(client)).map((n) => n.node).join(',') === 'alpha,beta,locked', 'all three nodes in the list', 15_000, 100);

    const id = (await client.ok(['fleet', 'launch', '--on', 'beta', '--name', 'sh', '--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile'])).trim();
    expect(id).toMatch(/^\d+$/);
    // The session runs on beta and nowhere else.
    expect((JSON.parse(await beta.home.ok(['list', '--json'])) as { name: string }[]).map((s) => s.name)).toEqual(['sh']);
    expect(JSON.parse(await alpha.home.ok(['list', '--json']))).toEqual([]);
    await alpha.home.ok(['launch', '--name', 'idle', '--', 'sleep', '300']);

    const nodes = await waitFor(
      async () => {
        const l = await fleetList(client);
        return l.find((n) => n.node === 'beta')?.sessions.some((s) => s.name === 'sh' && s.activity !== 'unknown') ? l : null;
      },
      'beta:sh with its activity in the list',
      15_000,
      100,
    );
    expect(nodes.map((n) => [n.node, n.status, n.sessions.map((s) => s.name)])).toEqual([
      ['alpha', 'up', ['idle']],
      ['beta', 'up', ['sh']],
      ['locked', 'up', []],
    ]);
    expect(nodes.find((n) => n.node === 'beta')!.url).toBe(`ws://127.0.0.1:${beta.port}`);
    expect(nodes.find((n) => n.node === 'locked')!.allow).toEqual({ launch: false, kill: false, send: true });
    const text = await client.ok(['fleet', 'list']);
    expect(text).toMatch(/^NODE\s+ID\s+NAME\s+STATE\s+ACTIVITY/);
    expect(text).toMatch(/beta\s+\d+\s+sh\s+running\s+(idle|working|unknown)/);

    await client.ok(['fleet', 'send', 'beta:sh', 'echo fleet-$((6*7))']);
    await waitFor(async () => (await client.ok(['fleet', 'screen', 'beta:sh'])).includes('fleet-42'), 'the sent command to run on beta', 15_000, 100);
    const st = JSON.parse(await client.ok(['fleet', 'status', 'beta:sh', '--json'])) as { node: string; state: string; name: string; agent: string };
    expect(st).toMatchObject({ node: 'beta', state: 'running', name: 'sh', agent: 'shell' });
    expect(await client.ok(['fleet', 'status', 'beta:sh'])).toMatch(/state\s+running/);

    await client.ok(['fleet', 'kill', `beta:${id}`]);
    expect((JSON.parse(await client.ok(['fleet', 'status', 'beta:sh', '--json'])) as { state: string }).state).toBe('killed');

    // A node with allow_launch = false refuses, says why, and starts nothing; allow_kill = false likewise.
    const refused = await client.cw(['fleet', 'launch', '--on', 'locked', '--', 'sleep', '30']);
    expect(refused.code).toBe(3);
    expect(refused.stderr.split('\n')[0]).toBe("cw: locked: node 'locked' does not allow launching sessions over the fleet");
    expect(refused.stderr).toContain('allow_launch = false');
    expect(JSON.parse(await locked.home.ok(['list', '--json']))).toEqual([]);
    await locked.home.ok(['launch', '--name', 'keep', '--', 'sleep', '300']);
    const noKill = await client.cw(['fleet', 'kill', 'locked:keep']);
    expect(noKill.code).toBe(3);
    expect(noKill.stderr).toContain('does not allow killing sessions');
    expect((JSON.parse(await locked.home.ok(['status', 'keep', '--json'])) as { state: string }).state).toBe('running');
    expect(locked.log()).toContain("fleet: refused 'launch'");

    // Errors from the node come back as one line with the usual exit codes.
    const unknown = await client.cw(['fleet', 'status', 'beta:nope']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr.split('\n')[0]).toMatch(/^cw: beta: .*nope/);
    const noNode = await client.cw(['fleet', 'status', 'nowhere:1']);
    expect(noNode.code).toBe(5);
    expect(noNode.stderr.split('\n')[0]).toBe("cw: node 'nowhere' is not in the fleet: no daemon answers as 'nowhere' on NATS");
    const bad = await client.cw(['fleet', 'send', 'no-colon', 'x']);
    expect(bad.code).toBe(2);
    // The client never needed a daemon of its own.
    expect(client.daemonPid()).toBeNull();
  });

  it('messages and requests cross nodes over NATS: stored by the receiving daemon, answered from inside the session', { timeout: 60_000 }, async () => {
    const auth = { token: TOKEN };
    const nats = await startNats(auth);
    const alpha = await startNode('alpha', nats, auth);
    const beta = await startNode('beta', nats, auth);
    await beta.home.ok(['launch', '--name', 'sh', '--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile']);
    await alpha.home.ok(['launch', '--name', 'asker', '--', 'sleep', '300']);
    const sent = JSON.parse(await alpha.home.ok(['msg', 'beta:sh', 'hello from alpha', '--json'])) as { id: string; from: string; to: string }[];
    expect(sent[0]).toMatchObject({ from: 'fleet:alpha:operator', to: 'sh' });
    const events = async (): Promise<{ type: string; data: Record<string, unknown> }[]> =>
      (await beta.home.ok(['events', '--tail', '200', '--json'])).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect((await events()).some((e) => e.type === 'message.sent' && e.data.from === 'fleet:alpha:operator')).toBe(true);
    // A request waits over NATS for the reply typed inside the session on beta.
    const asking = alpha.home.spawn(['request', 'beta:sh', 'which port?', '--timeout', '30']);
    let out = '';
    asking.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const reqId = await waitFor(async () => (await events()).find((e) => e.type === 'message.sent' && e.data.kind === 'request')?.data.id as string | undefined, 'the request on beta');
    await beta.home.ok(['send', 'sh', `${process.execPath} ${CW} reply ${reqId} "port 8443"`]);
    expect(await exitOf(asking)).toBe(0);
    expect(out).toBe('port 8443\n');
    // Refusal and timeout travel back with their exit codes.
    const unknown = await alpha.home.cw(['msg', 'beta:nosuch', 'x']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("session 'nosuch' not found");
    expect((await alpha.home.cw(['request', 'beta:sh', 'anyone?', '--timeout', '1'])).code).toBe(124);
    await stopNats(nats);
  });

  it('attaches to a session on another node through a pty, over its URL, with the node token', { timeout: 60_000 }, async () => {
    const auth = { token: TOKEN };
    const nats = await startNats(auth);
    const node = await startNode('box', nats, auth);
    const client = clientHome(nats, auth);
    await client.ok(['fleet', 'launch', '--on', 'box', '--name', 'sh', '--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile']);
    const nodeToken = (await node.home.ok(['token'])).trim();

    // Without a token: exit 4 and a hint, like `cw --server URL attach`.
    const noToken = await client.cw(['fleet', 'attach', 'box:sh']);
    expect(noToken.code).toBe(4);
    expect(noToken.stderr).toContain(`no token for ws://127.0.0.1:${node.port}`);

    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(client.env)) if (v !== undefined) env[k] = v;
    env.CODEWIRE_TOKEN = nodeToken;
    const p = pty.spawn(process.execPath, [CW, 'fleet', 'attach', 'box:sh'], { name: 'xterm-256color', cols: 100, rows: 30, env });
    cleanups.push(() => {
      try {
        p.kill('SIGKILL');
      } catch {
        // already gone
      }
    });
    let out = '';
    p.onData((d) => (out += d));
    const exited = new Promise<number>((res) => p.onExit((e) => res(e.exitCode)));
    await waitFor(() => out.includes('$ '), 'the prompt through the fleet attach', 15_000);
    await waitFor(async () => (JSON.parse(await node.home.ok(['status', 'sh', '--json'])) as { clients: number }).clients === 1, 'one client attached on the node');
    p.write('echo attached-$((6*7))\r');
    await waitFor(() => out.includes('attached-42'), 'typed command output');
    p.write('\x02d');
    expect(await exited).toBe(0);
    expect(out).toContain('[cw] detached from session');

    // A saved server with the node's URL supplies the token.
    await client.ok(['server', 'add', 'boxsaved', `ws://127.0.0.1:${node.port}`, '--token', nodeToken]);
    const env2 = { ...env, CODEWIRE_TOKEN: '' };
    const q = pty.spawn(process.execPath, [CW, 'fleet', 'attach', 'box:sh', '--read-only'], { name: 'xterm-256color', cols: 100, rows: 30, env: env2 });
    cleanups.push(() => {
      try {
        q.kill('SIGKILL');
      } catch {
        // already gone
      }
    });
    let out2 = '';
    q.onData((d) => (out2 += d));
    const exited2 = new Promise<number>((res) => q.onExit((e) => res(e.exitCode)));
    await waitFor(() => out2.includes('attached-42'), 'the restored screen through a saved server', 15_000);
    q.write('\x02d');
    expect(await exited2).toBe(0);
  });

  it('cw top shows every fleet node and saved server beside this machine: sessions, preview, attach and back', { timeout: 90_000 }, async () => {
    const auth = { token: TOKEN };
    const nats = await startNats(auth);
    const box = await startNode('box', nats, auth);
    const dock = await startNode('dock', nats, auth);
    const client = clientHome(nats, auth);
    await client.ok(['fleet', 'launch', '--on', 'box', '--name', 'boxsh', '--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile']);
    await client.ok(['fleet', 'launch', '--on', 'dock', '--name', 'docksh', '--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile']);
    await client.ok(['fleet', 'send', 'box:boxsh', 'echo on-box-$((6*7))']);
    // dock is also a saved server: shown once, under its saved name, with its saved token.
    await client.ok(['server', 'add', 'dock-saved', `ws://127.0.0.1:${dock.port}`, '--token', (await dock.home.ok(['token'])).trim()]);
    const t = userTerminal(client, process.execPath, [CW, 'top'], 110, 30, { CODEWIRE_TOKEN: (await box.home.ok(['token'])).trim() }, { waitMs: 20_000 });
    let lines = await t.waitScreen(
      (l) => l.some((x) => x.startsWith('── box (fleet) · 1 session')) && l.some((x) => x.startsWith('── dock-saved · 1 session')) && l.some((x) => /\bboxsh\b/.test(x)),
      'both nodes in the cockpit',
    );
    expect(lines.some((x) => x.startsWith('── local · 0 sessions'))).toBe(true);
    expect(lines.some((x) => x.includes('dock (fleet)'))).toBe(false);
    // The box session selected: its screen is the preview; Enter attaches over the node's URL, Ctrl+B d comes back.
    for (let i = 0; i < 3 && !(await t.screen()).some((x) => x.startsWith('── ') && x.includes(' boxsh on box (fleet) · ')); i++) t.type('\x1b[B');
    lines = await t.waitScreen((l) => l.some((x) => x.startsWith('── ') && x.includes(' boxsh on box (fleet) · ')) && l.includes('on-box-42'), 'the box session in the preview');
    t.type('\r');
    await t.waitScreen((l) => !l.some((x) => x.includes('cw top ·')) && l.includes('on-box-42'), 'attached to box over its URL');
    await waitFor(async () => (JSON.parse(await box.home.ok(['status', 'boxsh', '--json'])) as { clients: number }).clients === 1, 'one client on box');
    t.type('echo typed-$((2+3))\r');
    await t.waitScreen((l) => l.includes('typed-5'), 'typing reaches the session on box');
    t.type('\x02d');
    await t.waitScreen((l) => !!l[0]?.includes('cw top ·'), 'back in the cockpit');
    // A node that joins while the cockpit is open shows up at its next look at the fleet (every 10 s).
    const late = await startNode('late', nats, auth, { token: (await box.home.ok(['token'])).trim() });
    await late.home.ok(['launch', '--name', 'latesh', '--', 'bash', '--norc', '--noprofile']);
    await t.waitScreen((l) => l.some((x) => x.startsWith('── late (fleet) · 1 session')), 'the node that joined later', 30_000);
    t.type('q');
    expect(await t.exited).toBe(0);
    // Without a token for a node, it is listed with what to do, never silently left out.
    const u = userTerminal(client, process.execPath, [CW, 'top'], 160, 30, {}, { waitMs: 20_000 });
    lines = await u.waitScreen((l) => l.some((x) => x.startsWith('── box (fleet) · unreachable: no token for ws://127.0.0.1:')), 'box listed without a token');
    // NATS gone: the fleet's line says it could not be asked; the nodes already listed stay as they were.
    await stopNats(nats);
    lines = await u.waitScreen((l) => l.some((x) => x.startsWith('── fleet · unreachable:')), 'the fleet unreachable', 30_000);
    expect(lines.some((x) => x.startsWith('── box (fleet) · unreachable: no token'))).toBe(true);
    expect(lines.some((x) => x.startsWith('── dock-saved · 1 session'))).toBe(true);
    u.type('q');
    expect(await u.exited).toBe(0);
  });

  it('a node killed with SIGKILL stays listed as silent, then drops out after the expiry; requests to it fail at once', { timeout: 60_000 }, async () => {
    const auth = { token: TOKEN };
    const nats = await startNats(auth);
    await startNode('stay', nats, auth);
    const doomed = await startNode('doomed', nats, auth);
    const client = clientHome(nats, auth);
    await doomed.home.ok(['launch', '--name', 'w', '--', 'sleep', '300']);
    // Both know each other from heartbeats before the kill.
    await waitFor(() => doomed.log().includes("node 'stay'"), 'doomed to hear stay');
    await waitFor(async () => (await fleetList(client)).map((n) => `${n.node}:${n.status}`).join(',') === 'doomed:up,stay:up', 'both nodes up');
    const pid = doomed.home.daemonPid()!;
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    // Within the expiry its peers still vouch for it: listed as silent, without sessions.
    const soon = await fleetList(client);
    expect(soon.map((n) => `${n.node}:${n.status}`)).toEqual(['doomed:silent', 'stay:up']);

    const t0 = Date.now();
    const gone = await client.cw(['fleet', 'status', 'doomed:w']);
    expect(gone.code).toBe(5);
    expect(gone.stderr.split('\n')[0]).toBe("cw: node 'doomed' is not in the fleet: no daemon answers as 'doomed' on NATS");
    expect(Date.now() - t0).toBeLessThan(5_000);

    await waitFor(async () => !(await fleetList(client)).some((n) => n.node === 'doomed'), 'doomed to drop out of the list', EXPIRY_MS + 10_000, 200);
    // Not before its heartbeats had been missing for the expiry.
    expect(Date.now() - killedAt).toBeGreaterThanOrEqual(EXPIRY_MS - HEARTBEAT_MS);
    expect((await fleetList(client)).map((n) => n.node)).toEqual(['stay']);
    // A node that stops gracefully leaves at once (its goodbye), without waiting for the expiry.
    const leaving = await startNode('leaving', nats, auth);
    await waitFor(async () => (await fleetList(client)).some((n) => n.node === 'leaving'), 'leaving to join');
    await leaving.home.ok(['stop']);
    const l = await fleetList(client);
    expect(l.map((n) => n.node)).toEqual(['stay']);
  });

  it('the fleet comes back after NATS restarts on the same port', { timeout: 60_000 }, async () => {
    const auth = { token: TOKEN };
    const nats = await startNats(auth);
    const a = await startNode('one', nats, auth);
    const b = await startNode('two', nats, auth);
    const client = clientHome(nats, auth);
    await a.home.ok(['launch', '--name', 'job', '--', 'sleep', '300']);
    await waitFor(async () => (await fleetList(client)).length === 2, 'two nodes');

    await stopNats(nats);
    const down = await client.cw(['fleet', 'list']);
    expect(down.code).toBe(5);
    expect(down.stderr.split('\n')[0]).toMatch(/^cw: cannot reach NATS at nats:\/\/127\.0\.0\.1:\d+: /);
    await waitFor(() => a.log().includes('fleet: lost NATS'), 'one to notice NATS is gone');
    // The daemons keep serving locally meanwhile.
    expect((JSON.parse(await a.home.ok(['list', '--json'])) as unknown[]).length).toBe(1);

    const again = await startNats(auth, nats.port);
    await waitFor(() => a.log().includes('reconnected to NATS') && b.log().includes('reconnected to NATS'), 'both daemons to reconnect', 20_000, 100);
    await waitFor(
      async () => {
        const l = await fleetList(client);
        return l.map((n) => `${n.node}:${n.status}:${n.sessions.map((s) => s.name).join('+')}`).join(',') === 'one:up:job,two:up:';
      },
      'the fleet back, sessions and all',
      15_000,
      100,
    );
    await client.ok(['fleet', 'launch', '--on', 'two', '--name', 'after', '--', 'sleep', '300']);
    expect((JSON.parse(await b.home.ok(['list', '--json'])) as { name: string }[]).map((s) => s.name)).toEqual(['after']);
    expect(again.proc.exitCode).toBeNull();
  });

  it('wrong credentials are rejected: the daemon logs it and keeps working; cw fleet fails in one line', { timeout: 60_000 }, async () => {
    const good = { user: 'cw', password: 'right-password' };
    const wrong = { user: 'cw', password: 'wrong-password' };
    const nats = await startNats(good);
    await startNode('trusted', nats, good);
    const intruder = await startNode('intruder', nats, wrong, { expectJoin: false });
    await waitFor(() => intruder.log().includes('rejected the credentials'), 'the daemon to log the rejection');
    expect(intruder.log()).toMatch(/fleet: NATS at nats:\/\/127\.0\.0\.1:\d+ rejected the credentials \(.*\); check \[nats\]/);
    expect(intruder.log()).not.toContain("as node 'intruder'");
    // The daemon itself is fine.
    await intruder.home.ok(['launch', '--name', 'local', '--', 'sleep', '30']);

    const badClient = clientHome(nats, wrong);
    const r = await badClient.cw(['fleet', 'list']);
    expect(r.code).toBe(7);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^cw: NATS at nats:\/\/127\.0\.0\.1:\d+ rejected the credentials: /);
    expect(lines.filter((l) => l.startsWith('cw:')).length).toBe(1);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace

    const goodClient = clientHome(nats, good);
    expect((await fleetList(goodClient)).map((n) => n.node)).toEqual(['trusted']);
    // No NATS configured at all: a clear error with what to do.
    const none = fleetHome();
    const n = await none.cw(['fleet', 'list']);
    expect(n.code).toBe(1);
    expect(n.stderr).toContain('no NATS server configured');
  });
  it('credentials in the URL (config.toml, --nats, CODEWIRE_NATS_URL) are used, and never printed; wrong ones are rejected without showing them', { timeout: 60_000 }, async () => {
    const good = { user: 'fleet', password: 's3cret-in-url', inUrl: true };
    const wrong = { user: 'fleet', password: 'wr0ng-in-url', inUrl: true };
    const nats = await startNats(good);
    const node = await startNode('urlnode', nats, good);
    const client = clientHome(nats, good);
    expect((await fleetList(client)).map((n) => n.node)).toEqual(['urlnode']);
    // A home without [nats]: the URL alone says where and who.
    const bare = fleetHome();
    const goodUrl = `nats://fleet:s3cret-in-url@127.0.0.1:${nats.port}`;
    const viaFlag = await bare.cw(['fleet', 'list', '--json', '--nats', goodUrl]);
    expect(viaFlag.code, viaFlag.stderr).toBe(0);
    expect((JSON.parse(viaFlag.stdout) as FleetNode[]).map((n) => n.node)).toEqual(['urlnode']);
    const viaEnv = await bare.cw(['fleet', 'list', '--json'], { env: { CODEWIRE_NATS_URL: goodUrl } });
    expect(viaEnv.code, viaEnv.stderr).toBe(0);

    const intruder = await startNode('intruder', nats, wrong, { expectJoin: false });
    await waitFor(() => intruder.log().includes('rejected the credentials'), 'the daemon to log the rejection');
    expect(intruder.log()).toMatch(/fleet: NATS at nats:\/\/127\.0\.0\.1:\d+ rejected the credentials \(.*\); check \[nats\]/);
    const outputs: string[] = [viaFlag.stdout, viaFlag.stderr, viaEnv.stdout, viaEnv.stderr];
    const badClient = await clientHome(nats, wrong).cw(['fleet', 'list']);
    expect(badClient.code).toBe(7);
    expect(badClient.stderr.split('\n')[0]).toMatch(/^cw: NATS at nats:\/\/127\.0\.0\.1:\d+ rejected the credentials: /);
    const badFlag = await bare.cw(['fleet', 'list', '--json', '--nats', `nats://fleet:wr0ng-in-url@127.0.0.1:${nats.port}`]);
    expect(badFlag.code).toBe(7);
    const badUrl = await bare.cw(['fleet', 'list', '--nats', 'nats://fleet:wr0ng-in-url@127.0.0.1:1/x']);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr.split('\n')[0]).toBe("cw: --nats: 'nats://***@127.0.0.1:1/x' is not nats://HOST:PORT, tls://HOST:PORT or HOST:PORT");
    outputs.push(badClient.stdout, badClient.stderr, badFlag.stdout, badFlag.stderr, badUrl.stdout, badUrl.stderr);
    // Neither password anywhere: not on stdout or stderr, not in either daemon's log.
    for (const text of [...outputs, node.log(), intruder.log()]) {
      expect(text).not.toContain('s3cret-in-url');
      expect(text).not.toContain('wr0ng-in-url');
    }
  });
});
