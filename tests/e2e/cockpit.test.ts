// `cw top` through a real pty: node-pty plays the user's terminal, @xterm/headless shows what the user sees.
// Black box: the built dist/cw.js, a daemon in a temporary CODEWIRE_HOME, and no fixed sleeps.
import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { SessionInfo } from '../../src/protocol/index.js';
import { CW, ROOT, makeHome, waitFor, type Home } from '../support/harness.js';

import { disposeTerminals, userTerminal, type UserTerminal } from '../support/user-terminal.js';

const FAKE_CLAUDE = join(ROOT, 'tests/fixtures/agents/fake-claude.mjs');

let home: Home | null = null;

afterEach(async () => {
  disposeTerminals();
  await home?.cleanup();
  home = null;
});

/** `cw ARGS` in a user terminal of cols x rows (a full-screen program: 15 s for each screen to appear). */
const cwTerminal = (h: Home, args: string[], cols = 110, rows = 30): UserTerminal =>
  userTerminal(h, process.execPath, [CW, ...args], cols, rows, {}, { waitMs: 15_000 });

/** The screen row that shows session `name` in the list (its name column). */
const rowOf = (lines: string[], name: string): string | undefined => lines.find((l) => new RegExp(`^\\S\\s+\\d+ ${name}\\s`).test(l));

describe('cw top', () => {
  it('shows the sessions and the selected one\'s screen, answers a dialog, attaches and comes back, and quits cleanly', { timeout: 120_000 }, async () => {
    const h = (home = makeHome());
    await h.ok(['launch', '--name', 'fc', '--agent', 'claude', '--', process.execPath, FAKE_CLAUDE]);
    const sh = (await h.ok(['launch', '--name', 'sh', '--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile'])).trim();
    await waitFor(async () => (await h.json<SessionInfo>(['status', sh])).activity === 'idle', 'the shell at its prompt');
    await h.ok(['send', 'sh', 'echo marker-$((6*7))']);
    await h.ok(['send', 'fc', 'please ask permission']);
    await waitFor(async () => (await h.json<SessionInfo>(['status', 'fc'])).activity === 'waiting_for_input', 'the permission dialog');

    const t = cwTerminal(h, ['top']);
    // The waiting session comes first, is selected, and its dialog is in the preview.
    let lines = await t.waitScreen((l) => !!rowOf(l, 'fc')?.includes('WAITING') && l.some((x) => x.includes('Do you want to proceed?')), 'fc waiting, with its dialog in the preview');
    expect(lines[0]).toMatch(/cw top · 2 sessions · 0 working · 1 waiting/);
    expect(rowOf(lines, 'sh')).toMatch(/^○\s+\d+ sh\s+idle/);
    expect(lines.indexOf(rowOf(lines, 'fc')!)).toBeLessThan(lines.indexOf(rowOf(lines, 'sh')!));
    expect(lines.some((l) => l.startsWith(' dialog: 1 2 3 y n'))).toBe(true);
    expect(t.term.buffer.active.type).toBe('alternate');

    // `1` answers the dialog in place: the turn ends and the agent is idle again.
    t.type('1');
    await t.waitScreen((l) => !!rowOf(l, 'fc')?.match(/^○\s+\d+ fc\s+idle/), 'fc idle after the answer', 30_000);
    expect(await h.ok(['last-message', 'fc'])).toContain('Done: please ask permission');

    // Down to the shell: its screen shows in the preview.
    t.type('\x1b[B');
    lines = await t.waitScreen((l) => l.some((x) => x.startsWith('── ') && x.includes(' sh · ')) && l.includes('marker-42'), 'the shell in the preview');

    // Enter attaches in the same terminal; Ctrl+B d comes back to the cockpit.
    t.type('\r');
    await t.waitScreen((l) => !l.some((x) => x.includes('cw top ·')) && l.some((x) => x.includes('marker-42')), 'attached to the shell');
    await waitFor(async () => (await h.json<SessionInfo>(['status', 'sh'])).clients >= 1, 'the attach client');
    t.type('echo typed-$((2+3))\r');
    await t.waitScreen((l) => l.includes('typed-5'), 'typing reaches the shell');
    t.type('\x02d');
    await t.waitScreen((l) => !!l[0]?.includes('cw top ·') && !!rowOf(l, 'sh'), 'back in the cockpit');
    expect(t.term.buffer.active.type).toBe('alternate');

    // q quits: the alternate screen is left, and cw exits 0.
    t.type('q');
    expect(await t.exited).toBe(0);
    await t.screen();
    expect(t.term.buffer.active.type).toBe('normal');
  });

  it('kills with a y/n confirm, sends a line, and filters', { timeout: 60_000 }, async () => {
    const h = (home = makeHome());
    await h.ok(['launch', '--name', 'a1', '--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile']);
    await h.ok(['launch', '--name', 'b2', '--', 'sleep', '1000']);
    const t = cwTerminal(h, ['top'], 100, 24);
    await t.waitScreen((l) => !!rowOf(l, 'a1') && !!rowOf(l, 'b2'), 'both rows');
    t.type('s');
    await t.waitScreen((l) => l.some((x) => x.startsWith(' send a line:')), 'the send prompt');
    t.type('echo sent-$((40+2))\r');
    await t.waitScreen((l) => l.includes('sent-42'), 'the sent line in the preview');
    t.type('/b2\r');
    await t.waitScreen((l) => !rowOf(l, 'a1') && !!rowOf(l, 'b2') && l[0]!.includes('filter: b2'), 'only b2');
    t.type('x');
    await t.waitScreen((l) => l.some((x) => x.includes('kill ') && x.includes('b2? y/n')), 'the kill confirm');
    t.type('y');
    await t.waitScreen((l) => !!rowOf(l, 'b2')?.match(/^✕\s+\d+ b2\s+killed/), 'b2 killed');
    t.type('\x1b'); // Esc clears the filter
    await t.waitScreen((l) => !!rowOf(l, 'a1'), 'the filter cleared');
    // SIGTERM restores the terminal too.
    t.proc.kill('SIGTERM');
    await t.exited;
    await t.screen();
    expect(t.term.buffer.active.type).toBe('normal');
  });

  it('opens with 200 sessions without hanging', { timeout: 300_000 }, async () => {
    const h = (home = makeHome());
    await h.ok(['start']);
    const N = 200;
    const started = Date.now();
    // Launched 10 at a time: each `cw launch` is a process of its own.
    for (let i = 0; i < N; i += 10) {
      await Promise.all(Array.from({ length: 10 }, (_, j) => h.ok(['launch', '--name', `s${i + j + 1}`, '--', 'sleep', '10000'])));
    }
    const launchMs = Date.now() - started;
    const t = cwTerminal(h, ['top'], 120, 40);
    const opened = Date.now();
    // A deadline that only catches a hang (or one request per session), not a measure of speed.
    const lines = await t.waitScreen((l) => l[0]!.includes(`cw top · ${N} sessions`) && !!rowOf(l, 's1'), 'the first frame with every session', 30_000);
    const firstFrameMs = Date.now() - opened;
    console.log(`launched ${N} sessions in ${launchMs} ms; first full frame after ${firstFrameMs} ms`);
    expect(lines[1]).toMatch(/── local · 200 sessions/);
    t.type('\x1b[F'); // End: the last session, scrolled into view
    await t.waitScreen((l) => !!rowOf(l, 's200'), 'the last row after End');
    t.type('q');
    expect(await t.exited).toBe(0);
  });
});
