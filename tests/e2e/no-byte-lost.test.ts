// The log is the product: every byte a program writes reaches output.log and the screen, including the last
// kilobytes of a program that writes fast and exits at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionInfo } from '../../src/protocol/index.js';
import { makeHome, waitFor, type Home } from '../support/harness.js';

let h: Home;
let file: string;
let expected: Buffer;
let lastLines: string[];

beforeAll(async () => {
  h = makeHome();
  await h.ok(['start']);
  // ~3 MiB of base64-like lines with a counter, so a lost or repeated block cannot go unnoticed.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const lines: string[] = [];
  for (let i = 0; i < 40_000; i++) {
    let s = `${String(i).padStart(6, '0')} `;
    for (let j = 0; j < 70; j++) s += alphabet[(i * 31 + j * 7) % 64];
    lines.push(s);
  }
  file = join(h.dir, 'big.txt');
  writeFileSync(file, lines.join('\n') + '\n');
  // The pty turns each \n into \r\n (onlcr), as a terminal shows it.
  expected = Buffer.from(lines.join('\r\n') + '\r\n');
  lastLines = lines.slice(-5);
});
afterAll(async () => {
  await h.cleanup();
});

async function checkSession(id: string): Promise<void> {
  const s = await waitFor(async () => {
    const st = await h.json<SessionInfo>(['status', id]);
    return st.state === 'exited' ? st : null;
  }, `session ${id} to end`, 20_000);
  expect(s.exitCode).toBe(0);
  const log = readFileSync(join(h.dir, 'sessions', id, 'output.log'));
  expect(log.length, `log size of session ${id}`).toBe(expected.length);
  expect(log.equals(expected), `log content of session ${id}`).toBe(true);
  expect(s.outputBytes).toBe(expected.length);
  // The screen saw every byte too: its last rows are the file's last lines.
  const screen = await waitFor(async () => {
    const r = await h.cw(['screen', id]);
    return r.code === 0 ? r.stdout : null;
  }, 'saved screen');
  expect(screen.trimEnd().split('\n').slice(-5)).toEqual(lastLines);
}

describe('no byte lost', () => {
  it('cat of a multi-megabyte file, twelve times in a row', { timeout: 120_000 }, async () => {
    for (let i = 0; i < 12; i++) {
      const id = (await h.ok(['launch', '--', 'cat', file])).trim();
      await checkSession(id);
    }
  });

  it('six at once', { timeout: 120_000 }, async () => {
    const ids = await Promise.all(Array.from({ length: 6 }, async () => (await h.ok(['launch', '--', 'cat', file])).trim()));
    for (const id of ids) await checkSession(id);
  });
});
