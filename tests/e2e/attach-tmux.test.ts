// `cw attach` as tmux users expect it, through real ptys: detaching gives the user's screen back, a notice says
// how to detach, the prefix is configurable, clients of different sizes never garble each other, and the
// scrollback view (prefix then [) scrolls, searches and copies through OSC 52.
import { afterEach, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CW, makeHome, waitFor, type Home } from '../support/harness.js';
import { attachTerminal, disposeTerminals, exitWithin, userTerminal, type UserTerminal } from '../support/user-terminal.js';

const SHELL = ['--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile'];

let home: Home | null = null;

afterEach(async () => {
  disposeTerminals();
  await home?.cleanup();
  home = null;
});

function newHome(config?: string): Home {
  home = makeHome();
  if (config !== undefined) writeFileSync(join(home.dir, 'config.toml'), config, { mode: 0o600 });
  return home;
}

async function launch(h: Home, args: string[]): Promise<number> {
  return Number((await h.ok(['launch', ...args])).trim());
}

async function status(h: Home, id: number): Promise<{ cols: number; rows: number; clients: number }> {
  return h.json(['status', String(id)]);
}

const prompt = (lines: string[]): boolean => lines.some((l) => l === '$' || l.startsWith('$ '));
const lastRow = (lines: string[]): string => lines[lines.length - 1]!;

describe('cw attach like tmux', () => {
  it('detach gives the terminal back as it was: the marker line is back and the program screen is gone', async () => {
    const h = newHome();
    const id = await launch(h, SHELL);
    // The user's shell printed a marker, then ran cw attach in the same terminal.
    const t = userTerminal(h, '/bin/sh', ['-c', 'printf "outer-marker\\n"; exec "$@"', 'sh', process.execPath, CW, 'attach', String(id), '--quiet'], 90, 20);
    await t.waitScreen(prompt, 'the session prompt');
    t.type('echo inner-$((40+2))\r');
    await t.waitScreen((l) => l.includes('inner-42'), 'the program output while attached');
    expect((await t.screen()).includes('outer-marker')).toBe(false);
    t.type('\x02d');
    expect(await exitWithin(t)).toBe(0);
    const lines = await t.waitScreen((l) => l[1] === `[cw] detached from session ${id}`, 'the detach message under the marker');
    expect(lines[0]).toBe('outer-marker');
    expect(lines.join('\n')).not.toContain('inner-42');
    expect(t.term.buffer.active.type).toBe('normal');
  }, 30_000);

  it('shows a notice in the last row on attach and then redraws it away; --quiet and [attach] notice = false turn it off', async () => {
    const h = newHome();
    const id = await launch(h, ['--name', 'api', ...SHELL]);
    const t = attachTerminal(h, [String(id)], 120, 20);
    await t.waitScreen((l) => lastRow(l).startsWith('[cw] attached to api · Ctrl+B d to detach · Ctrl+B [ to scroll'), 'the notice');
    await t.waitScreen((l) => prompt(l) && !l.join('\n').includes('[cw]'), 'the screen without the notice', 10_000);
    t.type('\x02d');
    expect(await exitWithin(t)).toBe(0);

    // Inside tmux the notice says whose the prefix is.
    const inTmux = attachTerminal(h, [String(id)], 200, 20, { TMUX: '/tmp/tmux-0/default,1,0' });
    await inTmux.waitScreen((l) => lastRow(l).includes("Ctrl+B is tmux's too, press it twice: Ctrl+B Ctrl+B d detaches"), 'the tmux notice');
    inTmux.type('\x02d');
    expect(await exitWithin(inTmux)).toBe(0);

    for (const [args, what] of [[['--quiet'], '--quiet'], [[], 'notice = false']] as const) {
      if (what === 'notice = false') writeFileSync(join(h.dir, 'config.toml'), '[attach]\nnotice = false\n', { mode: 0o600 });
      const q = attachTerminal(h, [String(id), ...args], 120, 20);
      await q.waitScreen(prompt, `the prompt (${what})`);
      q.type(`echo after-$((2+3))\r`);
      await q.waitScreen((l) => l.includes('after-5'), `output (${what})`);
      expect(q.output()).not.toContain('[cw] attached');
      q.type('\x02d');
      expect(await exitWithin(q)).toBe(0);
    }
  }, 45_000);

  it('takes another prefix from --prefix and from config.toml; Ctrl+B then reaches the program', async () => {
    const h = newHome('[attach]\nprefix = "C-a"\n');
    const id = await launch(h, ['--', 'bash', '-c', 'stty -echo; echo cat-ready; exec cat -v']);
    const t = attachTerminal(h, [String(id), '--quiet']);
    await t.waitScreen((l) => l.includes('cat-ready'), 'cat -v ready');
    t.type('x\x02dy\r');
    await t.waitScreen((l) => l.includes('x^Bdy'), 'Ctrl+B d reaching the program');
    expect(t.exitCode).toBeNull();
    t.type('\x01\x01z\r');
    await t.waitScreen((l) => l.includes('^Az'), 'Ctrl+A Ctrl+A sending one Ctrl+A');
    t.type('\x01d');
    expect(await exitWithin(t)).toBe(0);
    await t.waitOutput(`[cw] detached from session ${id}`);

    // --prefix wins over the file; a bad one is a usage error that says how to write it.
    const u = attachTerminal(h, [String(id), '--quiet', '--prefix', '^t']);
    await u.waitScreen((l) => l.includes('^Az'), 'the screen restored');
    u.type('\x14d');
    expect(await exitWithin(u)).toBe(0);
    const bad = await h.cw(['attach', String(id), '--prefix', 'x']);
    expect(bad.code).toBe(2);
  }, 30_000);

  it('draws a client of another size clipped, never wrapped, and fits every client with --size-policy smallest', async () => {
    const h = newHome();
    const id = await launch(h, SHELL);
    const big = attachTerminal(h, [String(id), '--quiet'], 100, 30);
    await big.waitScreen(prompt, 'the prompt in the big client');
    const small = attachTerminal(h, [String(id), '--quiet'], 60, 20);
    await small.waitScreen(prompt, 'the prompt in the small client');
    // The big client types last: the session is 100 columns, the small client is drawn clipped.
    big.type("clear; printf 'L%.0s' $(seq 1 95); echo END; echo after-$((1+1))\r");
    const full = await big.waitScreen((l) => l.includes('after-2'), 'the long line in the big client');
    expect((await status(h, id)).cols).toBe(100);
    expect(full.some((l) => l === `${'L'.repeat(95)}END`)).toBe(true);
    const clipped = await small.waitScreen((l) => l.includes('after-2'), 'the long line in the small client');
    // Each row is the big client's row cut at 60 columns: no row starts with the wrapped tail of the long line.
    expect(clipped).toEqual(full.slice(0, 20).map((l) => l.slice(0, 60).trimEnd()));
    expect(clipped.some((l) => l.startsWith('LLLEND') || l.startsWith('END'))).toBe(false);

    // The small client types: the session takes its size and it is back on the raw stream, exactly.
    small.type('echo small-$(tput cols)x$(tput lines)\r');
    await small.waitScreen((l) => l.includes('small-60x20'), 'the small client owning the size');
    await big.waitScreen((l) => l.includes('small-60x20'), 'the big client drawn at 60x20');
    small.type('\x02d');
    big.type('\x02d');
    expect(await exitWithin(small)).toBe(0);
    expect(await exitWithin(big)).toBe(0);

    // smallest: whoever types, the session fits both; the big client sees the rest blank.
    const b2 = attachTerminal(h, [String(id), '--quiet', '--size-policy', 'smallest'], 100, 30);
    await b2.waitScreen(prompt, 'the prompt (smallest)');
    const s2 = attachTerminal(h, [String(id), '--quiet', '--size-policy', 'smallest'], 70, 20);
    await s2.waitScreen(prompt, 'the prompt in the small client (smallest)');
    b2.type('clear; echo fit-$(tput cols)x$(tput lines)\r');
    await s2.waitScreen((l) => l.includes('fit-70x20'), 'the small client at 70x20');
    const b2lines = await b2.waitScreen((l) => l.includes('fit-70x20'), 'the big client showing the 70x20 session');
    expect(b2lines.slice(20).every((l) => l === '')).toBe(true);
    expect(await status(h, id)).toMatchObject({ cols: 70, rows: 20, clients: 2 });
  }, 60_000);

  it('scrollback view: earlier lines, search, OSC 52 copy, back to live; the wheel opens it', async () => {
    const h = newHome();
    const id = await launch(h, SHELL);
    const t = attachTerminal(h, [String(id), '--quiet'], 80, 24);
    await t.waitScreen(prompt, 'the prompt');
    t.type('for i in $(seq 1 200); do echo row-$i; done\r');
    await t.waitScreen((l) => l.includes('row-200'), 'the last row');
    t.type('\x02[');
    await t.waitScreen((l) => lastRow(l).startsWith('[cw scrollback]'), 'the scrollback status line');
    t.type('g');
    await t.waitScreen((l) => l.slice(0, 23).some((x) => x.includes('for i in')) && l.includes('row-1'), 'the earliest lines');
    t.type('/row-42\r');
    const found = await t.waitScreen((l) => lastRow(l).includes('found: row-42'), 'the search result');
    expect(found).toContain('row-42');
    expect(found).not.toContain('row-200');
    // Select the found line and the two after it, copy them.
    t.type('vjjy');
    const b64 = Buffer.from('row-42\nrow-43\nrow-44').toString('base64');
    await t.waitOutput(`\x1b]52;c;${b64}\x07`);
    t.type('n');
    await t.waitScreen((l) => lastRow(l).includes('row-42'), 'n: the next match (wrapping)');
    t.type('q');
    await t.waitScreen((l) => prompt(l) && l.includes('row-200') && !l.join('\n').includes('[cw scrollback]'), 'the live screen again');
    t.type('echo live-$((3*3))\r');
    await t.waitScreen((l) => l.includes('live-9'), 'typing reaches the program again');

    // The program has no mouse reporting: cw turned it on for the wheel, and a wheel-up opens the view.
    expect(t.output()).toContain('\x1b[?1000h\x1b[?1006h');
    t.type('\x1b[<64;10;10M');
    await t.waitScreen((l) => lastRow(l).startsWith('[cw scrollback]'), 'the view opened by the wheel');
    t.type('\x1b');
    await t.waitScreen((l) => l.includes('live-9') && !l.join('\n').includes('[cw scrollback]'), 'Esc back to live');
    t.type('\x02d');
    expect(await exitWithin(t)).toBe(0);
  }, 45_000);
});
