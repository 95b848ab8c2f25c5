import type { HookWiring } from '../../src/daemon/agents/types.js';
// opencode's module against what the real agent (1.18.33, npm run agents:capture) drew, sent through its plugin
// events and kept in its database: tests/fixtures/{screens,hooks,transcripts}/opencode/.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { opencode, opencodeTranscriptTurn, type OpenCodeMessage } from '../../src/daemon/agents/opencode.js';
import { normalizeLine } from '../../src/daemon/agents/screen.js';
import { screenOf } from '../support/fixtures.js';
import type { Screen } from '../../src/daemon/agents/types.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const hooks = opencode.hooks!;

const temps: string[] = [];
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  temps.push(d);
  return d;
}
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

function json(...path: string[]): any {
  return JSON.parse(readFileSync(join(FIXTURES, ...path), 'utf8'));
}
const payload = (name: string) => json('hooks', 'opencode', `${name}.json`);

const screen = (file: string): Screen => screenOf('opencode', file);

// Every payload of one capture run carries the same session (a rerun of the kit changes it).
const SESSION = (payload('session.created') as { properties: { info: { id: string } } }).properties.info.id;
const ids = { conversationId: SESSION };

describe('opencode hooks.interpret on plugin events from 1.18.33', () => {
  it('gives each event its signal', () => {
    expect(hooks.interpret('session.created', payload('session.created'))).toEqual({ reason: 'agent event: session.created', ...ids });
    expect(hooks.interpret('chat.message', payload('chat.message'))).toEqual({ activity: 'working', reason: 'agent event: chat.message', turnStarted: true, ...ids });
    expect(hooks.interpret('session.status', payload('session.status.busy'))).toEqual({ activity: 'working', reason: 'agent event: session.status (busy)', ...ids });
    expect(hooks.interpret('session.status', payload('session.status.idle'))).toEqual({ activity: 'idle', reason: 'agent event: session.status (idle)', ...ids });
    expect(hooks.interpret('session.idle', payload('session.idle'))).toEqual({ activity: 'idle', reason: 'agent event: session.idle', ...ids });
    expect(hooks.interpret('session.error', payload('session.error'))).toEqual({ activity: 'idle', reason: 'agent event: session.error (interrupted)', ...ids });
    const asked = payload('permission.asked').properties as { permission: string; patterns: string[] };
    expect(asked.permission).toBe('external_directory');
    expect(hooks.interpret('permission.asked', payload('permission.asked'))).toEqual({
      activity: 'waiting_for_input',
      reason: `agent event: permission.asked (external_directory: ${asked.patterns.join(' ')})`,
      ...ids,
    });
    expect(hooks.interpret('permission.replied', payload('permission.replied.once'))).toEqual({ activity: 'working', reason: 'agent event: permission.replied (once)', ...ids });
    expect(hooks.interpret('permission.replied', payload('permission.replied.reject'))).toEqual({ reason: 'agent event: permission.replied (reject)', ...ids });
    expect(hooks.interpret('question.asked', payload('question.asked'))).toEqual({ activity: 'waiting_for_input', reason: 'agent event: question.asked ("Which color do you want?")', ...ids });
    expect(hooks.interpret('question.replied', payload('question.replied'))).toEqual({ activity: 'working', reason: 'agent event: question.replied', ...ids });
    expect(hooks.interpret('question.rejected', payload('question.rejected'))).toEqual({ reason: 'agent event: question.rejected', ...ids });
  });

  it('takes the reply the plugin adds to session.idle, keeps a subagent out of the conversation, ignores the rest', () => {
    const idle = { ...payload('session.idle'), cw: { lastMessage: 'PONG' } };
    expect(hooks.interpret('session.idle', idle)).toEqual({ activity: 'idle', reason: 'agent event: session.idle', lastMessage: 'PONG', ...ids });
    const sub = { ...payload('permission.asked'), cw: { subagent: true } };
    expect(hooks.interpret('permission.asked', sub)?.activity).toBe('waiting_for_input');
    expect(hooks.interpret('permission.asked', sub)?.conversationId).toBeUndefined();
    const child = payload('session.created');
    child.properties.info.parentID = 'ses_parent';
    expect(hooks.interpret('session.created', child)).toBeUndefined();
    const retry = { type: 'session.status', properties: { sessionID: SESSION, status: { type: 'retry', attempt: 1, message: 'rate limited', next: 0 } } };
    expect(hooks.interpret('session.status', retry)).toEqual({ activity: 'working', reason: 'agent event: session.status (retry: rate limited)', ...ids });
    expect(hooks.interpret('message.updated', payload('message.updated'))).toBeUndefined();
    expect(hooks.interpret('session.diff', payload('session.diff'))).toBeUndefined();
  });

  it("reads a whole run of cw's own plugin: turns start, wait, end, and the last reply of each", () => {
    const calls = json('hooks', 'opencode', 'wired-calls.json').calls as { event: string; payload: unknown }[];
    const signals = calls.map((c) => ({ event: c.event, ...hooks.interpret(c.event, c.payload)! }));
    expect(signals.every((s) => s.reason)).toBe(true);
    // Activity changes only (repeats squashed), with the replies session.idle carried.
    const steps: string[] = [];
    for (const s of signals) {
      const step = `${s.activity ?? '-'}${s.lastMessage ? ` ${JSON.stringify(s.lastMessage)}` : ''}${s.turnStarted ? ' (turn)' : ''}`;
      if (steps[steps.length - 1] !== step) steps.push(step);
    }
    expect(steps).toEqual([
      '-',
      'working (turn)',
      'working',
      'idle',
      'idle "PONG"',
      'working (turn)',
      'working',
      'waiting_for_input',
      'working',
      'idle',
      'idle "Ran it."',
      'working (turn)',
      'working',
      'idle',
      'working (turn)',
      'working',
      'waiting_for_input',
      'working',
      'idle',
      'idle "Ran it."',
    ]);
  });
});

describe('opencode hooks.wire', () => {
  const input = {
    argv: ['opencode', '--model', 'fake/fake-model'],
    programIndex: 0,
    hookCommand: ['/usr/bin/node', '/opt/cw/dist/cw.js', 'hook', 'opencode'],
    dir: '/run/cw/s1',
    env: {} as Record<string, string | undefined>,
    home: '/home/u',
  };

  it('loads a plugin from the session folder through OPENCODE_CONFIG_CONTENT, leaving the command line alone', () => {
    const w = hooks.wire(input) as HookWiring;
    expect(w.argv).toEqual(input.argv);
    expect(w.env).toEqual({ OPENCODE_CONFIG_CONTENT: JSON.stringify({ plugin: ['file:///run/cw/s1/cw-opencode-plugin.mjs'] }) });
    expect(w.files.map((f) => f.path)).toEqual(['/run/cw/s1/cw-opencode-plugin.mjs']);
    expect(w.files[0]!.content).toContain(`const HOOK = ${JSON.stringify(input.hookCommand)};`);
    expect(w.summary).toMatch(/^OPENCODE_CONFIG_CONTENT plugin forwarding session\.created, chat\.message, session\.status, .* \(merged with yours\)$/);
  });

  it("merges into the user's own inline config and adds to their plugins", () => {
    const theirs = { model: 'anthropic/x', plugin: ['their-plugin@1.0.0'] };
    const w = hooks.wire({ ...input, env: { OPENCODE_CONFIG_CONTENT: JSON.stringify(theirs) } }) as HookWiring;
    expect(JSON.parse(w.env.OPENCODE_CONFIG_CONTENT!)).toEqual({ model: 'anthropic/x', plugin: ['their-plugin@1.0.0', 'file:///run/cw/s1/cw-opencode-plugin.mjs'] });
  });

  it('adds nothing where the plugin would not load or their config cannot be merged safely', () => {
    expect(hooks.wire({ ...input, argv: ['opencode', '--pure'] })).toBeUndefined();
    expect(hooks.wire({ ...input, env: { OPENCODE_PURE: '1' } })).toBeUndefined();
    expect(hooks.wire({ ...input, env: { OPENCODE_CONFIG_CONTENT: '{ // jsonc\n "model": "x" }' } })).toBeUndefined();
    expect(hooks.wire({ ...input, env: { OPENCODE_CONFIG_CONTENT: '{"plugin": "one"}' } })).toBeUndefined();
    expect(hooks.wire({ ...input, env: { OPENCODE_CONFIG_CONTENT: '[]' } })).toBeUndefined();
  });

  it('runs the hook command per event, in order, with the reply on session.idle and subagents filtered', async () => {
    const dir = tempDir('cw-oc-plugin-');
    const out = join(dir, 'calls.jsonl');
    const recorder = join(dir, 'record.mjs');
    writeFileSync(recorder, `import { appendFileSync, readFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(out)}, JSON.stringify({ argv: process.argv.slice(2), stdin: JSON.parse(readFileSync(0, 'utf8')) }) + '\\n');\n`);
    const w = hooks.wire({ ...input, dir, hookCommand: [process.execPath, recorder, 'hook', 'opencode'] }) as HookWiring;
    writeFileSync(w.files[0]!.path, w.files[0]!.content);
    const mod = (await import(pathToFileURL(w.files[0]!.path).href)) as { CwHooks: () => Promise<Record<string, (a: unknown, b?: unknown) => Promise<void>>> };
    const plugin = await mod.CwHooks();
    const ev = (type: string, properties: object) => plugin.event!({ event: { type, properties } });
    const S = 'ses_main';
    await plugin['chat.message']!({ sessionID: S, agent: 'build' });
    await ev('session.status', { sessionID: S, status: { type: 'busy' } });
    await ev('message.updated', { sessionID: S, info: { id: 'msg_1', role: 'assistant' } });
    await ev('message.part.updated', { sessionID: S, part: { id: 'prt_1', messageID: 'msg_1', sessionID: S, type: 'text', text: 'Hello there.' } });
    await ev('session.created', { sessionID: 'ses_sub', info: { id: 'ses_sub', parentID: S } });
    await ev('session.status', { sessionID: 'ses_sub', status: { type: 'busy' } });
    await ev('permission.asked', { id: 'per_1', sessionID: 'ses_sub', permission: 'bash', patterns: ['ls'] });
    await ev('session.idle', { sessionID: 'ses_sub' });
    await ev('message.part.delta', { sessionID: S, delta: 'x' });
    await ev('session.idle', { sessionID: S });
    const deadline = Date.now() + 20_000;
    let calls: { argv: string[]; stdin: any }[] = [];
    while (Date.now() < deadline) {
      try {
        calls = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      } catch {
        calls = [];
      }
      if (calls.length >= 4) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(calls.map((c) => c.argv)).toEqual([
      ['hook', 'opencode', 'chat.message'],
      ['hook', 'opencode', 'session.status'],
      ['hook', 'opencode', 'permission.asked'],
      ['hook', 'opencode', 'session.idle'],
    ]);
    expect(calls[0]!.stdin).toEqual({ type: 'chat.message', properties: { sessionID: S, agent: 'build' } });
    expect(calls[2]!.stdin.cw).toEqual({ subagent: true });
    expect(calls[3]!.stdin).toEqual({ type: 'session.idle', properties: { sessionID: S }, cw: { lastMessage: 'Hello there.' } });
  }, 30_000);
});

describe('opencode transcript', () => {
  const exported = (file: string) => (json('transcripts', 'opencode', file) as { messages: OpenCodeMessage[] }).messages;

  it('reads the latest turn of an exported session: the final text after a tool call, the one-word reply before it', () => {
    const messages = exported('export.json');
    expect(opencodeTranscriptTurn(messages)).toEqual({ ok: true, text: 'Ran it.', source: 'transcript' });
    expect(opencodeTranscriptTurn(messages.slice(0, 2))).toEqual({ ok: true, text: 'PONG', source: 'transcript' });
  });

  it('says interrupted, running or not answered yet instead of handing back an older reply', () => {
    expect(opencodeTranscriptTurn(exported('export-interrupted.json'))).toEqual({ ok: false, why: 'the latest turn was interrupted' });
    const messages = exported('export.json');
    expect(opencodeTranscriptTurn(messages.slice(0, 3))).toBeUndefined(); // the prompt, no answer yet
    expect(opencodeTranscriptTurn(messages.slice(0, 4))).toBeUndefined(); // the tool step, more to come
    const running = messages.slice(0, 2).map((m, i) => (i === 1 ? { ...m, info: { ...m.info, time: { created: 1 } } } : m));
    expect(opencodeTranscriptTurn(running)).toBeUndefined();
  });

  it("reads opencode's database (the rows as 1.18.33 stored them)", async () => {
    const rows = json('transcripts', 'opencode', 'db-rows.json') as { tbl: string; id: string; message_id: string | null; session_id: string; time_created: number; data: unknown }[];
    const home = tempDir('cw-oc-db-');
    const file = join(home, 'opencode.db');
    const db = new Database(file);
    db.exec('CREATE TABLE session (id text PRIMARY KEY, parent_id text, directory text NOT NULL, time_updated integer NOT NULL)');
    db.exec('CREATE TABLE message (id text PRIMARY KEY, session_id text NOT NULL, time_created integer NOT NULL, data text NOT NULL)');
    db.exec('CREATE TABLE part (id text PRIMARY KEY, message_id text NOT NULL, session_id text NOT NULL, time_created integer NOT NULL, data text NOT NULL)');
    const session = rows[0]!.session_id;
    for (const r of rows) {
      if (r.tbl === 'message') db.prepare('INSERT INTO message VALUES (?, ?, ?, ?)').run(r.id, r.session_id, r.time_created, JSON.stringify(r.data));
      else db.prepare('INSERT INTO part VALUES (?, ?, ?, ?, ?)').run(r.id, r.message_id, r.session_id, r.time_created, JSON.stringify(r.data));
    }
    const last = Math.max(...rows.map((r) => r.time_created));
    db.prepare('INSERT INTO session VALUES (?, NULL, ?, ?)').run(session, '/work/project', last);
    db.close();
    const ref = { cwd: '/work/project', home, startedAt: 0, transcriptPath: file };
    // The capture ended with an interrupted turn.
    expect(await opencode.transcriptReply!({ ...ref, conversationId: session })).toEqual({ ok: false, why: 'the latest turn was interrupted' });
    // Without an id from the plugin: this folder's newest session.
    expect(await opencode.transcriptReply!(ref)).toEqual({ ok: false, why: 'the latest turn was interrupted' });
    // A session whose latest turn is older than this run belongs to an earlier run.
    expect(await opencode.transcriptReply!({ ...ref, conversationId: session, startedAt: last + 1 })).toBeUndefined();
    expect(await opencode.transcriptReply!({ ...ref, transcriptPath: join(home, 'missing.db') })).toBeUndefined();
  });
});

describe('opencode screens from 1.18.33', () => {
  it('reads the reply of the latest turn only', () => {
    const reply = (file: string) => opencode.replyFromScreen(screen(file).lines);
    expect(reply('idle-captured-pong-wide.txt')).toEqual({ ok: true, text: 'PONG', source: 'screen' });
    expect(reply('idle-captured-pong-narrow.txt')).toEqual({ ok: true, text: 'PONG', source: 'screen' });
    expect(reply('idle-captured-tool-ran-no-dialog-narrow.txt')).toEqual({ ok: true, text: 'Ran it.', source: 'screen' });
    expect(reply('idle-captured-queued-done-wide.txt')).toEqual({ ok: true, text: 'queued answer', source: 'screen' });
    expect(reply('idle-captured-mini-pong-wide.txt')).toEqual({ ok: true, text: 'PONG', source: 'screen' });
    expect(reply('idle-captured-mini-permission-answered-narrow.txt')).toEqual({ ok: true, text: 'Ran it.', source: 'screen' });
    expect(reply('idle-captured-interrupted-wide.txt')).toEqual({ ok: false, why: 'the latest turn was interrupted' });
    expect(reply('idle-captured-mini-interrupted-narrow.txt')).toEqual({ ok: false, why: 'the latest turn was interrupted' });
    expect(reply('idle-captured-permission-rejected-narrow.txt')).toEqual({ ok: false, why: 'the latest turn ended without a reply' });
    expect(reply('working-captured-streaming-wide.txt')).toEqual({ ok: false, why: 'the turn is still running' });
    expect(reply('working-captured-queued-narrow.txt')).toEqual({ ok: false, why: 'the latest prompt has no reply yet' });
    expect(reply('idle-captured-first-start-wide.txt')).toEqual({ ok: false, why: 'no finished turn on screen' });
    expect(reply('waiting_for_input-captured-permission-bash-wide.txt')).toEqual({ ok: false, why: 'a dialog is open' });
  });

  it('tells an empty composer (or its suggestion) from a draft', () => {
    const empty = (file: string) => opencode.composerEmpty(screen(file));
    expect(empty('idle-captured-first-start-wide.txt')).toBe(true); // `Ask anything… "…"` suggestion
    expect(empty('idle-captured-pong-narrow.txt')).toBe(true);
    expect(empty('idle-captured-mini-start-narrow.txt')).toBe(true);
    expect(empty('idle-captured-draft-wide.txt')).toBe(false);
    expect(empty('idle-captured-draft-narrow.txt')).toBe(false);
    expect(empty('waiting_for_input-captured-question-wide.txt')).toBe(false);
  });

  it('names the dialog and where the composer is', () => {
    expect(opencode.read(screen('waiting_for_input-captured-permission-bash-narrow.txt'))).toEqual({ waiting: { reason: 'permission dialog: Shell command "$ touch made-by-agent.txt"' } });
    expect(opencode.read(screen('waiting_for_input-captured-permission-always-confirm-wide.txt'))).toEqual({ waiting: { reason: '"Allow always" confirmation: "touch *"' } });
    expect(opencode.read(screen('waiting_for_input-captured-question-narrow.txt'))).toEqual({ waiting: { reason: 'question picker: "Which color do you want?"' } });
    expect(opencode.read(screen('working-captured-tool-running-wide.txt'))).toEqual({ composerAt: 33, working: { reason: 'bottom bar "esc interrupt"' } });
    expect(opencode.read(screen('idle-captured-pong-wide.txt'))).toEqual({ composerAt: 33, idle: { reason: 'composer, no busy marker, turn done', explicit: true } });
    expect(opencode.read(screen('idle-captured-draft-narrow.txt'))).toEqual({ composerAt: 11, idle: { reason: 'composer with a draft, no busy marker' } });
    expect(opencode.read(screen('idle-captured-mini-interrupted-wide.txt'))).toEqual({ composerAt: 19, idle: { reason: 'mini composer, no busy marker, turn aborted', explicit: true } });
    // A dialog quoted in a reply sits above the live composer: history.
    expect(opencode.read(screen('idle-quoted-dialog-wide.txt')).idle).toBeDefined();
  });

  it('holds while a picker covers the transcript (ctrl+p, seen by hand on 1.18.33 at 100x30)', () => {
    const lines = [
      '',
      '  ┃',
      '  ┃  PONG',
      '  ┃',
      '',
      '     PONG',
      '',
      '     ▣  Build · Fake Model · 799ms',
      '',
      '                        Commands                                         esc',
      '',
      '                        Search',
      '',
      '                        Suggested',
      '                        Switch session                              ctrl+x l',
      '                        New session                                 ctrl+x n',
      '',
      '  ┃',
      '  ┃',
      '  ┃',
      '  ┃  Build · Fake Model Fake',
      '  ╹▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀▀',
      '   /tmp/ocp/proj                                                               15  ctrl+p commands',
    ];
    const s: Screen = { cols: 100, rows: lines.length, lines, cursor: { x: 0, y: 0 }, title: 'OC | Fake session', altScreen: true };
    expect(opencode.read(s)).toEqual({ composerAt: 17, hold: { reason: 'opencode picker open: "Commands"' } });
  });
});
