// The bound on input a program has not read (INPUT_QUEUE_MAX_BYTES): keystrokes from an attached terminal past
// it are refused and reported once per episode, never dropped quietly. (`cw send` is covered end to end in
// tests/e2e/security-state.test.ts.)
import { describe, expect, it } from 'vitest';
import { INPUT_QUEUE_MAX_BYTES } from '../../src/daemon/limits.js';
import { Session, type SessionClient } from '../../src/daemon/session.js';
import type { SessionRow } from '../../src/daemon/store.js';

function setup(queued: number) {
  const written: string[] = [];
  const refused: { bytes: number; queued: number }[] = [];
  const pty = { queuedInputBytes: queued, write: (d: string | Uint8Array) => written.push(Buffer.from(d).toString()), resize: () => {} };
  const row = { id: 1, state: 'running', cols: 80, rows: 24, lastOutputAt: null, createdAt: new Date().toISOString() } as unknown as SessionRow;
  const s = new Session(row, { ended: () => {}, logError: () => {}, inputRefused: (_s, bytes, q) => refused.push({ bytes, queued: q }) });
  s.start({ pty, log: {}, screen: { resize: () => {} }, activity: {} } as never);
  const terminal = { kind: 'attach', readOnly: false, cols: 80, rows: 24, unacked: 0, output() {}, ended() {}, drop() {} } as SessionClient;
  return { s, pty, written, refused, terminal };
}

describe('input queue bound', () => {
  it('writes while the queue has room', () => {
    const { s, written, refused, terminal } = setup(0);
    expect(s.write('abc', terminal)).toBe(true);
    expect(written).toEqual(['abc']);
    expect(refused).toEqual([]);
  });

  it('refuses input past the bound, reports it once per episode, and writes again once the program reads', () => {
    const { s, pty, written, refused, terminal } = setup(INPUT_QUEUE_MAX_BYTES - 2);
    expect(s.write('ab', terminal)).toBe(true);
    pty.queuedInputBytes = INPUT_QUEUE_MAX_BYTES;
    expect(s.write('x', terminal)).toBe(false);
    expect(s.write('y', terminal)).toBe(false);
    expect(written).toEqual(['ab']);
    expect(refused).toEqual([{ bytes: 1, queued: INPUT_QUEUE_MAX_BYTES }]);
    expect(s.inputFits(1)).toBe(false);
    pty.queuedInputBytes = 0;
    expect(s.write('z', terminal)).toBe(true);
    pty.queuedInputBytes = INPUT_QUEUE_MAX_BYTES;
    expect(s.write('w', terminal)).toBe(false);
    expect(refused).toHaveLength(2);
  });
});
