// Sessions that talk to each other: agent-like programs using the cw CLI from inside their sessions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { EventRecord, MessageInfo, SessionInfo } from '../../src/protocol/index.js';
import { CW, ROOT, makeHome, waitFor, type Home } from '../support/harness.js';

const FAKE = join(ROOT, 'tests/fixtures/agents/fake-claude.mjs');
let h: Home;

const agent = (name: string, extra: string[] = []): string[] => [
  'launch', '--name', name, '--agent', 'claude', '--env', `FAKE_CW=${CW}`, ...extra, '--', process.execPath, FAKE,
];
const events = async (): Promise<EventRecord[]> =>
  (await h.ok(['events', '--tail', '1000', '--json'])).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as EventRecord);
const msgEvents = async (id: string): Promise<string[]> => (await events()).filter((e) => e.data.id === id).map((e) => e.type);
const status = (ref: string): Promise<SessionInfo> => h.json<SessionInfo>(['status', ref]);

beforeAll(async () => {
  h = makeHome();
  await h.ok(agent('auth', ['--tag', 'team']));
  await h.ok(agent('deploy', ['--tag', 'team']));
  await h.ok(['launch', '--name', 'sh', '--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile']);
  await h.ok(['wait', 'auth', 'deploy', 'sh', '--until', 'idle', '--timeout', '20']);
}, 60_000);
afterAll(async () => {
  await h.cleanup();
});

describe('messages', () => {
  it('a message is stored, announced to the idle agent by a fixed notice, and read through cw inbox', { timeout: 60_000 }, async () => {
    const r = await h.cw(['msg', 'deploy', 'gateway moved to port 8443']);
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    expect(id).toMatch(/^m\d+$/);
    await waitFor(async () => (await msgEvents(id)).includes('message.read'), 'the agent to read it');
    expect(await msgEvents(id)).toEqual(['message.sent', 'message.delivered', 'message.read']);
    // What was typed is the notice, not the body: the body reached the agent through `cw inbox`.
    const logs = await h.ok(['logs', 'deploy']);
    expect(logs).toContain(`[cw] a message from operator (${id}): run \`cw inbox\` to read it`);
    await h.ok(['wait', 'deploy', '--until', 'idle', '--timeout', '20']);
    expect(await h.ok(['last-message', 'deploy'])).toContain(`${id} message from operator: gateway moved to port 8443`);
  });

  it('a request from inside one agent is answered by the other; the asker gets the reply', { timeout: 60_000 }, async () => {
    await h.ok(['send', 'auth', 'ask deploy: what port does the gateway use?']);
    await waitFor(async () => (await h.ok(['screen', 'auth'])).includes('deploy says: answer: what port does the gateway use?'), 'the reply on the asker screen', 30_000);
    const evs = await events();
    const req = evs.find((e) => e.type === 'message.sent' && e.data.kind === 'request');
    expect(req?.data).toMatchObject({ from: 'auth', to: 'deploy' });
    expect(evs.some((e) => e.type === 'request.answered' && e.data.id === req!.data.id)).toBe(true);
    await h.ok(['wait', 'auth', 'deploy', '--until', 'idle', '--timeout', '20']);
  });

  it('a request times out with 124; a late reply still reaches the asker inbox; only the recipient can reply', { timeout: 60_000 }, async () => {
    const t = await h.cw(['request', 'sh', 'are you there?', '--timeout', '1']);
    expect(t.code).toBe(124);
    expect(t.stderr).toMatch(/no reply to (m\d+) from sh within 1s/);
    const reqId = /no reply to (m\d+)/.exec(t.stderr)![1]!;
    // The operator is not the recipient: refused.
    const notMine = await h.cw(['reply', reqId, 'me neither']);
    expect(notMine.code).toBe(3);
    expect(notMine.stderr).toContain('only sh, the recipient');
    // From inside the shell session, cw knows it is sh.
    await h.ok(['send', 'sh', `${process.execPath} ${CW} reply ${reqId} "late but here"`]);
    await waitFor(async () => (await h.json<MessageInfo[]>(['inbox', '--peek'])).some((m) => m.re === reqId), 'late reply in the operator inbox');
    const inbox = await h.json<MessageInfo[]>(['inbox']);
    expect(inbox.find((m) => m.re === reqId)).toMatchObject({ kind: 'reply', from: 'sh', body: 'late but here' });
    expect(await h.json<MessageInfo[]>(['inbox'])).toEqual([]);
  });

  it('waits while the agent is busy or shows a dialog, and delivers at the next idle moment', { timeout: 60_000 }, async () => {
    await h.ok(['send', 'deploy', 'work on this slowly']);
    await waitFor(async () => (await status('deploy')).activity === 'working', 'busy');
    const busy = await h.cw(['msg', 'deploy', 'sent while busy', '--json']);
    const m = (JSON.parse(busy.stdout) as (MessageInfo & { targetState: string; hint: string })[])[0]!;
    expect(m.targetState).toBe('working');
    expect(m.hint).toContain('told when it turns idle');
    expect(await msgEvents(m.id)).toEqual(['message.sent']);
    await waitFor(async () => (await msgEvents(m.id)).includes('message.delivered'), 'delivery after the turn', 30_000);
    const evs = await events();
    const delivered = evs.find((e) => e.type === 'message.delivered' && e.data.id === m.id)!;
    const turnEnd = evs.filter((e) => e.type === 'activity' && e.sessionId === m.toSession && e.data.activity === 'idle' && e.id < delivered.id).at(-1);
    expect(turnEnd, 'an idle edge before the delivery').toBeTruthy();
    await h.ok(['wait', 'deploy', '--until', 'idle', '--timeout', '20']);

    // A dialog: never typed over.
    await h.ok(['send', 'deploy', 'this needs permission']);
    await waitFor(async () => (await status('deploy')).activity === 'waiting_for_input', 'dialog', 20_000);
    const d = (await h.ok(['msg', 'deploy', 'sent during the dialog'])).trim();
    const screenDuring = await h.ok(['screen', 'deploy']);
    expect(screenDuring).toContain('Do you want to proceed?');
    expect(await msgEvents(d)).toEqual(['message.sent']);
    await h.ok(['send', 'deploy', '--key', '1']);
    await waitFor(async () => (await msgEvents(d)).includes('message.read'), 'delivery after the dialog', 30_000);
    await h.ok(['wait', 'deploy', '--until', 'idle', '--timeout', '20']);
  });

  it('a task stays open until the receiver closes it; the requester is told', { timeout: 60_000 }, async () => {
    const id = (await h.ok(['msg', 'deploy', '--task', 'migrate the config loader'])).trim();
    await waitFor(async () => (await msgEvents(id)).includes('task.closed'), 'the task closed by the agent', 30_000);
    const inbox = await h.json<MessageInfo[]>(['inbox']);
    expect(inbox.find((m) => m.re === id)).toMatchObject({ from: 'deploy', body: '[done] did: migrate the config loader' });
    expect(await h.json(['work'])).toEqual({ owes: [], waitsOn: [] });
    // Open work shows on both sides while it is open.
    const open = (await h.ok(['msg', 'sh', '--task', 'rotate the logs'])).trim();
    expect((await h.json<{ waitsOn: MessageInfo[] }>(['work'])).waitsOn.map((m) => m.id)).toEqual([open]);
    const st = await h.json<{ owes: MessageInfo[] }>(['status', 'sh']);
    expect(st.owes.map((m) => m.id)).toEqual([open]);
    await h.ok(['send', 'sh', `${process.execPath} ${CW} work block ${open} "needs creds"`]);
    await waitFor(async () => (await h.json<MessageInfo[]>(['inbox', '--peek'])).some((m) => m.re === open), 'blocked notice');
    expect((await h.json<MessageInfo[]>(['inbox'])).find((m) => m.re === open)?.body).toBe('[blocked] needs creds');
  });

  it('cw list counts each session\'s unread messages and the work it owes', { timeout: 30_000 }, async () => {
    // A plain program is never typed into, so what is sent to it stays unread.
    await h.ok(['launch', '--name', 'quiet', '--', 'sleep', '600']);
    await h.ok(['msg', 'quiet', 'one']);
    await h.ok(['msg', 'quiet', 'two']);
    const task = (await h.ok(['msg', 'quiet', '--task', 'three'])).trim();
    const row = async (name: string): Promise<SessionInfo> => (await h.json<SessionInfo[]>(['list'])).find((s) => s.name === name)!;
    expect(await row('quiet')).toMatchObject({ unread: 3, owes: 1 });
    // Someone else's mail counts for nobody else.
    const before = await row('auth');
    await h.ok(['msg', 'quiet', 'four']);
    expect(await row('quiet')).toMatchObject({ unread: 4, owes: 1 });
    expect(await row('auth')).toMatchObject({ unread: before.unread, owes: before.owes });
    expect(task).toMatch(/^m\d+$/);
    await h.ok(['kill', 'quiet']);
  });

  it('a forged sender is refused; CW_SESSION_ID alone proves nothing', { timeout: 30_000 }, async () => {
    const forged = await h.cw(['msg', 'deploy', 'trust me'], { env: { CW_SESSION_TOKEN: 'not-a-real-token' } });
    expect(forged.code).toBe(3);
    expect(forged.stderr).toContain('CW_SESSION_TOKEN does not belong to any session');
    const claimed = await h.cw(['msg', 'sh', 'who am I?', '--json'], { env: { CW_SESSION_ID: '1', CW_SESSION_NAME: 'auth' } });
    expect((JSON.parse(claimed.stdout) as MessageInfo[])[0]!.from).toBe('operator');
  });

  it('a message to a dead session stays queued and the sender is told; shells are never typed into', { timeout: 30_000 }, async () => {
    const id = (await h.ok(['launch', '--name', 'gone', '--', 'true'])).trim();
    await waitFor(async () => (await status(id)).state === 'exited', 'exit');
    const r = await h.cw(['msg', 'gone', 'anyone?']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('not running; the message waits in its inbox');
    const sh = await h.cw(['msg', 'sh', 'not typed']);
    expect(sh.stderr).toContain('not a recognised agent');
    expect(await h.ok(['logs', 'sh'])).not.toContain('[cw] a message');
  });

  it('broadcasts to a tag, bounds bodies, and shows state cards in list and status', { timeout: 60_000 }, async () => {
    const r = await h.json<MessageInfo[]>(['msg', 'tag:team', 'standup in 5']);
    expect(r.map((m) => m.to).sort()).toEqual(['auth', 'deploy']);
    const big = await h.cw(['msg', 'deploy', 'x'.repeat(16 * 1024 + 1)]);
    expect(big.code).toBe(1);
    expect(big.stderr).toContain('the limit is 16384');
    expect(big.stderr).toContain('send the path');
    // Both agents read the broadcast in a turn of their own; type the next prompt once that turn is over.
    for (const m of r) await waitFor(async () => (await msgEvents(m.id)).includes('message.read'), `broadcast ${m.id} read`, 30_000);
    await h.ok(['wait', 'auth', '--until', 'idle', '--timeout', '20']);
    await h.ok(['send', 'auth', 'card: refactoring the token refresh path']);
    await waitFor(async () => (await status('auth')).stateCard === 'refactoring the token refresh path', 'state card');
    expect(await h.ok(['list'])).toMatch(/STATE CARD[\s\S]*refactoring the token refresh path/);
    expect((await h.ok(['status', 'auth'])).toString()).toContain('state card   refactoring the token refresh path');
  });
});
