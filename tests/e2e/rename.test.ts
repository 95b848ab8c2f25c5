// `cw rename SESSION NAME`: checked like launch --name, refused when a running session has the name, recorded as
// an event (live followers, such as the dashboard, see it at once), and shown by list and status.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventRecord, SessionInfo } from '../../src/protocol/index.js';
import { makeHome, waitFor, waitForOutput, type Home } from '../support/harness.js';

let h: Home;
beforeAll(async () => {
  h = makeHome();
  await h.ok(['start']);
});
afterAll(async () => {
  await h.cleanup();
});

const SHELL = ['--', 'bash', '--norc', '--noprofile'];

describe('cw rename', () => {
  it('renames: list, status, names and an event followed live all show it at once', { timeout: 60_000 }, async () => {
    await h.ok(['launch', '--name', 'old-name', ...SHELL]);
    // A follower prints the newest event, then follows: once that line is out, it is live.
    const follower = h.spawn(['events', '--follow', '--tail', '1', '--json']);
    await waitForOutput(follower, '\n');
    const renamed = waitForOutput(follower, '"session.renamed"');
    const r = await h.cw(['rename', 'old-name', 'new-name', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ id: 1, name: 'new-name', previous: 'old-name' });
    expect(r.stderr).toBe('Session 1 is now named new-name (was old-name)\n');
    const line = await renamed;
    const ev = line
      .split('\n')
      .filter((l) => l.includes('session.renamed'))
      .map((l) => JSON.parse(l) as EventRecord)[0]!;
    expect(ev).toMatchObject({ sessionId: 1, type: 'session.renamed', data: { from: 'old-name', to: 'new-name' } });
    expect((await h.json<SessionInfo[]>(['list'])).map((s) => s.name)).toEqual(['new-name']);
    expect((await h.json<SessionInfo>(['status', 'new-name'])).id).toBe(1);
    expect((await h.cw(['status', 'old-name'])).code).toBe(1);
    expect(await h.ok(['list'])).toMatch(/^1\s+new-name\s+running/m);
  });

  it('refuses a name a running session has (exit 1) and a bad name (exit 2); nothing changes', { timeout: 60_000 }, async () => {
    await h.ok(['launch', '--name', 'other', ...SHELL]);
    const taken = await h.cw(['rename', 'other', 'new-name']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toContain("name 'new-name' is already used by running session 1");
    expect(taken.stderr).toMatch(/^hint: /m);
    for (const bad of ['has space', '.dot', 'x'.repeat(65), 'a/b']) {
      const r = await h.cw(['rename', 'other', bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain('is not a session name');
    }
    expect((await h.json<SessionInfo>(['status', 'other'])).name).toBe('other');
    expect((await h.cw(['rename', 'nobody', 'x'])).code).toBe(1);
  });

  it('an ended session can be renamed, and a running one may take the name of an ended one', { timeout: 60_000 }, async () => {
    await h.ok(['launch', '--name', 'done', '--', 'true']);
    await waitFor(async () => (await h.json<SessionInfo>(['status', 'done'])).state === 'exited', 'done exited');
    await h.ok(['rename', 'done', 'finished']);
    expect((await h.json<SessionInfo>(['status', 'finished'])).state).toBe('exited');
    await h.ok(['launch', '--name', 'old2', '--', 'true']);
    await waitFor(async () => (await h.json<SessionInfo>(['status', 'old2'])).state === 'exited', 'old2 exited');
    await h.ok(['rename', 'other', 'finished']);
    // A name means the running session first.
    expect((await h.json<SessionInfo>(['status', 'finished'])).state).toBe('running');
    // Renaming to its own name is no change and no error.
    expect((await h.cw(['rename', 'new-name', 'new-name'])).code).toBe(0);
  });
});
