// `cw daemon restart`: the installed code takes over every running session in the same process (daemon/handover.ts).
// Black box: the built dist/cw.js, a daemon in a temporary CODEWIRE_HOME, a real pty playing the user's terminal,
// and no fixed sleeps.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { alive, CW, exitOf, freePort, makeHome, ROOT, waitFor, type Home } from '../support/harness.js';
import { attachTerminal, disposeTerminals } from '../support/user-terminal.js';

const FAKE_CLAUDE = join(ROOT, 'tests/fixtures/agents/fake-claude.mjs');

interface Row {
  id: number;
  name: string | null;
  state: string;
  pid: number | null;
  cols: number;
  rows: number;
  exitCode: number | null;
  signal: string | null;
}

const SHELL = ['--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile'];

let home: Home | null = null;

afterEach(async () => {
  disposeTerminals();
  await home?.cleanup();
  home = null;
});

async function list(h: Home): Promise<Row[]> {
  return h.json<Row[]>(['list']);
}

async function status(h: Home, ref: string): Promise<Row> {
  return h.json<Row>(['status', ref]);
}

/** A program writing `line N` at full speed until the file `stop` exists, then `done N` and exit 0. */
function writer(stop: string): string[] {
  const js = `const fs=require('fs');let i=0;const f=()=>{for(;;){if(i%2000===0&&fs.existsSync(${JSON.stringify(stop)})){process.stdout.write('done '+i+'\\n',()=>process.exit(0));return}if(!process.stdout.write('line '+(i++)+'\\n'))return process.stdout.once('drain',f)}};f()`;
  return ['--', process.execPath, '-e', js];
}

/** Checks that `text` is `line 0` .. `line N-1`, each once and in order, then `done N`; returns N. */
function checkNumbered(text: string): number {
  const lines = text.replace(/\r/g, '').split('\n').filter((l) => l !== '');
  const last = lines.pop();
  let i = 0;
  for (const l of lines) {
    if (l !== `line ${i}`) throw new Error(`line ${i} expected, got ${JSON.stringify(l)} (after ${i} good lines)`);
    i++;
  }
  expect(last).toBe(`done ${i}`);
  return i;
}

describe('cw daemon restart', () => {
  it(
    'keeps 20 running sessions: same pids, every byte once, attach and followers carry on, exit codes, resize and send',
    async () => {
      const h = (home = makeHome());
      const stop = join(h.dir, 'stop-writer');
      await h.ok(['launch', '--name', 'writer', ...writer(stop)]);
      await h.ok(['launch', '--name', 'term', ...SHELL]);
      await h.ok(['launch', '--name', 'later', ...SHELL]);
      // An agent-like program, idle at its ready prompt.
      await h.ok(['launch', '--name', 'agent', '--agent', 'claude', '--', process.execPath, FAKE_CLAUDE]);
      for (let i = 0; i < 16; i++) await h.ok(['launch', '--name', `s${i}`, ...SHELL]);
      await waitFor(async () => (await h.json<{ activity: string }>(['status', 'agent'])).activity === 'idle', 'the agent to be idle');
      const before = await list(h);
      expect(before.filter((r) => r.state === 'running')).toHaveLength(20);
      const daemonPid = h.daemonPid();
      const v1 = await h.json<{ daemon: { startedAt: string; pid: number } }>(['version']);
      expect(v1.daemon.pid).toBe(daemonPid);

      // A user attached to `term`, a follower of the writer's log, and a waiter on `later`.
      const a = attachTerminal(h, ['term']);
      const shows = async (text: string): Promise<boolean> => (await a.screen()).join('\n').includes(text);
      await waitFor(() => shows('$'), 'the shell prompt in the attached terminal');
      a.type('echo before-$((6*7))\r');
      await waitFor(() => shows('before-42'), 'the attached shell to answer');
      const follower = h.spawn(['logs', '-f', '--raw', 'writer']);
      let followed = '';
      follower.stdout!.on('data', (d: Buffer) => (followed += d.toString('latin1')));
      await waitFor(() => followed.includes('line 1000'), 'the follower to see the writer');
      const waiter = h.spawn(['wait', 'later', '--until', 'exit', '--json']);
      let waited = '';
      waiter.stdout!.on('data', (d: Buffer) => (waited += d.toString()));
      const eventFollower = h.spawn(['events', '-f', '--json', 'later']);
      let eventLines = '';
      eventFollower.stdout!.on('data', (d: Buffer) => (eventLines += d.toString()));

      const r = await h.json<{ restarted: boolean; pid: number; sessions: number; startedAt: string }>(['daemon', 'restart']);
      expect(r).toMatchObject({ restarted: true, pid: daemonPid, sessions: 20 });
      expect(r.startedAt).not.toBe(v1.daemon.startedAt);
      const v2 = await h.json<{ daemon: { startedAt: string; pid: number } }>(['version']);
      expect(v2.daemon).toMatchObject({ pid: daemonPid, startedAt: r.startedAt });

      // Same programs, same pids, all running.
      const after = await list(h);
      for (const b of before) expect(after.find((x) => x.id === b.id)).toMatchObject({ state: 'running', pid: b.pid });
      expect(alive(daemonPid!)).toBe(true);
      // The writer wrote through the hand-over; it stops now (checked at the end), not after tens more megabytes.
      writeFileSync(stop, '');
      // The agent's screen came along: it is read as idle again (never as working, never typed into meanwhile).
      await waitFor(async () => (await h.json<{ activity: string }>(['status', 'agent'])).activity === 'idle', 'the agent to be idle again');
      expect((await h.cw(['screen', 'agent'])).stdout).toContain('? for shortcuts');

      // The attach said so in one line and goes on: typing reaches the same shell.
      await waitFor(() => a.output().includes('[cw] daemon restarted'), 'the attach notice');
      expect(a.output().match(/\[cw\] daemon restarted/g), a.output().slice(-3000)).toHaveLength(1);
      // Said while the daemon was away, and again in the last row over the restored screen (not before the restore,
      // which would clear it at once).
      const out = a.output();
      const restartedAt = out.indexOf('[cw] daemon restarted');
      const lostAt = out.lastIndexOf('the connection to the daemon was lost', restartedAt);
      expect(lostAt).toBeGreaterThan(-1);
      expect(out.lastIndexOf('\x1b[2J', restartedAt)).toBeGreaterThan(lostAt);
      a.type('echo after-$((6*7))\r');
      await waitFor(() => shows('after-42'), 'the attached shell to answer after the restart');
      // Resize works on the handed-over pty: the program sees the new size.
      a.resize(90, 25);
      // The terminal's SIGWINCH and the keys typed after it reach cw attach in either order: wait until the daemon
      // has the size, as a person's next key would.
      await waitFor(async () => {
        const t = await status(h, 'term');
        return t.cols === 90 && t.rows === 25;
      }, 'the daemon to take the new size');
      a.type('stty size\r');
      await waitFor(() => shows('25 90'), 'the new size inside the session');

      // `cw send` reaches a session started before the restart.
      await h.ok(['send', 's3', 'echo sent-$((2+3))']);
      await waitFor(async () => /^sent-5$/m.test((await h.cw(['logs', 's3'])).stdout), 'the sent command to run in s3');

      // A session that ends after the restart has its exit code; the waiter from before sees it.
      await h.ok(['send', 'later', 'exit 7']);
      await waitFor(async () => (await status(h, 'later')).state === 'exited', 'later to exit');
      expect(await status(h, 'later')).toMatchObject({ state: 'exited', exitCode: 7 });
      expect(await exitOf(waiter)).toBe(0);
      expect(waited).toContain('"reached": true');
      // `cw events -f` followed across the restart: later's end arrives once, after the events from before.
      await waitFor(() => eventLines.includes('"session.ended"'), 'the event follower to see later end');
      const evs = eventLines.trim().split('\n').map((l) => JSON.parse(l) as { id: number; type: string });
      expect(new Set(evs.map((e) => e.id)).size).toBe(evs.length);
      expect(evs.filter((e) => e.type === 'session.ended')).toHaveLength(1);
      eventFollower.kill();

      // The writer never stopped until told: its log holds every line once, in order, and so does the follower's copy.
      await h.ok(['wait', 'writer', '--until', 'exit', '--timeout', '30']);
      expect(await status(h, 'writer')).toMatchObject({ state: 'exited', exitCode: 0 });
      const logged = (await h.cw(['logs', '--raw', 'writer'])).stdout;
      const n = checkNumbered(logged);
      expect(n).toBeGreaterThan(1000);
      expect(await exitOf(follower)).toBe(0);
      expect(checkNumbered(followed)).toBe(n);
    },
    120_000,
  );

  it(
    'a follower still reading the history when the daemon restarts picks up where it stopped in it',
    async () => {
      const h = (home = makeHome());
      // 20 MB of history, then the program waits: the follower has far more to read than any buffer holds.
      const bulk = `yes 'history line 0123456789 0123456789 0123456789' | head -n 400000`;
      await h.ok(['launch', '--name', 'big', '--', 'bash', '-c', `${bulk}; echo history-done; read x; echo after-$x; ${bulk}; echo end`]);
      await waitFor(async () => (await h.cw(['logs', '--tail', '1', 'big'])).stdout.includes('history-done'), 'the history to be written');
      const follower = h.spawn(['logs', '-f', '--raw', 'big']);
      const chunks: Buffer[] = [];
      follower.stdout!.on('data', (d: Buffer) => chunks.push(d));
      let stderr = '';
      follower.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      await waitFor(() => chunks.length > 0, 'the follower to begin the history');
      // Stopped in the middle of the history, it is there when the connection goes.
      follower.kill('SIGSTOP');
      await h.ok(['daemon', 'restart']);
      follower.kill('SIGCONT');
      await waitFor(() => stderr.includes('[cw] daemon restarted'), 'the follower to follow the new daemon');
      await h.ok(['send', 'big', 'now']);
      await h.ok(['wait', 'big', '--until', 'exit', '--timeout', '60']);
      expect(await exitOf(follower, 60_000)).toBe(0);
      const log = readFileSync(join(h.dir, 'sessions', String((await status(h, 'big')).id), 'output.log'));
      const got = Buffer.concat(chunks);
      expect(got.equals(log), `follower got ${got.length} bytes of ${log.length}, first difference at ${got.findIndex((b, k) => b !== log[k])}; ${stderr}`).toBe(true);
    },
    60_000,
  );

  it(
    'a launch prompt held back by a dialog is carried over and typed once the dialog is answered',
    async () => {
      const h = (home = makeHome());
      await h.ok(['launch', '--name', 'agent', '--agent', 'claude', '--no-hooks', '--env', 'FAKE_TRUST=1', '--prompt', 'carried prompt', '--', process.execPath, FAKE_CLAUDE]);
      await waitFor(async () => (await h.json<{ activity: string }>(['status', 'agent'])).activity === 'waiting_for_input', 'the trust dialog to hold the prompt');
      expect((await h.json<{ prompt: { state: string } }>(['status', 'agent'])).prompt.state).toBe('pending');
      await h.ok(['daemon', 'restart']);
      expect((await h.json<{ prompt: { state: string } | null }>(['status', 'agent'])).prompt?.state).toBe('pending');
      // Nothing was typed into the dialog meanwhile; a person answers it, then the prompt goes in, once.
      expect((await h.cw(['screen', 'agent'])).stdout).toContain('Do you trust the files in this folder?');
      await h.ok(['send', 'agent', '--key', '1']);
      await waitFor(async () => (await h.json<{ prompt: { state: string } }>(['status', 'agent'])).prompt.state === 'submitted', 'the prompt to be typed');
      await waitFor(async () => (await h.cw(['screen', 'agent'])).stdout.includes('Reply to: carried prompt'), 'the agent to answer the carried prompt');
      expect((await h.cw(['screen', 'agent'])).stdout.match(/> carried prompt/g)).toHaveLength(1);
    },
    60_000,
  );

  it(
    'a cw send racing the restart is typed whole (text and Enter) or not at all, never left unsent in the prompt',
    async () => {
      const h = (home = makeHome());
      await h.ok(['launch', '--name', 'agent', '--agent', 'claude', '--no-hooks', '--', process.execPath, FAKE_CLAUDE]);
      await waitFor(async () => (await h.json<{ activity: string }>(['status', 'agent'])).activity === 'idle', 'the agent to be idle');
      const [sent, restarted] = await Promise.all([h.cw(['send', 'agent', 'racing prompt']), h.cw(['daemon', 'restart'])]);
      expect(restarted.code, restarted.stderr).toBe(0);
      await waitFor(async () => (await h.json<{ activity: string }>(['status', 'agent'])).activity === 'idle', 'the agent idle after the restart');
      const screen = (await h.cw(['screen', 'agent'])).stdout;
      if (sent.code === 0) {
        // Typed before the hand-over: submitted, so the agent answers it.
        await waitFor(async () => (await h.cw(['screen', 'agent'])).stdout.includes('Reply to: racing prompt'), 'the reply to the raced prompt');
      } else {
        // Cut by the hand-over before anything was typed: the prompt box is empty, the client said so.
        expect(sent.stderr).toMatch(/daemon closed the connection|connection/);
        expect(screen).not.toContain('racing prompt');
      }
    },
    60_000,
  );

  it(
    'remote clients over WebSocket follow the restart: logs -f goes on from the byte where it stopped, wait still returns',
    async () => {
      const port = await freePort();
      const h = (home = makeHome());
      writeFileSync(join(h.dir, 'config.toml'), `[daemon]\nlisten = "127.0.0.1:${port}"\n`);
      await h.ok(['start']);
      await waitFor(() => readFileSync(join(h.dir, 'daemon.log'), 'utf8').includes('listening for remote clients'), 'the WebSocket listener');
      const token = (await h.ok(['token'])).trim();
      const stop = join(h.dir, 'stop-writer');
      await h.ok(['launch', '--name', 'writer', ...writer(stop)]);
      await h.ok(['launch', '--name', 'sh', ...SHELL]);
      // The clients run with another home (no daemon of their own) and reach this one over the network only.
      const client = makeHome();
      try {
        const remoteEnv = { CODEWIRE_SERVER: `ws://127.0.0.1:${port}`, CODEWIRE_TOKEN: token };
        const spawnRemote = (args: string[]) => spawn(process.execPath, [CW, ...args], { env: { ...client.env, ...remoteEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
        const follower = spawnRemote(['logs', '-f', '--raw', 'writer']);
        let followed = '';
        let said = '';
        follower.stdout!.on('data', (d: Buffer) => (followed += d.toString('latin1')));
        follower.stderr!.on('data', (d: Buffer) => (said += d.toString()));
        const waiter = spawnRemote(['wait', 'sh', '--until', 'exit']);
        await waitFor(() => followed.includes('line 1000'), 'the remote follower to see the writer');

        expect((await h.cw(['daemon', 'restart'])).code).toBe(0);
        await waitFor(() => said.includes('[cw] daemon restarted'), 'the remote follower to reconnect', 30_000);
        await h.ok(['send', 'sh', 'exit 4']);
        expect(await exitOf(waiter, 30_000)).toBe(0); // asked again of the new daemon, which saw the exit
        writeFileSync(stop, '');
        expect(await exitOf(follower, 30_000)).toBe(0);
        expect(checkNumbered(followed)).toBe(checkNumbered((await h.cw(['logs', '--raw', 'writer'])).stdout));
      } finally {
        await client.cleanup();
      }
    },
    90_000,
  );

  it(
    'refuses when the installed code cannot take over, and nothing changes',
    async () => {
      const h = (home = makeHome());
      await h.ok(['launch', '--name', 'a', ...SHELL]);
      const v1 = await h.json<{ daemon: { startedAt: string; pid: number } }>(['version']);
      // The check run by the installed code reads config.toml: a broken one makes it refuse.
      writeFileSync(join(h.dir, 'config.toml'), '[daemon\n');
      const r = await h.cw(['daemon', 'restart']);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/cannot take over running sessions/);
      expect(r.stderr.trim().split('\n').length).toBeLessThanOrEqual(2);
      const v2 = await h.json<{ daemon: { startedAt: string; pid: number } }>(['version']);
      expect(v2.daemon).toEqual(v1.daemon);
      // The session still answers on the same daemon.
      await h.ok(['send', 'a', 'echo still-$((1+1))']);
      await waitFor(async () => /^still-2$/m.test((await h.cw(['logs', 'a'])).stdout), 'the session to answer');
    },
    60_000,
  );

  it(
    'killing the daemon during the hand-over leaves no program nobody owns',
    async () => {
      // At once; once the old code has written its state (just before the exec); once the new code has taken over.
      for (const moment of [null, 'restarting: handing', 'restarted: took over']) {
        const h = (home = makeHome());
        await h.ok(['launch', '--name', 'plain', ...SHELL]);
        // A program that ignores the hangup its closing terminal sends.
        await h.ok(['launch', '--name', 'stubborn', '--', 'bash', '--norc', '-c', "trap '' HUP; while :; do sleep 0.1; done"]);
        const pids = (await list(h)).map((r) => r.pid!);
        const daemonPid = h.daemonPid()!;
        const restart = h.cw(['daemon', 'restart']);
        if (moment) await waitFor(() => readFileSync(join(h.dir, 'daemon.log'), 'utf8').includes(moment), `'${moment}' in daemon.log`);
        process.kill(daemonPid, 'SIGKILL');
        await restart;
        // Whatever the moment: the next daemon owns every session, or reports it lost and ended its program.
        const rows = await list(h);
        for (const row of rows) {
          if (row.state === 'running') continue;
          expect(row.state).toBe('lost');
        }
        const lostPids = rows.filter((r) => r.state === 'lost').map((r) => r.pid!);
        await waitFor(() => lostPids.every((p) => !alive(p)), `the programs of lost sessions (${lostPids.join(', ')}) to be ended`, 15_000);
        expect(pids.length).toBe(2);
        expect(existsSync(join(h.dir, 'handover.json'))).toBe(false);
        await h.cleanup();
        home = null;
      }
    },
    120_000,
  );
});
