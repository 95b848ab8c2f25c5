// The screen fast path must be invisible: the same screen, scrollback, colours and cursor as parsing every byte.
import { describe, expect, it } from 'vitest';
import xh from '@xterm/headless';
import sa from '@xterm/addon-serialize';
import { FASTPATH_MIN_BATCH_BYTES, firstUnclean, planScreenWrite } from '../../src/daemon/screen-fastpath.js';
import { mulberry32 } from '../support/harness.js';

const COLS = 60;
const ROWS = 12;
const SCROLLBACK = 50;
const KEEP = 2 * ROWS + SCROLLBACK + 2;

function term(): { t: InstanceType<typeof xh.Terminal>; s: InstanceType<typeof sa.SerializeAddon> } {
  const t = new xh.Terminal({ cols: COLS, rows: ROWS, scrollback: SCROLLBACK, allowProposedApi: true });
  const s = new sa.SerializeAddon();
  t.loadAddon(s);
  return { t, s };
}

const write = (t: InstanceType<typeof xh.Terminal>, d: Uint8Array | string): Promise<void> => new Promise((r) => t.write(d, r));

const WORDS = ['build', 'ok', 'warning:', 'src/x.ts', '██', '日本語', 'naïve', '\t', 'e\u0301', '0123456789'];

/** Lines like a build log: words, colours, tabs, wide and combining characters, long lines that wrap, CR overwrites. */
function batchOf(seed: number, minBytes: number): Uint8Array {
  const r = mulberry32(seed);
  const lines: string[] = [];
  let bytes = 0;
  while (bytes < minBytes) {
    const n = Math.floor(r() * 14);
    let line = '';
    for (let i = 0; i < n; i++) {
      if (r() < 0.2) line += `\x1b[${[0, 1, 31, 32, 33, 38, 48][Math.floor(r() * 7)]}${r() < 0.3 ? ';5;200' : ''}m`;
      line += `${WORDS[Math.floor(r() * WORDS.length)]} `;
    }
    if (r() < 0.05) line += 'x'.repeat(COLS * 3); // wraps over several rows
    if (r() < 0.05) line += '\r50%';
    lines.push(`${line}\r\n`);
    bytes += Buffer.byteLength(line) + 2;
  }
  return Buffer.from(lines.join(''));
}

async function compare(prefix: string, batch: Uint8Array): Promise<number> {
  const a = term();
  const b = term();
  await write(a.t, prefix);
  await write(b.t, prefix);
  await write(a.t, batch);
  const plan = planScreenWrite(batch, true, KEEP);
  await write(b.t, plan.data);
  expect(b.s.serialize({ scrollback: SCROLLBACK })).toBe(a.s.serialize({ scrollback: SCROLLBACK }));
  const ca = a.t.buffer.active;
  const cb = b.t.buffer.active;
  expect([cb.cursorX, cb.cursorY, cb.baseY, cb.length]).toEqual([ca.cursorX, ca.cursorY, ca.baseY, ca.length]);
  a.t.dispose();
  b.t.dispose();
  return plan.skipped;
}

describe('screen fast path', () => {
  it('leaves exactly the same screen, scrollback, colours and cursor, for many random logs', { timeout: 60_000 }, async () => {
    let skippedTotal = 0;
    for (let seed = 1; seed <= 6; seed++) {
      const prefix = seed % 2 ? 'some text on the first line\r\n\x1b[5;20Hmid-screen cursor' : '\x1b[33mpending colour';
      skippedTotal += await compare(prefix, batchOf(seed, FASTPATH_MIN_BATCH_BYTES + seed * 997));
    }
    expect(skippedTotal).toBeGreaterThan(6 * FASTPATH_MIN_BATCH_BYTES * 0.5);
  });

  it('keeps only the colour changes from the last reset on, and still leaves the same screen', { timeout: 60_000 }, async () => {
    // A build log: every line ends in ESC[0m, so what is skipped needs almost nothing of its colours.
    const line = (i: number): string => `\x1b[1msrc/x${i}.c:1:2: \x1b[35mwarning: \x1b[0m\x1b[1munused\x1b[0m\r\n`;
    const lines: string[] = [];
    for (let i = 0, n = 0; n < FASTPATH_MIN_BATCH_BYTES * 2; i++) n += (lines[lines.push(line(i)) - 1] ?? '').length;
    const batch = Buffer.from(lines.join(''));
    const plan = planScreenWrite(batch, true, KEEP);
    expect(plan.data.length).toBeLessThan(KEEP * line(0).length * 1.2);
    await compare('', batch);
    // `38;5;0` and `48;5;0` end in a 0 that is a colour, not a reset: the attributes set before them must survive.
    const noReset = Buffer.from(`\x1b[1;4m${Array.from({ length: 20_000 }, (_, i) => `line ${i}\x1b[38;5;0m \x1b[48;5;0m\r\n`).join('')}`);
    expect(planScreenWrite(noReset, true, KEEP).skipped).toBeGreaterThan(0);
    await compare('\x1b[7m', noReset);
    const resets = Buffer.from(
      `\x1b[1m${'x\r\n'.repeat(40_000)}\x1b[;32mgreen\r\n\x1b[0;33;1myellow bold\x1b[4m\r\n${'tail\r\n'.repeat(3000)}`,
    );
    await compare('\x1b[7m', resets);
  });

  it('does nothing for small batches, without a ground-state parser, or with other escape sequences', () => {
    const big = batchOf(99, FASTPATH_MIN_BATCH_BYTES);
    expect(planScreenWrite(big.subarray(0, 1000), true, KEEP).skipped).toBe(0);
    expect(planScreenWrite(big, false, KEEP).skipped).toBe(0);
    const withMove = Buffer.concat([Buffer.from('\x1b[2Jcleared\r\n'), big]);
    expect(planScreenWrite(withMove, true, KEEP).skipped).toBe(0);
    const withTitle = Buffer.concat([Buffer.from('\x1b]0;title\x07\r\n'), big]);
    expect(planScreenWrite(withTitle, true, KEEP).skipped).toBe(0);
    // Escape sequences after the cut are fine: that part is parsed as it is.
    const tailMove = Buffer.concat([big, Buffer.from('\x1b[Hhome')]);
    expect(planScreenWrite(tailMove, true, KEEP).skipped).toBeGreaterThan(0);
  });

  it('treats C1 controls, bells and unfinished colour sequences as unclean', () => {
    const u = (s: string): number => firstUnclean(Buffer.from(s), 0, Buffer.byteLength(s));
    expect(u('plain text\r\n\t\bok')).toBe(-1);
    expect(u('colour \x1b[1;31mred\x1b[0m')).toBe(-1);
    expect(u('bell\x07')).toBe(4);
    expect(u('csi \u009b2J')).toBe(4);
    expect(u('half \x1b[31')).toBe(5);
    expect(u('move \x1b[2A')).toBe(5);
  });
});
