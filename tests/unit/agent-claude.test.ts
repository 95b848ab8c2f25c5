import type { HookWiring } from '../../src/daemon/agents/types.js';
// Claude Code's module against what the real agent (2.1.332, npm run agents:capture) drew, sent to its hooks
// and wrote to its transcript: tests/fixtures/{screens,hooks,transcripts}/claude/.
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { claude, claudeTranscriptTurn } from '../../src/daemon/agents/claude.js';
import { normalizeLine } from '../../src/daemon/agents/screen.js';
import { screenOf } from '../support/fixtures.js';
import type { Screen } from '../../src/daemon/agents/types.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const hooks = claude.hooks!;

function payload(name: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, 'hooks', 'claude', `${name}.json`), 'utf8'));
}

const screen = (file: string): Screen => screenOf('claude', file);

// Every payload of one capture run carries the same session and transcript (a rerun of the kit changes them).
const first = payload('SessionStart') as { session_id: string; transcript_path: string };
const SESSION = first.session_id;
const started = { conversationId: SESSION, transcriptPath: first.transcript_path };
// Only SessionStart may switch the conversation (see HookSignal.keepsConversation).
const ids = { ...started, keepsConversation: true };

describe('claude hooks.interpret on payloads from 2.1.332', () => {
  it('gives each event its signal', () => {
    expect(hooks.interpret('SessionStart', payload('SessionStart'))).toEqual({ reason: 'agent hook: SessionStart (startup)', ...started });
    expect(hooks.interpret('UserPromptSubmit', payload('UserPromptSubmit'))).toEqual({ activity: 'working', reason: 'agent hook: UserPromptSubmit', turnStarted: true, ...ids });
    expect(hooks.interpret('Stop', payload('Stop'))).toEqual({ activity: 'idle', reason: 'agent hook: Stop', lastMessage: 'PONG', ...ids });
    expect(hooks.interpret('StopFailure', payload('StopFailure'))).toEqual({ activity: 'idle', reason: 'agent hook: StopFailure (unknown)', ...ids });
    expect(hooks.interpret('PermissionRequest', payload('PermissionRequest'))).toEqual({ activity: 'waiting_for_input', reason: 'agent hook: PermissionRequest', ...ids });
    expect(hooks.interpret('Notification', payload('Notification-permission_prompt'))).toEqual({
      activity: 'waiting_for_input',
      reason: 'agent hook: Notification (permission_prompt)',
      ...ids,
    });
    expect(hooks.interpret('Notification', payload('Notification-idle_prompt'))).toEqual({ activity: 'idle', reason: 'agent hook: Notification (idle_prompt)', ...ids });
    expect(hooks.interpret('SessionEnd', payload('SessionEnd'))).toEqual({ reason: 'agent hook: SessionEnd (prompt_input_exit)', ended: true, ...ids });
  });

  it('ignores events it did not wire, and notes background work on Stop', () => {
    expect(hooks.interpret('PreToolUse', payload('PreToolUse'))).toBeUndefined();
    expect(hooks.interpret('PostToolUse', payload('PostToolUse'))).toBeUndefined();
    const stop = { ...(payload('Stop') as object), background_tasks: [{ id: 'b1' }, { id: 'b2' }] };
    expect(hooks.interpret('Stop', stop)?.reason).toBe('agent hook: Stop (2 background tasks still running)');
    expect(hooks.interpret('Stop', stop)?.activity).toBe('idle');
  });
});

describe('claude hooks.wire', () => {
  const input = {
    argv: ['env', 'FOO=1', 'claude', '--model', 'opus'],
    programIndex: 2,
    hookCommand: ['/usr/bin/node', '/opt/cw/dist/cw.js', 'hook', 'claude'],
    dir: '/run/cw/s1',
    env: {},
    home: '/home/u',
  };

  it('adds --settings FILE right after the program, and writes async hooks into the session folder', () => {
    const w = hooks.wire(input) as HookWiring;
    expect(w.argv).toEqual(['env', 'FOO=1', 'claude', '--settings', '/run/cw/s1/claude-settings.json', '--model', 'opus']);
    expect(w.env).toEqual({});
    expect(w.files.map((f) => f.path)).toEqual(['/run/cw/s1/claude-settings.json']);
    const settings = JSON.parse(w.files[0]!.content) as { hooks: Record<string, unknown> };
    expect(Object.keys(settings.hooks)).toEqual(['SessionStart', 'UserPromptSubmit', 'Stop', 'StopFailure', 'Notification', 'PermissionRequest', 'SessionEnd']);
    expect(settings.hooks.Stop).toEqual([{ hooks: [{ type: 'command', command: '/usr/bin/node /opt/cw/dist/cw.js hook claude Stop', async: true, timeout: 10 }] }]);
    expect(w.summary).toMatch(/--settings with hooks/);
  });

  it('wires nothing when the program is inside a shell command', () => {
    expect(hooks.wire({ ...input, argv: ['sh', '-c', 'claude'], programIndex: undefined })).toBeUndefined();
  });
});

describe('claude transcriptReply on a 2.1.332 transcript', () => {
  const file = (name: string) => join(FIXTURES, 'transcripts', 'claude', name);
  const text = (name: string) => readFileSync(file(name), 'utf8');
  const lines = (name: string) => text(name).split('\n').filter(Boolean);

  it('reads the tool turn\'s reply, and the one-word reply of the turn before', async () => {
    expect(await claude.transcriptReply!({ transcriptPath: file('text-then-tool.jsonl'), cwd: '/x', home: '/nonexistent', startedAt: 0 })).toEqual({ ok: true, text: 'Ran it.', source: 'transcript' });
    const all = lines('text-then-tool.jsonl');
    const secondPrompt = all.findIndex((l) => l.includes('"content":"run: touch made-by-agent.txt"'));
    expect(claudeTranscriptTurn(all.slice(0, secondPrompt).join('\n'))).toEqual({ ok: true, text: 'PONG', source: 'transcript' });
  });

  it('is undefined while the latest turn has not ended, so the screen decides', () => {
    const all = lines('text-then-tool.jsonl');
    const toolUse = all.findIndex((l) => l.includes('"type":"tool_use"') && l.includes('"type":"assistant"'));
    expect(claudeTranscriptTurn(all.slice(0, toolUse + 1).join('\n'))).toBeUndefined();
  });

  it('an interrupted turn and a failed request have no reply', () => {
    const all = lines('text-tool-interrupt-error.jsonl');
    const interrupt = all.findIndex((l) => l.includes('[Request interrupted by user]'));
    expect(claudeTranscriptTurn(all.slice(0, interrupt + 1).join('\n'))).toEqual({ ok: false, why: 'the latest turn was interrupted' });
    expect(claudeTranscriptTurn(text('text-tool-interrupt-error.jsonl'))).toEqual({
      ok: false,
      why: 'the latest turn ended in an error: "API Error: 400 fake model: scripted failure 400"',
    });
  });

  it('ignores a transcript not written since the session started (an earlier run of a resumed id)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-claude-transcript-'));
    const copy = join(dir, 't.jsonl');
    copyFileSync(file('text-then-tool.jsonl'), copy);
    utimesSync(copy, new Date(1_000_000), new Date(1_000_000));
    expect(await claude.transcriptReply!({ transcriptPath: copy, cwd: '/x', home: '/nonexistent', startedAt: 2_000_000 })).toBeUndefined();
    expect(await claude.transcriptReply!({ transcriptPath: join(dir, 'missing.jsonl'), cwd: '/x', home: '/nonexistent', startedAt: 0 })).toBeUndefined();
  });

  it('finds the file from the session id and the cwd when the hooks gave no path', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cw-claude-home-'));
    const project = join(home, '.claude', 'projects', '-work-my-proj');
    mkdirSync(project, { recursive: true });
    copyFileSync(file('text-then-tool.jsonl'), join(project, `${SESSION}.jsonl`));
    const saved = process.env.CLAUDE_CONFIG_DIR;
    delete process.env.CLAUDE_CONFIG_DIR;
    try {
      expect(await claude.transcriptReply!({ conversationId: SESSION, cwd: '/work/my.proj', home, startedAt: 0 })).toMatchObject({ ok: true, text: 'Ran it.' });
    } finally {
      if (saved !== undefined) process.env.CLAUDE_CONFIG_DIR = saved;
    }
  });
});

describe('claude replyFromScreen and composerEmpty on 2.1.332 captures', () => {
  const reply = (file: string) => claude.replyFromScreen(screen(file).lines);

  it('reads the latest reply, a one-word one too, and never an older turn\'s', () => {
    expect(reply('idle-captured-reply-pong-120x40.txt')).toEqual({ ok: true, text: 'PONG', source: 'screen' });
    expect(reply('idle-captured-reply-pong-80x24.txt')).toEqual({ ok: true, text: 'PONG', source: 'screen' });
    expect(reply('idle-captured-permission-answered-80x24.txt')).toEqual({ ok: true, text: 'Ran it.', source: 'screen' });
    expect(reply('idle-captured-tool-ran-auto-120x40.txt')).toEqual({ ok: true, text: 'Ran it.', source: 'screen' });
    expect(reply('idle-captured-quoted-dialog-in-prompt-120x40.txt')).toEqual({ ok: true, text: 'PONG', source: 'screen' });
    expect(reply('idle-captured-interrupted-queued-sent-120x40.txt')).toEqual({ ok: true, text: expect.stringMatching(/^Fake model reply number \d+\.$/), source: 'screen' });
  });

  it('says why there is none', () => {
    expect(reply('idle-captured-ready-120x40.txt')).toEqual({ ok: false, why: 'the latest turn has no reply on screen' });
    expect(reply('idle-captured-interrupted-120x40.txt')).toEqual({ ok: false, why: 'the latest turn was interrupted' });
    expect(reply('idle-captured-permission-rejected-80x24.txt')).toEqual({ ok: false, why: 'the latest turn was interrupted' });
    expect(reply('idle-captured-api-error-120x40.txt')).toEqual({ ok: false, why: 'the latest turn ended in an error: "API Error: 400 fake model: scripted failure 400"' });
    expect(reply('working-captured-streaming-120x40.txt')).toEqual({ ok: false, why: 'the turn is still running' });
    expect(reply('working-captured-draft-while-working-80x24.txt')).toEqual({ ok: false, why: 'the turn is still running' });
    expect(reply('waiting_for_input-captured-bash-permission-120x40.txt').ok).toBe(false);
    expect(reply('waiting_for_input-captured-trust-dialog-80x24.txt').ok).toBe(false);
  });

  it('tells an empty composer from a draft, a paste and the queued-message placeholder', () => {
    expect(claude.composerEmpty(screen('idle-captured-ready-120x40.txt'))).toBe(true);
    expect(claude.composerEmpty(screen('idle-captured-reply-pong-80x24.txt'))).toBe(true);
    expect(claude.composerEmpty(screen('idle-captured-ready-draft-120x40.txt'))).toBe(false);
    expect(claude.composerEmpty(screen('idle-captured-ready-draft-80x24.txt'))).toBe(false);
    expect(claude.composerEmpty(screen('idle-captured-pasted-draft-120x40.txt'))).toBe(false);
    expect(claude.composerEmpty(screen('working-captured-queued-message-120x40.txt'))).toBe(true);
    expect(claude.composerEmpty(screen('waiting_for_input-captured-api-key-dialog-120x40.txt'))).toBe(false);
  });
});

describe('claude read() on 2.1.332 captures', () => {
  it('names the dialog and its question', () => {
    expect(claude.read(screen('waiting_for_input-captured-trust-dialog-120x40.txt'))).toEqual({
      waiting: { reason: 'trust dialog: "Quick safety check: Is this a project you created or one yo…"' },
    });
    expect(claude.read(screen('waiting_for_input-captured-api-key-dialog-80x24.txt'))).toEqual({ waiting: { reason: 'API key dialog: "Do you want to use this API key?"' } });
    expect(claude.read(screen('waiting_for_input-captured-bash-permission-80x24.txt'))).toEqual({ waiting: { reason: 'permission dialog: "Do you want to proceed?"' } });
  });

  it('finds the composer in every state, and the done line past the effort badge', () => {
    const ready = screen('idle-captured-reply-pong-120x40.txt');
    const r = claude.read(ready);
    expect(ready.lines[r.composerAt!]).toMatch(/^─{20,}/);
    expect(ready.lines[r.composerAt! + 1]).toBe('❯');
    expect(r.idle).toEqual({ reason: expect.stringMatching(/^done line "✻ \w+ for 0s · done/), explicit: true });
    expect(r.working).toBeUndefined();
    const busy = claude.read(screen('working-captured-draft-while-working-120x40.txt'));
    expect(busy.composerAt).toBeGreaterThan(0);
    expect(busy.working?.reason).toMatch(/^spinner "/);
    expect(claude.read(screen('working-captured-queued-message-80x24.txt')).working).toEqual({ reason: 'footer: "esc to interrupt"' });
  });

  it('a dialog quoted in the sent prompt is history: the composer below it is live', () => {
    const s = screen('idle-captured-quoted-dialog-in-prompt-120x40.txt');
    const r = claude.read(s);
    expect(r.waiting).toBeUndefined();
    expect(r.idle?.explicit).toBe(true);
    expect(s.lines.findIndex((l) => l.includes('❯ 1. Yes'))).toBeLessThan(r.composerAt!);
  });

  it('a live spinner counter without a prompt box is work; a done line under it is not', () => {
    const lines = ['❯ fix it', '', '⏺ Bash(sleep 30)', '', '· Gitifying… (12s · ↓ 700 tokens · thinking)'];
    const base: Screen = { cols: 80, rows: 5, lines, cursor: { x: 0, y: 4 }, title: '', altScreen: false };
    expect(claude.read(base).working?.reason).toMatch(/no prompt box on screen/);
    expect(claude.read({ ...base, lines: [...lines, '', '✻ Crunched for 12s'] })).toEqual({});
  });
});
