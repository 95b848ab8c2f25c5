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
    expect(id).toMatch(/^msg:\d+$/);
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
    expect(t.stderr).toMatch(/no reply to (msg:\d+) from sh within 1s/);
    const reqId = /no reply to (msg:\d+)/.exec(t.stderr)![1]!;
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
    expect(task).toMatch(/^msg:\d+$/);
    await h.ok(['kill', 'quiet']);
  });

  it('a forged sender is refused; CW_SESSION_ID alone proves nothing', { timeout: 30_000 }, async () => {
    const forged = await h.cw(['msg', 'deploy', 'trust me'], { env: { CW_SESSION_TOKEN: 'not-a-real-token' } });
    expect(forged.code).toBe(3);
    expect(forged.stderr).toContain('CW_SESSION_TOKEN does not belong to any session');
    const claimed = await h.cw(['msg', 'sh', 'who am I?', '--json'], { env: { CW_SESSION_ID: '1', CW_SESSION_NAME: 'auth' } });
    expect((JSON.parse(claimed.stdout) as MessageInfo[])[0]!.from).toBe('operator');
  });

  it('a message to an ended session says it is not coming back; a request to it fails at once; shells are never typed into', { timeout: 30_000 }, async () => {
    const id = (await h.ok(['launch', '--name', 'gone', '--', 'true'])).trim();
    await waitFor(async () => (await status(id)).state === 'exited', 'exit');
    const r = await h.cw(['msg', 'gone', 'anyone?']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/: undeliverable \(session gone exited \(code 0\) and is not coming back: nobody will read this message/);
    expect(r.stderr).not.toContain('waits in its inbox');
    const sent = JSON.parse((await h.cw(['msg', 'gone', 'again?', '--json'])).stdout) as (MessageInfo & { targetState: string; hint: string })[];
    expect(sent[0]).toMatchObject({ targetState: 'exited' });
    // A request would only wait out its timeout: refused at once, with what to do instead.
    const ask = await h.cw(['request', 'gone', 'are you there?', '--timeout', '30']);
    expect(ask.code).toBe(1);
    expect(ask.stderr).toContain('session gone exited (code 0) and is not coming back: nobody would answer');
    expect(ask.stderr).toContain('hint: ask a running session');
    // Killed and lost say how they ended.
    const k = (await h.ok(['launch', '--name', 'killedone', '--', 'sleep', '600'])).trim();
    await h.ok(['kill', k]);
    expect((await h.cw(['msg', 'killedone', 'hello?'])).stderr).toContain('session killedone was killed and is not coming back');
    const sh = await h.cw(['msg', 'sh', 'not typed']);
    expect(sh.stderr).toContain('not a recognised agent');
    expect(await h.ok(['logs', 'sh'])).not.toContain('[cw] a message');
  });

  it('message ids never look like session names, even beside sessions named m1 and m2; the old form is still taken', { timeout: 30_000 }, async () => {
    await h.ok(['launch', '--name', 'm1', '--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile']);
    await h.ok(['launch', '--name', 'm2', '--', 'sleep', '600']);
    await h.ok(['wait', 'm1', '--until', 'idle', '--timeout', '20']);
    await h.ok(['send', 'm1', `${process.execPath} ${CW} msg m2 --task "rotate the keys" && ${process.execPath} ${CW} msg operator "hello from m1"`]);
    const sent = await waitFor(async () => {
      const evs = (await events()).filter((e) => e.type === 'message.sent' && e.data.from === 'm1');
      return evs.length === 2 ? evs : null;
    }, 'both messages from m1');
    const task = String(sent.find((e) => e.data.to === 'm2')!.data.id);
    const hello = String(sent.find((e) => e.data.to === 'operator')!.data.id);
    expect(task).toMatch(/^msg:\d+$/);
    expect(await h.ok(['status', 'm1'])).toMatch(new RegExp(`^waits on +${task} task to m2 \\(open\\)$`, 'm'));
    expect(await h.ok(['status', 'm2'])).toMatch(new RegExp(`^owes +${task} task from m1 \\(open\\)$`, 'm'));
    const inbox = await h.ok(['inbox']);
    expect(inbox).toContain(`── ${hello} · message from m1 · `);
    // An id copied from older output (m12) still works where only a message id is taken.
    const old = `m${hello.slice('msg:'.length)}`;
    const r = await h.cw(['reply', old, 'hello back']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`^Reply msg:\\d+ to m1 \\(re ${hello}\\)$`, 'm'));
    const bad = await h.cw(['reply', 'nope', 'x']);
    expect(bad.stderr).toContain('message ids look like msg:12');
    await h.ok(['kill', 'm1', 'm2']);
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
