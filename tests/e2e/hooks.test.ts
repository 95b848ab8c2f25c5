// `cw hook`: what agents' hooks run. It reaches the daemon as the session it runs in (the token), never
// prints, always exits 0, and never starts a daemon.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EventRecord, SessionInfo } from '../../src/protocol/index.js';
import { makeHome, waitFor, type Home } from '../support/harness.js';

let h: Home;
beforeAll(async () => {
  h = makeHome();
  await h.ok(['start']);
});
afterAll(async () => {
  await h.cleanup();
});

const events = async (ref: string): Promise<EventRecord[]> =>
  (await h.ok(['events', ref, '--tail', '200', '--json'])).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as EventRecord);

describe('cw hook', () => {
  it('reports as the session it runs in: the event, the conversation id and transcript are stored', async () => {
    const payload = join(h.dir, 'payload.json');
    writeFileSync(payload, JSON.stringify({ session_id: '0f1e2d3c-aaaa-bbbb-cccc-123456789abc', transcript_path: '/tmp/t.jsonl', hook_event_name: 'UserPromptSubmit', prompt: 'x' }));
    await h.ok(['launch', '--name', 'sh', '--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile']);
    await h.ok(['send', 'sh', `cw_out=$(${process.execPath} ${process.cwd()}/dist/cw.js hook claude UserPromptSubmit < ${payload}; echo "rc=$?"); echo "[$cw_out]"`]);
    await waitFor(async () => (await h.ok(['screen', 'sh'])).includes('[rc=0]'), 'cw hook to finish, silently, with 0', 15_000);
    const ev = await waitFor(async () => {
      const all = await events('sh');
      return all.some((e) => e.type === 'agent.hook') ? all : null;
    }, 'the agent.hook event');
    expect(ev.find((e) => e.type === 'agent.hook')?.data).toMatchObject({ event: 'UserPromptSubmit', activity: 'working' });
    expect(ev.find((e) => e.type === 'agent.conversation')?.data).toEqual({ id: '0f1e2d3c-aaaa-bbbb-cccc-123456789abc', transcript: '/tmp/t.jsonl' });
    const s = await h.json<SessionInfo>(['status', 'sh']);
    expect(s.conversationId).toBe('0f1e2d3c-aaaa-bbbb-cccc-123456789abc');
    await h.ok(['kill', 'sh']);
  });

  it('outside a session, or with no daemon, prints nothing and exits 0 without starting one', async () => {
    const outside = await h.cw(['hook', 'claude', 'Stop'], { input: '{"session_id":"x"}' });
    expect(outside).toEqual({ code: 0, stdout: '', stderr: '' });
    const other = makeHome();
    try {
      const r = await other.cw(['hook', 'codex', '{"type":"agent-turn-complete"}'], { env: { CW_SESSION_TOKEN: 'not-a-token' } });
      expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
      expect(other.daemonPid()).toBeNull();
    } finally {
      await other.cleanup();
    }
  });

  it("runs the user's own notify after itself (--then), with the same final argument, as Codex would have", async () => {
    const out = join(h.dir, 'their-notify.out');
    const payload = '{"type":"agent-turn-complete","thread-id":"t1"}';
    const r = await h.cw(['hook', 'codex', '--then', JSON.stringify(['sh', '-c', 'printf %s "$1" > "$0"', out]), payload]);
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    await waitFor(() => existsSync(out) && readFileSync(out, 'utf8') === payload, 'their notify to run');
  });

  it('refuses the op to anyone but a session: a forged token is refused, not attributed', async () => {
    const hooks = async (): Promise<number> => (await h.ok(['events', '--tail', '500', '--json'])).split('"agent.hook"').length;
    const before = await hooks();
    const r = await h.cw(['hook', 'claude', 'Stop'], { input: '{}', env: { CW_SESSION_TOKEN: 'forged' } });
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' }); // the hook never fails the agent…
    expect(await hooks()).toBe(before); // …and the daemon recorded nothing for it
  });
});
