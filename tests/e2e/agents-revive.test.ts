// The real Claude Code (kit-installed, pinned) against the fake model server: a conversation outlives a reboot.
// One turn, then the daemon and the agent's process group are killed with SIGKILL (what a reboot does to them),
// cw starts again, `cw restart` resumes the conversation, and the earlier turn is on the new session's screen.
import { describe, expect, it } from 'vitest';
import type { RestartResult, SessionInfo } from '../../src/protocol/index.js';
import { alive, waitFor } from '../support/harness.js';
import { agentSuite, cwLaunch } from '../support/agents.js';

const suite = agentSuite('claude');
const { status, events, until } = suite;

describe('Claude Code, revived after a reboot', () => {
  it('cw restart resumes its conversation: --resume with the id cw gave it at launch; the earlier turn is on screen', { timeout: 240_000 }, async () => {
    const spec = await suite.kit.spec({ name: 'revive', trusted: true });
    const r = await cwLaunch(suite.h, 'rv', spec, ['--prompt', 'reply with: kiwi mango 4242']);
    expect(r.code, r.stderr).toBe(0);
    const first = r.stdout.trim();
    const w = await suite.h.cw(['wait', 'rv', '--until', 'idle', '--timeout', '90']);
    expect(w.code, w.stderr).toBe(0);
    expect(await suite.h.ok(['last-message', 'rv'])).toBe('kiwi mango 4242\n');
    // cw named the conversation at launch (--session-id), and the agent's hooks agree.
    const before = await status('rv');
    expect(before.conversationId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const created = (await events('rv')).find((e) => e.type === 'session.created');
    expect(created?.data.conversation).toBe(before.conversationId);
    expect(before.command).toEqual([spec.file, ...spec.args]);

    // The reboot: nothing gets to record its end.
    const daemon = suite.h.daemonPid()!;
    process.kill(daemon, 'SIGKILL');
    process.kill(-before.pid!, 'SIGKILL');
    await waitFor(() => !alive(daemon) && !alive(before.pid!), 'the daemon and Claude Code to die');
    await suite.h.ok(['start']);
    expect(await status(first)).toMatchObject({ state: 'lost', conversationId: before.conversationId });

    // From a shell without the agent's environment: the recorded one (its HOME, the fake model's URL) is used.
    const out = await suite.h.cw(['restart', 'rv', '--json'], { env: { HOME: '/nonexistent', ANTHROPIC_BASE_URL: '' } });
    expect(out.code, out.stderr).toBe(0);
    const res = JSON.parse(out.stdout) as RestartResult;
    expect(res).toMatchObject({ previous: Number(first), resumed: before.conversationId, note: null });
    expect(res.session.command).toEqual([spec.file, '--resume', before.conversationId, ...spec.args]);
    expect(out.stderr).toContain(`resuming its conversation ${before.conversationId}`);

    const next = String(res.session.id);
    const screen = await waitFor(async () => {
      const s = await suite.h.ok(['screen', next]);
      return /kiwi mango 4242/.test(s) ? s : null;
    }, 'the earlier turn on the resumed session\'s screen', 90_000, 500);
    expect(screen).toMatch(/reply with: kiwi mango 4242/);
    const now = await until(next, (x: SessionInfo) => x.activity === 'idle', 'the resumed agent at its prompt', 90_000);
    // Resuming keeps the conversation's id (SessionStart source resume); the two sessions are linked.
    expect(now).toMatchObject({ name: 'rv', conversationId: before.conversationId, restartedFrom: Number(first) });
    expect(await status(first)).toMatchObject({ restartedAs: Number(next), name: null });
    const revived = (await events(next)).find((e) => e.type === 'session.revived');
    expect(revived?.data).toEqual({ from: Number(first), to: Number(next), reason: 'manual', resumed: true, conversation: before.conversationId });

    // The conversation goes on where it was.
    await suite.h.ok(['send', 'rv', 'reply with: second turn']);
    expect((await suite.h.cw(['wait', 'rv', '--until', 'idle', '--timeout', '90'])).code).toBe(0);
    await waitFor(async () => (await suite.h.cw(['last-message', 'rv'])).stdout === 'second turn\n', 'the second reply', 60_000, 250);
    await suite.h.ok(['kill', 'rv']);
  });

  it('a running Claude Code outlives `cw daemon restart`: same process, idle again, its hooks still reach cw, the next turn answered', { timeout: 240_000 }, async () => {
    const spec = await suite.kit.spec({ name: 'handover', trusted: true });
    const r = await cwLaunch(suite.h, 'ho', spec, ['--prompt', 'reply with: papaya 77']);
    expect(r.code, r.stderr).toBe(0);
    expect((await suite.h.cw(['wait', 'ho', '--until', 'idle', '--timeout', '90'])).code).toBe(0);
    const before = await status('ho');
    const daemon = suite.h.daemonPid();

    const restartedAt = new Date().toISOString();
    const out = await suite.h.cw(['daemon', 'restart', '--json']);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({ restarted: true, pid: daemon });
    // The same program in the same terminal, its screen carried over, idle again (never typed into meanwhile).
    const after = await until('ho', (x: SessionInfo) => x.activity === 'idle', 'the agent idle after the restart', 60_000);
    expect(after).toMatchObject({ state: 'running', pid: before.pid, conversationId: before.conversationId });
    expect(await suite.h.ok(['screen', 'ho'])).toMatch(/papaya 77/);

    // The next turn: typed by the new daemon, answered, and the agent's Stop hook reaches the new daemon.
    await suite.h.ok(['send', 'ho', 'reply with: after the restart']);
    expect((await suite.h.cw(['wait', 'ho', '--until', 'idle', '--timeout', '90'])).code).toBe(0);
    await waitFor(async () => (await suite.h.cw(['last-message', 'ho'])).stdout === 'after the restart\n', 'the reply after the restart', 60_000, 250);
    const hooks = (await events('ho')).filter((e) => e.type === 'agent.hook' && e.at > restartedAt);
    expect(hooks.length, 'hooks after the restart').toBeGreaterThan(0);
    await suite.h.ok(['kill', 'ho']);
  });
});
