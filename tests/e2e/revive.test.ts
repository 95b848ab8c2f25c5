// Black-box: reviving sessions. `cw restart` of an ended session, restart policies with their backoff, and
// sessions found lost after a simulated reboot (the daemon and its programs killed with SIGKILL), with
// `[daemon] revive_lost` "none" and "all". The real agent's conversation: agents-revive.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventRecord, RestartResult, SessionInfo } from '../../src/protocol/index.js';
import { alive, homesPerTest, waitFor, type Home } from '../support/harness.js';

const home = homesPerTest();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const status = (h: Home, ref: string): Promise<SessionInfo> => h.json<SessionInfo>(['status', ref]);
const ended = (h: Home, ref: string): Promise<SessionInfo> =>
  waitFor(async () => {
    const s = await status(h, ref);
    return s.state !== 'running' ? s : null;
  }, `session ${ref} to end`);
const events = async (h: Home, ...refs: string[]): Promise<EventRecord[]> =>
  (await h.ok(['events', ...refs, '--tail', '1000', '--json'])).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as EventRecord);

/** A reboot, as far as cw can tell: the daemon and every session's program die at once, with no chance to record it. */
async function reboot(h: Home): Promise<void> {
  const pids = (await h.json<SessionInfo[]>(['list'])).filter((s) => s.state === 'running').map((s) => s.pid!);
  const daemon = h.daemonPid()!;
  process.kill(daemon, 'SIGKILL');
  // Each session's program leads its own process group (its terminal's session).
  for (const pid of pids) process.kill(-pid, 'SIGKILL');
  await waitFor(() => !alive(daemon) && pids.every((p) => !alive(p)), 'the daemon and the programs to die');
}

describe('cw restart', () => {
  it('starts an exited shell session again: same command, directory, environment, name, tags and size; a new id; linked both ways; an event', async () => {
    const h = home();
    const dir = realpathSync(mkdtempSync(join(tmpdir(), 'cw-revive-')));
    dirs.push(dir);
    const script = 'echo "foo=$FOO mine=$MINE pwd=$PWD size=$(stty size) name=$CW_SESSION_NAME"; exit 3';
    // MINE is in the launching shell's environment only: the restart, from a shell without it, still has it.
    const r = await h.cw(['launch', '--name', 'sh', '--tag', 't1', '--tag', 't2', '--dir', dir, '--size', '100x30', '--env', 'FOO=bar baz', '--', 'bash', '--norc', '--noprofile', '-c', script], {
      env: { MINE: 'from-shell' },
    });
    expect(r.code, r.stderr).toBe(0);
    const first = r.stdout.trim();
    expect(await ended(h, first)).toMatchObject({ state: 'exited', exitCode: 3 });

    const out = await h.cw(['restart', 'sh', '--json']);
    expect(out.code, out.stderr).toBe(0);
    const res = JSON.parse(out.stdout) as RestartResult;
    const second = String(res.session.id);
    expect(second).not.toBe(first);
    expect(res).toMatchObject({ previous: Number(first), resumed: null, note: null });
    expect(res.session).toMatchObject({ name: 'sh', tags: ['t1', 't2'], cwd: dir, cols: 100, rows: 30, restartedFrom: Number(first), command: ['bash', '--norc', '--noprofile', '-c', script] });
    expect(out.stderr).toContain(`Session ${first} restarted as session ${second} (sh)`);
    await ended(h, second);
    const line = `foo=bar baz mine=from-shell pwd=${dir} size=30 100 name=sh\n`;
    expect(await h.ok(['logs', first])).toBe(line);
    expect(await h.ok(['logs', second])).toBe(line);

    // The name moved: it means the new session; the old one keeps its id, logs and links.
    const old = await status(h, first);
    expect(old).toMatchObject({ name: null, restartedAs: Number(second), restartedFrom: null });
    expect(await status(h, 'sh')).toMatchObject({ id: Number(second), restartedFrom: Number(first), restartedAs: null });
    const text = await h.ok(['status', first]);
    expect(text).toMatch(new RegExp(`restarted as\\s+session ${second}`));
    expect(await h.ok(['status', second])).toMatch(new RegExp(`restarted from\\s+session ${first}`));

    const revived = (await events(h, second)).filter((e) => e.type === 'session.revived');
    expect(revived).toHaveLength(1);
    expect(revived[0]!.data).toEqual({ from: Number(first), to: Number(second), reason: 'manual', resumed: false, conversation: null });

    // An old session already restarted points at its successor.
    const again = await h.cw(['restart', first]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`session ${first} was already restarted as session ${second}`);
    expect(again.stderr).toContain(`cw restart ${second}`);
  });

  it('refuses a running session with a hint; --force ends it and starts it again', async () => {
    const h = home();
    const id = (await h.ok(['launch', '--name', 'live', '--', 'bash', '--norc', '--noprofile', '-c', 'echo up; exec sleep 300'])).trim();
    await waitFor(async () => (await h.ok(['logs', id])).includes('up'), 'the session to start');
    const r = await h.cw(['restart', 'live']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`session ${id} is still running`);
    expect(r.stderr).toMatch(/cw restart --force/);
    expect((await status(h, id)).state).toBe('running');

    const forced = await h.cw(['restart', '--force', 'live']);
    expect(forced.code, forced.stderr).toBe(0);
    const next = forced.stdout.trim();
    expect(next).toMatch(/^\d+$/);
    expect(await status(h, id)).toMatchObject({ state: 'killed', restartedAs: Number(next) });
    expect(await status(h, 'live')).toMatchObject({ id: Number(next), state: 'running' });
    await h.ok(['kill', 'live']);
    // cw kill is a person's decision: no policy or anything else brings it back.
    expect((await h.json<SessionInfo[]>(['list'])).filter((s) => s.state === 'running')).toEqual([]);
  });

  it('an unknown session, and a bad --restart, are errors that say what to do', async () => {
    const h = home();
    const r = await h.cw(['restart', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/session 'nope' not found/);
    const bad = await h.cw(['launch', '--restart', 'sometimes', '--', 'true']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--restart takes never, on-failure or always, got 'sometimes'");
  });
});

describe('restart policies', () => {
  it('on-failure relaunches a failing command after 1, 2, 4, 8 s, then gives up and says so', { timeout: 60_000 }, async () => {
    const h = home();
    const first = (await h.ok(['launch', '--name', 'crashy', '--restart', 'on-failure', '--', 'bash', '--norc', '--noprofile', '-c', 'echo try; exit 7'])).trim();
    const gaveUp = await waitFor(
      async () => (await events(h)).find((e) => e.type === 'session.revive.gave-up'),
      'the policy to give up',
      40_000,
      200,
    );
    const all = await events(h);
    const scheduled = all.filter((e) => e.type === 'session.revive.scheduled').map((e) => e.data.inMs);
    expect(scheduled).toEqual([1000, 2000, 4000, 8000]);
    const revived = all.filter((e) => e.type === 'session.revived');
    expect(revived.map((e) => e.data.reason)).toEqual(['policy', 'policy', 'policy', 'policy']);
    expect(gaveUp.data).toMatchObject({ policy: 'on-failure', failures: 5, exitCode: 7 });
    expect(String(gaveUp.data.message)).toMatch(/5 quick failures in a row.*not restarted again; `cw restart \d+` tries once more/);
    // The backoff is real: each start waited at least its delay after the end before it.
    const ends = all.filter((e) => e.type === 'session.ended').map((e) => Date.parse(e.at));
    const starts = all.filter((e) => e.type === 'session.created').map((e) => Date.parse(e.at)).slice(1);
    starts.forEach((t, i) => expect(t - ends[i]!).toBeGreaterThanOrEqual([1000, 2000, 4000, 8000][i]! - 50));
    // A chain of five sessions, the name on the last, each linked to the next.
    const list = (await h.json<SessionInfo[]>(['list'])).sort((a, b) => a.id - b.id);
    expect(list).toHaveLength(5);
    expect(list[0]!.id).toBe(Number(first));
    for (let i = 0; i < 4; i++) expect(list[i]).toMatchObject({ name: null, restartedAs: list[i + 1]!.id, restartPolicy: 'on-failure', exitCode: 7 });
    expect(list[4]).toMatchObject({ name: 'crashy', restartedFrom: list[3]!.id, restartedAs: null, state: 'exited' });
  });

  it('on-failure leaves a clean exit alone', async () => {
    const h = home();
    const id = (await h.ok(['launch', '--restart', 'on-failure', '--', 'bash', '--norc', '--noprofile', '-c', 'exit 0'])).trim();
    await ended(h, id);
    // The decision is taken as the end is recorded: the end event is there, nothing after it.
    await waitFor(async () => (await events(h, id)).some((e) => e.type === 'session.ended'), 'the end event');
    expect((await events(h)).filter((e) => e.type.startsWith('session.revive'))).toEqual([]);
    expect(await h.json<SessionInfo[]>(['list'])).toHaveLength(1);
  });
});

describe('sessions lost in a reboot', () => {
  const shell = ['bash', '--norc', '--noprofile'];

  it('revive_lost = "none" (the default): listed lost, one line in daemon.log saying how to revive them; cw restart does', { timeout: 60_000 }, async () => {
    const h = home();
    const a = (await h.ok(['launch', '--name', 'a', '--', ...shell])).trim();
    const b = (await h.ok(['launch', '--name', 'b', '--', ...shell])).trim();
    await reboot(h);
    const list = await h.json<SessionInfo[]>(['list']);
    expect(list.map((s) => [s.id, s.name, s.state])).toEqual([
      [Number(a), 'a', 'lost'],
      [Number(b), 'b', 'lost'],
    ]);
    const log = readFileSync(join(h.dir, 'daemon.log'), 'utf8');
    const lines = log.split('\n').filter((l) => l.includes('were running when the previous daemon died'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`sessions ${a}, ${b} were running when the previous daemon died: marked lost (2)`);
    expect(lines[0]).toContain('`cw restart ID` revives one, or set [daemon] revive_lost = "agents" or "all" in config.toml');

    const r = await h.cw(['restart', 'a']);
    expect(r.code, r.stderr).toBe(0);
    const next = r.stdout.trim();
    expect(await status(h, 'a')).toMatchObject({ id: Number(next), state: 'running', restartedFrom: Number(a) });
    expect(await status(h, a)).toMatchObject({ state: 'lost', restartedAs: Number(next) });
    expect(await status(h, b)).toMatchObject({ state: 'lost', restartedAs: null });
  });

  it('revive_lost = "all": every lost session is started again when the daemon starts, a session.revived event each (reason lost)', { timeout: 60_000 }, async () => {
    const h = home();
    writeFileSync(join(h.dir, 'config.toml'), '[daemon]\nrevive_lost = "all"\n', { mode: 0o600 });
    const a = (await h.ok(['launch', '--name', 'a', '--tag', 'x', '--', ...shell])).trim();
    const done = (await h.ok(['launch', '--name', 'done', '--', 'true'])).trim();
    await ended(h, done);
    await reboot(h);
    await h.ok(['start']);
    const revived = await waitFor(async () => {
      const s = await status(h, 'a');
      return s.state === 'running' ? s : null;
    }, 'the lost session to be revived', 15_000);
    expect(revived).toMatchObject({ name: 'a', tags: ['x'], restartedFrom: Number(a) });
    expect(revived.id).toBeGreaterThan(Number(done));
    const ev = (await events(h, String(revived.id))).filter((e) => e.type === 'session.revived');
    expect(ev.map((e) => e.data)).toEqual([{ from: Number(a), to: revived.id, reason: 'lost', resumed: false, conversation: null }]);
    // An exited session was not running: it stays as it was.
    expect(await status(h, done)).toMatchObject({ state: 'exited', restartedAs: null });
    expect(readFileSync(join(h.dir, 'daemon.log'), 'utf8')).toMatch(new RegExp(`sessions ${a} were running when the previous daemon died: marked lost; reviving ${a} \\(\\[daemon\\] revive_lost = "all"\\)`));
  });

  it('a bad revive_lost is refused, naming the key', async () => {
    const h = home();
    writeFileSync(join(h.dir, 'config.toml'), '[daemon]\nrevive_lost = "some"\n', { mode: 0o600 });
    const r = await h.cw(['start']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/daemon\.revive_lost/);
  });
});
