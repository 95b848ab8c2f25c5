// End to end: activity inference on real ptys, `cw wait`, prompts that land, `last-message`, events.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { EventRecord, SessionInfo } from '../../src/protocol/index.js';
import { ROOT, makeHome, waitFor, type Home } from '../support/harness.js';

const FAKE_CLAUDE = join(ROOT, 'tests/fixtures/agents/fake-claude.mjs');
let h: Home;
beforeAll(async () => {
  h = makeHome();
  await h.ok(['start']);
});
afterAll(async () => {
  await h.cleanup();
});

const status = (ref: string): Promise<SessionInfo> => h.json<SessionInfo>(['status', ref]);

describe('an agent-like program', () => {
  it('launch --prompt waits for the ready prompt box, then the turn shows as working, then idle', { timeout: 60_000 }, async () => {
    const r = await h.cw(['launch', '--name', 'fc', '--agent', 'claude', '--prompt', 'hello there', '--wait-ready', '--', process.execPath, FAKE_CLAUDE]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Prompt submitted to session');
    const w = await h.cw(['wait', 'fc', '--timeout', '20']);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stdout).toMatch(/\tfc\tidle \(/);
    expect(await h.ok(['last-message', 'fc'])).toBe('Reply to: hello there\nSecond line of the reply.\n');
    expect(await h.ok(['last-message', 'fc', '-n', '1'])).toBe('Second line of the reply.\n');
    const s = await status('fc');
    expect(s).toMatchObject({ agent: 'claude', activity: 'idle' });
    expect(s.activityReason).toBeTruthy();
  });

  it('a permission dialog is waiting_for_input; answering it with --key ends the turn', { timeout: 60_000 }, async () => {
    const sent = await h.cw(['send', 'fc', 'please ask permission']);
    expect(sent.stderr).toContain('(as a paste)');
    const w = await h.cw(['wait', 'fc', '--timeout', '20']);
    expect(w.code).toBe(0);
    const s = await status('fc');
    expect(s.activity).toBe('waiting_for_input');
    expect(s.activityReason).toContain('Do you want to proceed?');
    expect((await h.json<SessionInfo[]>(['list', '--activity', 'waiting_for_input'])).map((x) => x.name)).toEqual(['fc']);
    await h.ok(['send', 'fc', '--key', '1']);
    // Right after the key the dialog is still drawn: wait must not return on it.
    expect((await h.cw(['wait', 'fc', '--until', 'idle', '--timeout', '20'])).code).toBe(0);
    expect(await h.ok(['last-message', 'fc'])).toContain('Done: please ask permission');
  });

  it('--if-idle refuses with exit 3 while the agent works, and sends when idle', { timeout: 60_000 }, async () => {
    await h.ok(['send', 'fc', 'a longer task, slowly']);
    await waitFor(async () => (await status('fc')).activity === 'working', 'working');
    const refused = await h.cw(['send', 'fc', 'interrupting text', '--if-idle']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/not at its ready prompt: working .*nothing sent/);
    expect((await h.json<SessionInfo[]>(['list', '--activity', 'working'])).map((x) => x.name)).toContain('fc');
    expect((await h.cw(['wait', 'fc', '--timeout', '20'])).code).toBe(0);
    const ok = await h.cw(['send', 'fc', 'now it is fine', '--if-idle']);
    expect(ok.code).toBe(0);
    expect((await h.cw(['wait', 'fc', '--timeout', '20'])).code).toBe(0);
    expect(await h.ok(['last-message', 'fc'])).toContain('Reply to: now it is fine');
  });

  it('every activity change is an event, in order', async () => {
    const lines = (await h.ok(['events', 'fc', '--tail', '200', '--json'])).trim().split('\n');
    const events = lines.map((l) => JSON.parse(l) as EventRecord);
    const acts = events.filter((e) => e.type === 'activity').map((e) => e.data.activity);
    expect(acts).toContain('waiting_for_input');
    expect(acts.at(-1)).toBe('idle');
    for (let i = 1; i < events.length; i++) expect(events[i]!.id).toBeGreaterThan(events[i - 1]!.id);
    expect(events.some((e) => e.type === 'prompt.submitted')).toBe(true);
  });

  it('wait times out with 124 and reports the state; a session that exits satisfies not-working', { timeout: 60_000 }, async () => {
    await h.ok(['send', 'fc', 'one more']);
    const t = await h.cw(['wait', 'fc', '--until', 'waiting', '--timeout', '1']);
    expect(t.code).toBe(124);
    expect(t.stdout).toMatch(/\tfc\t/);
    await h.ok(['wait', 'fc']);
    await h.ok(['send', 'fc', '--key', 'C-c']);
    const w = await h.cw(['wait', 'fc', '--until', 'exit', '--timeout', '20']);
    expect(w.code).toBe(0);
    expect(w.stdout).toContain('exited (0)');
    const never = await h.cw(['wait', 'fc', '--until', 'idle', '--timeout', '5']);
    expect(never.code).toBe(1);
    expect(never.stderr).toContain('ended before reaching idle');
  });
});

describe('a shell', () => {
  it('is working while a foreground job runs and idle when the prompt is back', { timeout: 60_000 }, async () => {
    const id = (await h.ok(['launch', '--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile'])).trim();
    await waitFor(async () => (await status(id)).activity === 'idle', 'shell idle');
    expect((await status(id)).agent).toBe('shell');
    await h.ok(['send', id, 'sleep 3; echo slept']);
    // The first sample may catch bash between fork and exec; the job's name shows on the next one.
    const busy = await waitFor(async () => {
      const s = await status(id);
      return s.activity === 'working' && s.activityReason?.includes('sleep') ? s : null;
    }, 'shell working on sleep');
    expect(busy.activityReason).toBe('foreground job: sleep');
    expect((await h.cw(['wait', id, '--timeout', '20'])).code).toBe(0);
    expect(await h.ok(['logs', id])).toContain('slept');
    expect((await status(id)).activity).toBe('idle');
  });

  it('a generic program that goes quiet is idle; one that keeps printing is working', { timeout: 60_000 }, async () => {
    const id = (await h.ok(['launch', '--', 'bash', '-c', 'for i in $(seq 1 30); do echo tick $i; sleep 0.1; done; read x'])).trim();
    await waitFor(async () => (await status(id)).activity === 'working', 'ticking is working');
    await waitFor(async () => (await status(id)).activity === 'idle', 'quiet is idle', 20_000);
    expect((await status(id)).activityReason).toMatch(/quiet/);
    await h.ok(['kill', id]);
  });
});

describe('terminal queries', () => {
  it('are answered by the headless terminal while nobody is attached, so start-up probes do not hang', { timeout: 30_000 }, async () => {
    const id = (await h.ok(['launch', '--', 'bash', '-c', 'printf "\\033[6n"; IFS= read -rs -d R -t 5 pos; echo "pos=${pos#?}"; printf "\\033[c"; IFS= read -rs -d c -t 5 da; echo "da=${da#?}"'])).trim();
    await waitFor(async () => (await status(id)).state === 'exited', 'probe program to end');
    const logs = await h.ok(['logs', id]);
    expect(logs).toMatch(/pos=\[1;1\n/);
    expect(logs).toMatch(/da=\[\?[\d;]+\n/);
  });
});
