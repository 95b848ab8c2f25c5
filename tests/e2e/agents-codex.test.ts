// The real Codex CLI (kit-installed, pinned) against the fake model server (OpenAI Responses): its trust list
// is a dialog, not a composer; its approval dialog waits and answering it runs the tool.
import { describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { waitFor } from '../support/harness.js';
import { agentSuite, cwLaunch } from '../support/agents.js';

const suite = agentSuite('codex');
const { status, events, until } = suite;

describe('Codex, real, offline', () => {
  it('"Trust this folder? › 1. Trust and continue" holds the --prompt; once trusted through cw send the prompt goes in and its reply is read', { timeout: 150_000 }, async () => {
    const spec = await suite.kit.spec({ name: 'untrusted' });
    const r = await cwLaunch(suite.h, 'x1', spec, ['--prompt', 'reply with: PONG']);
    expect(r.code, r.stderr).toBe(0);
    const s = await until('x1', (x) => x.activity === 'waiting_for_input', 'the trust list');
    expect(s.activityReason).toMatch(/trust|dialog/i);
    expect(s.prompt).toMatchObject({ state: 'pending' });
    await suite.h.ok(['send', 'x1', '--key', 'Enter']);
    await until('x1', (x) => x.prompt?.state === 'submitted', 'the prompt typed in after the trust list', 60_000);
    expect((await suite.h.cw(['wait', 'x1', '--until', 'idle', '--timeout', '60'])).code).toBe(0);
    const last = await suite.h.json<{ text: string; source: string }>(['last-message', 'x1', '--json']);
    expect(last.text).toBe('PONG');
    const types = (await events('x1')).map((e) => e.type);
    expect(types).toContain('prompt.held');
    expect(types).not.toContain('prompt.failed');
    // notify reported the turn, with the thread id.
    expect(types).toContain('agent.hook');
    expect((await status('x1')).conversationId).toBeTruthy();
  });

  it('its approval dialog is waiting_for_input and answering it runs the tool', { timeout: 150_000 }, async () => {
    const spec = await suite.kit.spec({ name: 'approve', trusted: true });
    const r = await cwLaunch(suite.h, 'x2', spec, ['--prompt', 'run: touch made-by-agent.txt', '--wait-ready']);
    expect(r.code, r.stderr).toBe(0);
    const s = await until('x2', (x) => x.activity === 'waiting_for_input', 'the approval dialog', 60_000);
    expect(s.activityReason).toMatch(/approv|run the following|dialog|blocked \(permission\)/i);
    expect(existsSync(join(spec.cwd, 'made-by-agent.txt'))).toBe(false);
    // Codex reports "blocked" (OSC 7501) a moment before it draws the dialog: answer what a person would see.
    await waitFor(async () => /Press enter to confirm/.test(await suite.h.ok(['screen', 'x2'])), 'the approval dialog drawn', 30_000);
    await suite.h.ok(['send', 'x2', '--key', 'y']);
    await waitFor(() => existsSync(join(spec.cwd, 'made-by-agent.txt')), 'the approved tool to run', 30_000);
    expect((await suite.h.cw(['wait', 'x2', '--until', 'idle', '--timeout', '60'])).code).toBe(0);
  });
});
