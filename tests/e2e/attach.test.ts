// `cw attach` through a real pty: node-pty plays the user's terminal, @xterm/headless shows what the user sees.
// Black box: only the built dist/cw.js, a daemon in a temporary CODEWIRE_HOME, and no fixed sleeps.
import { afterEach, describe, expect, it } from 'vitest';
import { CW, makeHome, waitFor, type Home } from '../support/harness.js';
import { attachTerminal, disposeTerminals, exitWithin, userTerminal } from '../support/user-terminal.js';

interface SessionStatus {
  id: number;
  state: string;
  exitCode: number | null;
  cols: number;
  rows: number;
  clients: number;
}


const SHELL = ['--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile'];
/** Keeps a node program alive without output. */
const IDLE = 'setInterval(() => {}, 1 << 30);';

let home: Home | null = null;

afterEach(async () => {
  disposeTerminals();
  await home?.cleanup();
  home = null;
});

function newHome(): Home {
  home = makeHome();
  return home;
}

/** `cw attach ARGS...` in a user terminal of cols x rows. */
const attach = attachTerminal;

async function launch(h: Home, args: string[]): Promise<number> {
  return Number((await h.ok(['launch', ...args])).trim());
}

function status(h: Home, id: number): Promise<SessionStatus> {
  return h.json<SessionStatus>(['status', String(id)]);
}

async function waitSize(h: Home, id: number, cols: number, rows: number): Promise<void> {
  let last: SessionStatus | null = null;
  await waitFor(
    async () => {
      last = await status(h, id);
      return last.cols === cols && last.rows === rows;
    },
    `session ${id} at ${cols}x${rows}`,
  ).catch((err: Error) => {
    throw new Error(`${err.message}; last status: ${JSON.stringify(last)}`);
  });
}

const prompt = (lines: string[]): boolean => lines.some((l) => l === '$');

/** Launches `node -e SCRIPT` and waits until the session's own screen (nobody attached) shows `marker`. */
async function launchNode(h: Home, script: string, marker: string, extra: string[] = []): Promise<number> {
  const id = await launch(h, [...extra, '--', process.execPath, '-e', script]);
  await waitFor(async () => (await h.ok(['screen', String(id)])).includes(marker), `'${marker}' on session ${id}'s screen`);
  return id;
}

describe('cw attach through a real terminal', () => {
  it('restores the screen exactly, main and alternate, from the headless terminal', async () => {
    const h = newHome();
    // Main screen, drawn while nobody is attached; attached at a different size than the launch size.
    const id = await launchNode(
      h,
      `process.stdout.write('first line\\nsecond  line\\n\\x1b[1;31mthird line in red\\x1b[0m\\n'); ${IDLE}`,
      'third line in red',
    );
    // --quiet: no notice in the last row, so the whole screen can be compared (attach-tmux.test.ts tests the notice).
    const a = attach(h, [String(id), '--quiet'], 100, 30);
    const lines = await a.waitScreen((l) => l[2] === 'third line in red', 'the restored main screen');
    expect(lines).toEqual(['first line', 'second  line', 'third line in red', ...Array<string>(27).fill('')]);
    const buf = a.term.buffer.active;
    // The session is drawn on the user's alternate screen, whatever screen the program is on.
    expect(buf.type).toBe('alternate');
    expect([buf.cursorX, buf.cursorY]).toEqual([0, 3]);
    const red = buf.getLine(buf.baseY + 2)!.getCell(0)!;
    expect(red.isBold()).toBeTruthy();
    expect(red.isFgPalette()).toBe(true);
    expect(red.getFgColor()).toBe(1);
    expect(buf.getLine(buf.baseY)!.getCell(0)!.isFgDefault()).toBe(true);
    a.type('\x02d');
    expect(await exitWithin(a)).toBe(0);

    // Alternate screen: a tiny full-screen program that drew a box and a status line, then went quiet.
    const box = [
      "const w = (s) => process.stdout.write(s);",
      "w('main-before-alt\\n');",
      "w('\\x1b[?1049h\\x1b[H\\x1b[2J');",
      "w('\\x1b[3;5H+--------+\\x1b[4;5H| boxed  |\\x1b[5;5H+--------+');",
      "w('\\x1b[10;1Hstatus: ready\\x1b[4;7H');",
      IDLE,
    ].join(' ');
    const altId = await launchNode(h, box, 'status: ready', ['--size', '80x24']);
    const b = attach(h, [String(altId), '--quiet'], 80, 24);
    const alt = await b.waitScreen((l) => l[9] === 'status: ready', 'the restored alternate screen');
    const expected = Array<string>(24).fill('');
    expected[2] = '    +--------+';
    expected[3] = '    | boxed  |';
    expected[4] = '    +--------+';
    expected[9] = 'status: ready';
    expect(alt).toEqual(expected);
    expect(b.term.buffer.active.type).toBe('alternate');
    expect([b.term.buffer.active.cursorX, b.term.buffer.active.cursorY]).toEqual([6, 3]);
    // The user's own screen is untouched underneath: nothing of the program's main screen was drawn on it.
    const normal = b.term.buffer.normal;
    expect(normal.getLine(normal.baseY)?.translateToString(true).trimEnd()).toBe('');
    b.type('\x02d');
    expect(await exitWithin(b)).toBe(0);
    // Detaching leaves the user's terminal on its normal screen (the reset may land just after the exit), as it was.
    await b.waitOutput(`[cw] detached from session ${altId}`);
    await b.waitScreen(() => b.term.buffer.active.type === 'normal', 'the normal screen after detaching');
    const after = await b.screen();
    expect(after[0], `the normal screen after detaching:\n${after.join('\n')}\nthe output's tail: ${JSON.stringify(b.output().slice(-400))}`).toBe(`[cw] detached from session ${altId}`);
  }, 40_000);

  it('types into the session: the output shows on screen and in cw logs', async () => {
    const h = newHome();
    const id = await launch(h, SHELL);
    const a = attach(h, [String(id)]);
    await a.waitScreen(prompt, 'the shell prompt');
    a.type('echo typed-$((6*7))\r');
    await a.waitScreen((l) => l.includes('typed-42'), 'typed-42 on screen');
    await waitFor(async () => (await h.ok(['logs', String(id)])).split('\n').some((l) => l.trim() === 'typed-42'), 'typed-42 in cw logs');
    a.type('\x02d');
    expect(await exitWithin(a)).toBe(0);
  }, 30_000);

  it('gives the session the attached terminal size, follows resizes, and returns to the launch size on detach', async () => {
    const h = newHome();
    const id = await launch(h, SHELL);
    expect(await status(h, id)).toMatchObject({ cols: 120, rows: 40 });
    const a = attach(h, [String(id)], 100, 30);
    await a.waitScreen(prompt, 'the shell prompt');
    await waitSize(h, id, 100, 30);
    a.type('echo size-1=$(tput cols)x$(tput lines)\r');
    await a.waitScreen((l) => l.includes('size-1=100x30'), 'tput reporting 100x30');

    a.resize(90, 25);
    await waitSize(h, id, 90, 25);
    a.type('echo size-2=$(tput cols)x$(tput lines)\r');
    await a.waitScreen((l) => l.includes('size-2=90x25'), 'tput reporting 90x25');
    expect((await status(h, id)).clients).toBe(1);

    a.type('\x02d');
    expect(await exitWithin(a)).toBe(0);
    await waitSize(h, id, 120, 40);
    expect((await status(h, id)).clients).toBe(0);
  }, 30_000);

  it('detaches on Ctrl+B d, leaving the session running; Ctrl+B Ctrl+B sends one Ctrl+B', async () => {
    const h = newHome();
    // No tty echo, so only cat -v's own output shows what reached the program.
    const id = await launch(h, ['--', 'bash', '-c', 'stty -echo; echo cat-ready; exec cat -v']);
    const a = attach(h, [String(id)]);
    await a.waitScreen((l) => l.includes('cat-ready'), 'cat -v ready');
    a.type('one\x02\x02two\r');
    await a.waitScreen((l) => l.includes('one^Btwo'), 'one Ctrl+B reaching the program');
    expect(a.exitCode).toBeNull(); // Ctrl+B Ctrl+B did not detach

    a.type('\x02d');
    expect(await exitWithin(a)).toBe(0);
    await a.waitOutput(`[cw] detached from session ${id}`);
    const list = await h.json<SessionStatus[]>(['list']);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id, state: 'running', clients: 0 });
    // Nothing of the chord reached the program: its output is exactly the one line typed.
    const logs = await h.ok(['logs', String(id)]);
    expect(logs.split(/\r?\n/).filter((l) => l.length > 0)).toEqual(['cat-ready', 'one^Btwo']);
  }, 30_000);

  it('shares a session between two clients: same output, input from both, the most recent writer sets the size', async () => {
    const h = newHome();
    const id = await launch(h, SHELL);
    const a = attach(h, [String(id)], 100, 30);
    await a.waitScreen(prompt, 'the prompt in client A');
    await waitSize(h, id, 100, 30);
    const b = attach(h, [String(id)], 80, 24);
    await b.waitScreen(prompt, 'the prompt in client B');
    await waitSize(h, id, 80, 24); // the newest interactive client's size applies
    expect((await status(h, id)).clients).toBe(2);

    a.type('echo from-a-$(tput cols)x$(tput lines)\r');
    for (const [c, n] of [[a, 'A'], [b, 'B']] as const) {
      await c.waitScreen((l) => l.includes('from-a-100x30'), `A's command output in client ${n}`);
    }
    expect((await status(h, id)).cols).toBe(100);

    b.type('echo from-b-$(tput cols)x$(tput lines)\r');
    for (const [c, n] of [[a, 'A'], [b, 'B']] as const) {
      await c.waitScreen((l) => l.includes('from-b-80x24'), `B's command output in client ${n}`);
    }
    expect(await status(h, id)).toMatchObject({ cols: 80, rows: 24 });

    // B (the size owner) leaves: A's size applies again; then A leaves: back to the launch size.
    b.type('\x02d');
    expect(await exitWithin(b)).toBe(0);
    await waitSize(h, id, 100, 30);
    a.type('\x02d');
    expect(await exitWithin(a)).toBe(0);
    await waitSize(h, id, 120, 40);
  }, 40_000);

  it('reports the session exiting while attached and restores the terminal', async () => {
    const h = newHome();
    const id = await launch(h, SHELL);
    // A wrapper shell prints the exit code and the terminal's modes once cw attach has returned.
    const a = userTerminal(
      h,
      '/bin/sh',
      ['-c', '"$@"; echo "[rc=$?]"; stty -a', 'sh', process.execPath, CW, 'attach', String(id)],
      100,
      30,
    );
    await a.waitScreen(prompt, 'the shell prompt');
    // The program leaves the user's terminal on the alternate screen with application cursor keys.
    a.type("printf '\\033[?1049h\\033[?1h'\r");
    // (The user's terminal is on its alternate screen from the attach on.)
    await waitFor(async () => (await a.screen()) && a.term.modes.applicationCursorKeysMode, 'application cursor keys');
    expect(a.term.buffer.active.type).toBe('alternate');

    a.type('exit\r');
    await a.waitOutput(`[cw] session ${id} exited (code 0)`);
    await a.waitOutput('[rc=0]');
    expect(await exitWithin(a)).toBe(0);
    // Cooked mode again (raw mode would show -icanon -echo), normal screen, normal cursor keys.
    const stty = await waitFor(() => {
      const after = a.output().slice(a.output().indexOf('[rc=0]'));
      return after.includes('extproc') && after; // the last flag stty -a prints
    }, 'the stty -a report');
    expect(stty).toMatch(/(^|\s)icanon(\s|$)/m);
    expect(stty).toMatch(/(^|\s)echo(\s|$)/m);
    await a.screen();
    expect(a.term.buffer.active.type).toBe('normal');
    expect(a.term.modes.applicationCursorKeysMode).toBe(false);
    expect(await status(h, id)).toMatchObject({ state: 'exited', exitCode: 0, clients: 0 });
  }, 30_000);

  it('--read-only shows the output but types nothing and resizes nothing; Ctrl+B d still detaches', async () => {
    const h = newHome();
    const id = await launch(h, SHELL);
    await waitFor(async () => (await h.ok(['screen', String(id)])).includes('$'), 'the shell prompt');
    const a = attach(h, [String(id), '--read-only'], 70, 20);
    await a.waitScreen(prompt, 'the prompt in the read-only client');
    a.type('echo ro-$((3*3))\r');
    await h.ok(['send', String(id), 'echo marker-$((5*5))']);
    await a.waitScreen((l) => l.includes('marker-25'), 'output from cw send in the read-only client');
    expect(await status(h, id)).toMatchObject({ cols: 120, rows: 40, clients: 1 });

    a.type('\x02d');
    expect(await exitWithin(a)).toBe(0);
    await a.waitOutput(`[cw] detached from session ${id}`);
    // Anything the read-only client had forwarded would be in the pty ahead of this second marker.
    await h.ok(['send', String(id), 'echo marker-$((6*6))']);
    await waitFor(async () => (await h.ok(['logs', String(id)])).includes('marker-36'), 'marker-36 in cw logs');
    const logs = await h.ok(['logs', String(id)]);
    expect(logs).not.toContain('ro-');
    expect(await status(h, id)).toMatchObject({ state: 'running', cols: 120, rows: 40, clients: 0 });
  }, 30_000);

  it('a --read-only client too slow for the output is not dropped: it skips what it cannot take and is redrawn', async () => {
    const h = newHome();
    const id = await launch(h, SHELL);
    await waitFor(async () => (await h.ok(['screen', String(id)])).includes('$'), 'the shell prompt');
    const a = attach(h, [String(id), '--read-only'], 120, 40);
    await a.waitScreen(prompt, 'the prompt in the read-only client');
    // The viewer stops reading (a slow link) while the program writes far more than any queue holds.
    process.kill(a.proc.pid, 'SIGSTOP');
    try {
      await h.ok(['send', String(id), `yes 'a viewer cannot keep up with this line 0123456789' | head -n 400000; echo flood-$((4*4))`]);
      await waitFor(async () => (await h.ok(['screen', String(id)])).includes('flood-16'), 'the flood to end', 60_000);
    } finally {
      process.kill(a.proc.pid, 'SIGCONT');
    }
    // Still attached, and its screen is the session's screen now.
    await a.waitScreen((l) => l.includes('flood-16'), 'the redrawn screen in the read-only client', 30_000);
    expect(a.exitCode).toBeNull();
    expect(a.output()).not.toContain('too far behind');
    expect(await status(h, id)).toMatchObject({ clients: 1 });
    await h.ok(['send', String(id), 'echo after-$((7*7))']);
    await a.waitScreen((l) => l.includes('after-49'), 'live output again');
    a.type('\x02d');
    expect(await exitWithin(a)).toBe(0);
  }, 90_000);

  it('refuses an exited session with a pointer to cw logs; without SESSION picks the most recent running one', async () => {
    const h = newHome();
    const first = await launch(h, SHELL);
    const second = await launch(h, SHELL);
    const done = await launch(h, ['--', 'bash', '-c', 'echo finished']);
    await waitFor(async () => (await status(h, done)).state === 'exited', `session ${done} to exit`);

    const bad = attach(h, [String(done)]);
    expect(await exitWithin(bad)).toBe(1);
    await bad.waitOutput(`cw logs ${done}`);

    const a = attach(h, []);
    await a.waitScreen(prompt, 'the prompt of the picked session');
    await waitFor(async () => (await status(h, second)).clients === 1, `a client on session ${second}`);
    expect((await status(h, first)).clients).toBe(0);
    a.type('\x02d');
    expect(await exitWithin(a)).toBe(0);
    await a.waitOutput(`[cw] detached from session ${second}`);
  }, 30_000);
});
