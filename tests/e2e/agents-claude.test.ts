// The real Claude Code (kit-installed, pinned in tests/agents/versions.json) against the fake model server:
// what the agent-truth issue asked for, end to end through the built cw.
import { describe, expect, it } from 'vitest';
import { waitFor } from '../support/harness.js';
import { agentSuite, cwLaunch } from '../support/agents.js';

const suite = agentSuite('claude');
const { status, events, until } = suite;

describe('Claude Code, real, offline', () => {
  it('an untrusted folder is waiting_for_input; the --prompt is held, goes in once trusted through cw send, and its one-word reply is read', { timeout: 150_000 }, async () => {
    const spec = await suite.kit.spec({ name: 'untrusted' });
    const r = await cwLaunch(suite.h, 'c1', spec, ['--prompt', 'reply with: PONG']);
    expect(r.code, r.stderr).toBe(0);
    const s = await until('c1', (x) => x.activity === 'waiting_for_input', 'the trust dialog');
    expect(s.activityReason).toMatch(/trust|Quick safety check|dialog/i);
    expect(s.prompt).toMatchObject({ state: 'pending' });
    // The dialog needs a person: `cw wait` ends there, with the prompt still held.
    const w = await suite.h.cw(['wait', 'c1', '--timeout', '10']);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toContain('waiting_for_input');
    expect((await status('c1')).state).toBe('running');
    // "No, exit" is preselected: move to "Yes, I trust this folder" and confirm.
    await suite.h.ok(['send', 'c1', '--key', 'Down', '--key', 'Enter']);
    await until('c1', (x) => x.prompt?.state === 'submitted', 'the prompt typed in after the trust dialog', 60_000);
    const done = await suite.h.cw(['wait', 'c1', '--until', 'idle', '--timeout', '60']);
    expect(done.code, done.stderr).toBe(0);
    const last = await suite.h.json<{ text: string; source: string }>(['last-message', 'c1', '--json']);
    expect(last.text).toBe('PONG');
    expect(['hook', 'transcript', 'screen']).toContain(last.source);
    const ev = await events('c1');
    const types = ev.map((e) => e.type);
    expect(types.indexOf('prompt.held')).toBeGreaterThan(-1);
    expect(types.indexOf('prompt.submitted')).toBeGreaterThan(types.indexOf('prompt.held'));
    expect(types).not.toContain('prompt.failed');
  });

  it('cw launch --prompt && cw wait returns after that prompt\'s turn; hooks report it; logs read as words', { timeout: 150_000 }, async () => {
    const spec = await suite.kit.spec({ name: 'trusted', trusted: true });
    const r = await cwLaunch(suite.h, 'c2', spec, ['--prompt', 'reply with: alpha beta gamma']);
    expect(r.code, r.stderr).toBe(0);
    const w = await suite.h.cw(['wait', 'c2', '--timeout', '90']);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toContain('idle');
    expect(await suite.h.ok(['last-message', 'c2'])).toBe('alpha beta gamma\n');
    const s = await status('c2');
    expect(s.hooks).toMatch(/--settings/);
    const ev = await events('c2');
    const hooks = ev.filter((e) => e.type === 'agent.hook').map((e) => e.data.event);
    expect(hooks).toEqual(expect.arrayContaining(['UserPromptSubmit', 'Stop']));
    expect(ev.some((e) => e.type === 'agent.conversation')).toBe(true);
    expect((await status('c2')).conversationId).toMatch(/^[0-9a-f-]{36}$/);
    const logs = await suite.h.ok(['logs', 'c2']);
    expect(logs).toMatch(/alpha beta gamma/);
    // The user's command is shown as given, not with cw's hook options.
    expect(s.command).toEqual([spec.file, ...spec.args]);
  });

  it('an API key that was not approved is waiting_for_input, never idle', { timeout: 90_000 }, async () => {
    const spec = await suite.kit.spec({ name: 'apikey', trusted: true, keyApproved: false });
    expect((await cwLaunch(suite.h, 'c3', spec)).code).toBe(0);
    const s = await until('c3', (x) => x.activity === 'waiting_for_input', 'the API key question');
    expect(s.activityReason).toMatch(/API key|dialog/i);
    const ev = await events('c3');
    expect(ev.filter((e) => e.type === 'activity').map((e) => e.data.activity)).not.toContain('idle');
    await suite.h.ok(['kill', 'c3']);
  });

  it('last-message exits 1 while the turn runs, not with the previous reply', { timeout: 90_000 }, async () => {
    await suite.h.ok(['send', 'c2', 'slow 8']);
    await until('c2', (x) => x.activity === 'working', 'the slow turn');
    const r = await suite.h.cw(['last-message', 'c2']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/still working|no reply for its latest turn/);
    expect((await suite.h.cw(['wait', 'c2', '--until', 'idle', '--timeout', '60'])).code).toBe(0);
    expect(await suite.h.ok(['last-message', 'c2'])).toMatch(/^word1 word2/);
  });
});

