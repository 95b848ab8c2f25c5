// The real Gemini CLI (kit-installed, pinned) against the fake model server (generateContent): it sets its
// "Ready" title before it draws its trust question, so the title alone is not a ready prompt; its tool
// confirmation waits and answering it runs the tool.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../support/harness.js';
import { agentSuite, cwLaunch } from '../support/agents.js';

const suite = agentSuite('gemini');
const { status, events, until } = suite;

describe('Gemini CLI, real, offline', () => {
  it('the trust question holds the --prompt (never typed at the early "Ready" title); trusted through cw send, the prompt goes in and its reply is read', { timeout: 180_000 }, async () => {
    const spec = await suite.kit.spec({ name: 'untrusted' });
    const r = await cwLaunch(suite.h, 'g1', spec, ['--prompt', 'reply with: PONG']);
    expect(r.code, r.stderr).toBe(0);
    const s = await until('g1', (x) => x.activity === 'waiting_for_input', 'the trust question');
    expect(s.activityReason).toMatch(/trust|dialog/i);
    expect(s.prompt).toMatchObject({ state: 'pending' });
    await suite.h.ok(['send', 'g1', '--key', 'Enter']);
    await until('g1', (x) => x.prompt?.state === 'submitted', 'the prompt typed in after the trust question', 90_000);
    expect((await suite.h.cw(['wait', 'g1', '--until', 'idle', '--timeout', '90'])).code).toBe(0);
    expect((await suite.h.json<{ text: string }>(['last-message', 'g1', '--json'])).text).toBe('PONG');
    const ev = await events('g1');
    const types = ev.map((e) => e.type);
    expect(types).not.toContain('prompt.failed');
    // The prompt went in only after the trust question was answered.
    expect(types.indexOf('prompt.submitted')).toBeGreaterThan(types.indexOf('prompt.held'));
  });

  it('its tool confirmation is waiting_for_input and answering it runs the tool', { timeout: 180_000 }, async () => {
    const spec = await suite.kit.spec({ name: 'confirm', trusted: true });
    const r = await cwLaunch(suite.h, 'g2', spec, ['--prompt', 'run: touch made-by-agent.txt']);
    expect(r.code, r.stderr).toBe(0);
    const s = await until('g2', (x) => x.activity === 'waiting_for_input', 'the tool confirmation', 90_000);
    expect(s.activityReason).toMatch(/Allow|confirm|dialog/i);
    expect(existsSync(join(spec.cwd, 'made-by-agent.txt'))).toBe(false);
    await suite.h.ok(['send', 'g2', '--key', 'Enter']);
    await waitFor(() => existsSync(join(spec.cwd, 'made-by-agent.txt')), 'the confirmed tool to run', 30_000);
    expect((await suite.h.cw(['wait', 'g2', '--until', 'idle', '--timeout', '90'])).code).toBe(0);
  });
});
