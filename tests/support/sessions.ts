// A SessionInfo for unit tests of pure code that reads sessions (the cockpit's model and renderer).
import type { SessionInfo } from '../../src/protocol/messages.js';

export function session(id: number, over: Partial<SessionInfo> = {}): SessionInfo {
  return {
    id,
    name: `s${id}`,
    command: ['bash'],
    cwd: '/tmp',
    tags: [],
    agent: 'shell',
    state: 'running',
    exitCode: null,
    signal: null,
    pid: 100 + id,
    createdAt: '2025-01-01T00:00:00.000Z',
    endedAt: null,
    cols: 80,
    rows: 24,
    clients: 0,
    outputBytes: 0,
    lastOutputAt: null,
    idleSeconds: 0,
    activity: 'idle',
    activitySince: '2025-01-01T00:00:00.000Z',
    activityReason: null,
    stateCard: null,
    ...over,
  };
}
