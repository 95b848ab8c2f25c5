// Session on a fake pty, log and screen (the SessionPty seam): the order output fans out in, an exit delivered
// after all output, a kill recorded as such, and flow control pausing and resuming the pty at its thresholds.
import { describe, expect, it } from 'vitest';
import { FLOW_ACK_BYTES } from '../../src/common/flow.js';
import type { ActivityMonitor } from '../../src/daemon/activity-monitor.js';
import type { PauseReason } from '../../src/daemon/flow.js';
import { FLOW_HIGH_BYTES, FLOW_LOW_BYTES, SCREEN_BACKLOG_HIGH_BYTES, SCREEN_BACKLOG_LOW_BYTES } from '../../src/daemon/limits.js';
import type { SessionPty } from '../../src/daemon/pty.js';
import type { Screen } from '../../src/daemon/screen.js';
import { Session, type SessionClient, type SessionLog } from '../../src/daemon/session.js';
import type { SessionRow } from '../../src/daemon/store.js';
import type { SessionInfo } from '../../src/protocol/index.js';

/** A pty that pauses like the real one: reading stops while any reason holds. */
class FakePty implements SessionPty {
  readonly pid = 4242;
  exited = false;
  queuedInputBytes = 0;
  readonly pausedBy = new Set<PauseReason>();
  readonly written: string[] = [];
  readonly resized: [number, number][] = [];
  kills = 0;
  write(data: string | Uint8Array): void {
    this.written.push(Buffer.from(data).toString());
  }
  resize(cols: number, rows: number): void {
    this.resized.push([cols, rows]);
  }
  pause(reason: PauseReason): void {
    this.pausedBy.add(reason);
  }
  resume(reason: PauseReason): void {
    this.pausedBy.delete(reason);
  }
  kill(): void {
    this.kills++;
  }
}

function setup() {
  const trace: string[] = [];
  const pty = new FakePty();
  const log: SessionLog & { closed: boolean } = {
    error: null,
    closed: false,
    append: (b: Uint8Array) => void trace.push(`log:${Buffer.from(b).toString()}`),
    close() {
      this.closed = true;
    },
  };
  const screen = {
    write: (b: Uint8Array) => trace.push(`screen:${Buffer.from(b).toString()}`),
    resize: () => {},
  } as unknown as Screen;
  let disposed = false;
  const activity = {
    noteOutput: () => trace.push('activity'),
    dispose: () => (disposed = true),
  } as unknown as ActivityMonitor;
  const row = {
    id: 7, name: null, command: 'fake', cwd: '/', tags: [], agent: 'generic', state: 'running', exitCode: null, signal: null,
    pid: pty.pid, createdAt: new Date().toISOString(), endedAt: null, cols: 80, rows: 24, outputBytes: 0, lastOutputAt: null,
    activity: 'unknown', activitySince: null, activityReason: null, stateCard: null, conversationId: null,
  } as unknown as SessionRow;
  const ended: Session[] = [];
  const s = new Session(row, { ended: (x) => void (ended.push(x), trace.push('hooks.ended')), logError: () => {}, inputRefused: () => {} });
  s.start({ pty, log, screen, activity });
  return { s, pty, log, screen, trace, ended, row, disposed: () => disposed };
}

function client(trace: string[], name: string, kind: 'attach' | 'watch' = 'attach', readOnly = false) {
  const got: SessionInfo[] = [];
  const c: SessionClient = {
    kind, readOnly, cols: 80, rows: 24, unacked: 0,
    output: (b) => void trace.push(`${name}:${Buffer.from(b).toString()}`),
    ended: (info) => void (got.push(info), trace.push(`${name}:ended`)),
  };
  return Object.assign(c, { endedWith: got });
}

describe('Session output', () => {
  it('fans each chunk out to clients, then the log, then the screen, in one call', () => {
    const { s, trace, row } = setup();
    s.addClient(client(trace, 'a'));
    s.addClient(client(trace, 'w', 'watch', true));
    s.handleOutput(Buffer.from('one'));
    s.handleOutput(Buffer.from('two'));
    expect(trace).toEqual([
      'a:one', 'w:one', 'log:one', 'screen:one', 'activity',
      'a:two', 'w:two', 'log:two', 'screen:two', 'activity',
    ]);
    expect(row.outputBytes).toBe(6);
    expect(s.lastOutputAt).not.toBeNull();
  });

  it('ends after all output: the hooks, then each client, then the waiters; nothing after', async () => {
    const { s, pty, log, screen, trace, ended, row, disposed } = setup();
    const a = client(trace, 'a');
    s.addClient(a);
    const done = s.whenEnded();
    s.handleOutput(Buffer.from('last'));
    pty.exited = true;
    s.handleExit({ exitCode: 3, signal: 0 });
    await done;
    expect(trace).toEqual(['a:last', 'log:last', 'screen:last', 'activity', 'hooks.ended', 'a:ended']);
    expect(ended).toEqual([s]);
    expect(a.endedWith[0]).toMatchObject({ state: 'exited', exitCode: 3, signal: null });
    expect(row).toMatchObject({ state: 'exited', exitCode: 3, signal: null });
    expect(row.endedAt).not.toBeNull();
    expect(s.running).toBe(false);
    expect(s.clients.size).toBe(0);
    expect(log.closed).toBe(true);
    expect(disposed()).toBe(true);
    // The screen is kept once for the final save.
    expect(s.takeEndedScreen()).toBe(screen);
    expect(s.takeEndedScreen()).toBeNull();
    // A late chunk or input after the end goes nowhere.
    s.handleOutput(Buffer.from('late'));
    expect(s.write('x')).toBe(false);
    expect(trace).toHaveLength(6);
    expect(pty.written).toEqual([]);
  });

  it('records an exit after kill() as killed, with the signal that ended it', () => {
    const { s, pty, row } = setup();
    expect(s.kill()).toBe(true);
    expect(pty.kills).toBe(1);
    pty.exited = true;
    s.handleExit({ exitCode: 0, signal: 1 });
    expect(row).toMatchObject({ state: 'killed', exitCode: null, signal: 'SIGHUP' });
    expect(s.kill()).toBe(false);
    expect(pty.kills).toBe(1);
  });

  it('does not kill a process that already exited, and records its own exit', () => {
    const { s, pty, row } = setup();
    pty.exited = true;
    expect(s.kill()).toBe(false);
    s.handleExit({ exitCode: 0, signal: 0 });
    expect(row).toMatchObject({ state: 'exited', exitCode: 0 });
  });
});

describe('Session flow control', () => {
  it('keeps the ack unit below the low watermark, or a paused session would never resume', () => {
    expect(FLOW_ACK_BYTES).toBeLessThan(FLOW_LOW_BYTES);
    expect(FLOW_LOW_BYTES).toBeLessThan(FLOW_HIGH_BYTES);
    expect(SCREEN_BACKLOG_LOW_BYTES).toBeLessThan(SCREEN_BACKLOG_HIGH_BYTES);
  });

  it('pauses above FLOW_HIGH_BYTES unacknowledged and resumes only below FLOW_LOW_BYTES', () => {
    const { s, pty, trace } = setup();
    const a = client(trace, 'a');
    s.addClient(a);
    s.sent(a, FLOW_HIGH_BYTES);
    expect(pty.pausedBy.has('clients')).toBe(false);
    s.sent(a, 1);
    expect(a.unacked).toBe(FLOW_HIGH_BYTES + 1);
    expect(pty.pausedBy.has('clients')).toBe(true);
    // Between the watermarks: still paused.
    s.acked(a, FLOW_HIGH_BYTES + 1 - FLOW_LOW_BYTES);
    expect(a.unacked).toBe(FLOW_LOW_BYTES);
    expect(pty.pausedBy.has('clients')).toBe(true);
    s.acked(a, 1);
    expect(pty.pausedBy.has('clients')).toBe(false);
  });

  it('follows the slowest interactive client, and resumes when it leaves', () => {
    const { s, pty, trace } = setup();
    const fast = client(trace, 'fast');
    const slow = client(trace, 'slow');
    s.addClient(fast);
    s.addClient(slow);
    s.sent(fast, 10);
    s.sent(slow, FLOW_HIGH_BYTES + 1);
    expect(pty.pausedBy.has('clients')).toBe(true);
    s.acked(fast, 10);
    expect(pty.pausedBy.has('clients')).toBe(true);
    s.removeClient(slow);
    expect(pty.pausedBy.has('clients')).toBe(false);
  });

  it('never lets a watcher or a read-only attach hold the pty back', () => {
    const { s, pty, trace } = setup();
    const w = client(trace, 'w', 'watch', true);
    const ro = client(trace, 'ro', 'attach', true);
    s.addClient(w);
    s.addClient(ro);
    s.sent(w, FLOW_HIGH_BYTES * 2);
    s.sent(ro, FLOW_HIGH_BYTES * 2);
    expect(w.unacked).toBe(0);
    expect(ro.unacked).toBe(0);
    expect(pty.pausedBy.size).toBe(0);
  });

  it('clamps an ack of more than was sent at zero', () => {
    const { s, pty, trace } = setup();
    const a = client(trace, 'a');
    s.addClient(a);
    s.sent(a, FLOW_HIGH_BYTES + 1);
    s.acked(a, FLOW_HIGH_BYTES * 4);
    expect(a.unacked).toBe(0);
    expect(pty.pausedBy.has('clients')).toBe(false);
    // The excess is not credited: the next HIGH + 1 bytes pause again.
    s.sent(a, FLOW_HIGH_BYTES + 1);
    expect(pty.pausedBy.has('clients')).toBe(true);
  });

  it('pauses while the screen worker is more than SCREEN_BACKLOG_HIGH_BYTES behind, resumes below LOW', () => {
    const { s, pty } = setup();
    s.handleOutput(Buffer.alloc(SCREEN_BACKLOG_HIGH_BYTES));
    expect(pty.pausedBy.has('screen')).toBe(false);
    s.handleOutput(Buffer.alloc(1));
    expect(pty.pausedBy.has('screen')).toBe(true);
    s.screenParsed(SCREEN_BACKLOG_HIGH_BYTES + 1 - SCREEN_BACKLOG_LOW_BYTES);
    expect(pty.pausedBy.has('screen')).toBe(true);
    s.screenParsed(1);
    expect(pty.pausedBy.has('screen')).toBe(false);
    // Parsed more than was posted (a worker restart): the backlog stays at zero, not below it.
    s.screenParsed(SCREEN_BACKLOG_HIGH_BYTES);
    s.handleOutput(Buffer.alloc(SCREEN_BACKLOG_HIGH_BYTES));
    expect(pty.pausedBy.has('screen')).toBe(false);
  });

  it('keeps the two reasons apart: the screen catching up does not resume a pty a client holds back', () => {
    const { s, pty, trace } = setup();
    const a = client(trace, 'a');
    s.addClient(a);
    s.sent(a, FLOW_HIGH_BYTES + 1);
    s.handleOutput(Buffer.alloc(SCREEN_BACKLOG_HIGH_BYTES + 1));
    expect([...pty.pausedBy].sort()).toEqual(['clients', 'screen']);
    s.screenParsed(SCREEN_BACKLOG_HIGH_BYTES + 1);
    expect([...pty.pausedBy]).toEqual(['clients']);
  });
});
