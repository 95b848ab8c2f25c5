// Gemini CLI's profile against what the real agent (0.61.0) produced: its hook payloads, its transcript, its
// screens (tests/fixtures/{hooks,transcripts,screens}/gemini, written by `node tests/agents/capture.mjs gemini`).
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gemini, geminiDefaults, geminiDefaultsAccepted, geminiTranscriptText, GEMINI_HOOK_EVENTS, interpretGemini } from '../../src/daemon/agents/gemini.js';
import { prepareScreen } from '../../src/daemon/agents/screen.js';
import { screenOf } from '../support/fixtures.js';
import type { HookWiringInput, Screen } from '../../src/daemon/agents/types.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const hookPayload = (event: string): Record<string, unknown> => JSON.parse(readFileSync(join(FIXTURES, 'hooks', 'gemini', `${event}.json`), 'utf8')) as Record<string, unknown>;
const transcript = (name: string): string => readFileSync(join(FIXTURES, 'transcripts', 'gemini', name), 'utf8');

const screen = (file: string): Screen => screenOf('gemini', file);

describe('gemini hooks.interpret on real 0.61.0 payloads', () => {
  const ids = (p: Record<string, unknown>) => ({ conversationId: p.session_id, transcriptPath: p.transcript_path });

  it('SessionStart names the conversation and its transcript', () => {
    const p = hookPayload('SessionStart');
    expect(p.transcript_path).toMatch(/\/\.gemini\/tmp\/project\/chats\/session-[\dT-]+-[0-9a-f]{8}\.jsonl$/);
    expect(interpretGemini('SessionStart', p)).toEqual({ reason: 'agent hook: SessionStart (startup)', ...ids(p) });
  });

  it('BeforeAgent starts a turn; AfterTool is work again after a permission; AfterAgent ends it without a lastMessage', () => {
    const before = hookPayload('BeforeAgent');
    expect(before.prompt).toBe('please answer PONG');
    expect(interpretGemini('BeforeAgent', before)).toEqual({ activity: 'working', reason: 'agent hook: BeforeAgent', turnStarted: true, ...ids(before) });
    const tool = hookPayload('AfterTool');
    expect(interpretGemini('AfterTool', tool)).toEqual({ activity: 'working', reason: 'agent hook: AfterTool', ...ids(tool) });
    const after = hookPayload('AfterAgent');
    expect(after.prompt_response).toBe('PONG');
    expect(interpretGemini('AfterAgent', after)).toEqual({ activity: 'idle', reason: 'agent hook: AfterAgent', ...ids(after) });
  });

  it('Notification(ToolPermission) is waiting_for_input', () => {
    const p = hookPayload('Notification');
    expect(interpretGemini('Notification', p)).toEqual({
      activity: 'waiting_for_input',
      reason: 'agent hook: tool permission (Tool Confirm Shell Command requires execution)',
      ...ids(p),
    });
    expect(interpretGemini('Notification', { ...p, notification_type: 'Other' })).toEqual({ reason: 'agent hook: Notification', ...ids(p) });
  });

  it('SessionEnd ends the session', () => {
    const p = hookPayload('SessionEnd');
    expect(interpretGemini('SessionEnd', p)).toEqual({ reason: 'agent hook: SessionEnd (exit)', ended: true, ...ids(p) });
  });

  it('events cw does not wire say nothing', () => {
    for (const ev of ['BeforeModel', 'AfterModel', 'BeforeToolSelection', 'BeforeTool', 'PreCompress']) expect(interpretGemini(ev, hookPayload(ev))).toBeUndefined();
    expect(gemini.hooks?.interpret).toBe(interpretGemini);
  });

  it('the observed orders (sequences.json) only ever start, end, wait or work through the wired events', () => {
    const seq = (JSON.parse(readFileSync(join(FIXTURES, 'hooks', 'gemini', 'sequences.json'), 'utf8')) as { sequences: Record<string, string[]> }).sequences;
    const wired = (name: string) => seq[name]!.map((e) => e.replace(/\(.*\)$/, '')).filter((e) => (GEMINI_HOOK_EVENTS as readonly string[]).includes(e));
    expect(wired('text turn')).toEqual(['BeforeAgent', 'AfterAgent']);
    expect(wired('permission turn, until the box is up')).toEqual(['BeforeAgent', 'Notification']);
    expect(wired('permission turn, after "Allow once"')).toEqual(['AfterTool', 'AfterAgent']);
    expect(wired('interrupt (Esc while streaming)')).toEqual(['BeforeAgent', 'AfterAgent']);
    expect(wired('permission denied (Esc on the box)')).toEqual(['BeforeAgent', 'Notification']);
    expect(seq['untrusted folder ("Don\'t trust"), start and a text turn']).toEqual([]);
  });
});

describe('gemini hooks.wire', () => {
  const input: HookWiringInput = {
    argv: ['gemini', '--model', 'x'],
    programIndex: 0,
    hookCommand: ['/usr/bin/node', '/opt/cw/cw.js', 'hook', 'gemini'],
    dir: '/root/.cw/sessions/7',
    env: {},
    home: '/root',
  };

  it('writes a defaults layer with one cw hook per event and lets CW_SESSION_TOKEN through redaction', () => {
    const d = geminiDefaults(input, {});
    const hook = (ev: string) => [{ hooks: [{ type: 'command', name: `cw-${ev}`, command: `/usr/bin/node /opt/cw/cw.js hook gemini ${ev}`, timeout: 5000 }] }];
    expect(d).toEqual({
      hooks: Object.fromEntries(['SessionStart', 'BeforeAgent', 'AfterTool', 'AfterAgent', 'Notification', 'SessionEnd'].map((ev) => [ev, hook(ev)])),
      security: { environmentVariableRedaction: { allowed: ['CW_SESSION_TOKEN'] } },
    });
  });

  it("keeps the user's own defaults file: their hooks first, their settings as they were", () => {
    const theirs = { ui: { hideTips: true }, hooks: { AfterAgent: [{ hooks: [{ type: 'command', command: 'notify-send done' }] }] }, security: { environmentVariableRedaction: { enabled: true, allowed: ['MY_TOKEN'] } } };
    const d = geminiDefaults(input, theirs) as { ui: unknown; hooks: Record<string, unknown[]>; security: unknown };
    expect(d.ui).toEqual({ hideTips: true });
    expect(d.hooks.AfterAgent).toHaveLength(2);
    expect(d.hooks.AfterAgent![0]).toEqual(theirs.hooks.AfterAgent[0]);
    expect(d.security).toEqual({ environmentVariableRedaction: { enabled: true, allowed: ['MY_TOKEN', 'CW_SESSION_TOKEN'] } });
  });

  it('is used only where Gemini reads it: root-owned, not group/world-writable all the way up, run as root', () => {
    const dirs: Record<string, { uid: number; mode: number }> = {
      '/': { uid: 0, mode: 0o40755 },
      '/root': { uid: 0, mode: 0o40700 },
      '/root/.cw': { uid: 0, mode: 0o40700 },
      '/tmp': { uid: 0, mode: 0o41777 },
      '/home': { uid: 0, mode: 0o40755 },
      '/home/ann': { uid: 1000, mode: 0o40755 },
    };
    const stat = (p: string) => {
      const s = dirs[p];
      if (!s) throw new Error(`ENOENT ${p}`);
      return s;
    };
    expect(geminiDefaultsAccepted('/root/.cw/d.json', stat, 0)).toBe(true);
    expect(geminiDefaultsAccepted('/root/.cw/d.json', stat, 1000)).toBe(false);
    expect(geminiDefaultsAccepted('/tmp/d.json', stat, 0)).toBe(false);
    expect(geminiDefaultsAccepted('/home/ann/d.json', stat, 0)).toBe(false);
    expect(geminiDefaultsAccepted('/nowhere/d.json', stat, 0)).toBe(false);
  });

  it('offers no wiring in a folder Gemini would skip (under the world-writable temp folder)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cw-gemini-wire-'));
    try {
      expect(gemini.hooks?.wire({ ...input, dir })).toEqual({ unavailable: expect.stringMatching(/root owns/) });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('gemini transcriptReply on real 0.61.0 transcripts', () => {
  it('a text reply then a tool call: the reply after the tool result', () => {
    expect(geminiTranscriptText(transcript('text-then-tool.jsonl'))).toEqual({ ok: true, text: 'Ran it.', source: 'transcript' });
  });

  it('Esc while the reply streams: no reply (not the previous turn\'s)', () => {
    expect(geminiTranscriptText(transcript('then-cancelled.jsonl'))).toEqual({ ok: false, why: 'the latest turn was cancelled' });
  });

  it('Esc on a permission box: no reply, though Gemini re-appends older history after it', () => {
    const text = transcript('then-denied.jsonl');
    expect(text).toMatch(/"tokens":null/);
    expect(geminiTranscriptText(text)).toEqual({ ok: false, why: 'the latest turn was cancelled' });
  });

  it('no prompt yet: nothing to say', () => {
    const header = transcript('text-then-tool.jsonl').split('\n').slice(0, 2).join('\n');
    expect(geminiTranscriptText(header)).toBeUndefined();
  });

  it('finds the file without hooks: projects.json names the folder, only files written since the start count', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cw-gemini-home-'));
    try {
      const cwd = '/work/some/project';
      mkdirSync(join(home, '.gemini', 'tmp', 'project-1', 'chats'), { recursive: true });
      writeFileSync(join(home, '.gemini', 'projects.json'), JSON.stringify({ projects: { [cwd]: 'project-1' } }));
      const chats = join(home, '.gemini', 'tmp', 'project-1', 'chats');
      const old = join(chats, 'session-2026-01-01T10-00-aaaaaaaa.jsonl');
      writeFileSync(old, transcript('then-cancelled.jsonl'));
      utimesSync(old, new Date(1_000_000), new Date(1_000_000));
      const startedAt = Date.now() - 60_000;
      writeFileSync(join(chats, 'session-2026-01-01T10-05-bbbbbbbb.jsonl'), transcript('text-then-tool.jsonl'));
      expect(await gemini.transcriptReply!({ cwd, home, startedAt })).toEqual({ ok: true, text: 'Ran it.', source: 'transcript' });
      // Two runs in the same folder since the start: only the conversation id tells them apart.
      writeFileSync(join(chats, 'session-2026-01-01T10-06-cccccccc.jsonl'), transcript('then-cancelled.jsonl'));
      expect(await gemini.transcriptReply!({ cwd, home, startedAt })).toBeUndefined();
      expect(await gemini.transcriptReply!({ cwd, home, startedAt, conversationId: 'cccccccc-1111-2222-3333-444444444444' })).toEqual({ ok: false, why: 'the latest turn was cancelled' });
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('gemini screens (captured 0.61.0)', () => {
  const reply = (file: string) => gemini.replyFromScreen(screen(file).lines);

  it('replyFromScreen: the latest turn only', () => {
    expect(reply('idle-captured-pong-120.txt')).toEqual({ ok: true, text: 'PONG', source: 'screen' });
    expect(reply('idle-captured-pong-80.txt')).toEqual({ ok: true, text: 'PONG', source: 'screen' });
    expect(reply('idle-captured-permission-answered-120.txt')).toEqual({ ok: true, text: 'Ran it.', source: 'screen' });
    expect(reply('idle-captured-permission-answered-nobg-120.txt')).toEqual({ ok: true, text: 'Ran it.', source: 'screen' });
    expect(reply('idle-captured-quoted-dialog-80.txt')).toEqual({ ok: true, text: 'Ran it.', source: 'screen' });
    expect(reply('idle-captured-interrupted-120.txt')).toEqual({ ok: false, why: 'the latest turn was cancelled' });
    expect(reply('idle-captured-permission-denied-120.txt')).toEqual({ ok: false, why: 'the latest turn was cancelled' });
    expect(reply('idle-captured-ready-120.txt').ok).toBe(false);
    expect(reply('waiting_for_input-captured-permission-120.txt')).toEqual({ ok: false, why: 'no Gemini composer on screen' });
  });

  it('composerEmpty: placeholder vs draft, bands or rules', () => {
    const empty = (file: string) => gemini.composerEmpty(screen(file));
    expect(empty('idle-captured-ready-120.txt')).toBe(true);
    expect(empty('idle-captured-ready-80.txt')).toBe(true);
    expect(empty('idle-captured-ready-nobg-120.txt')).toBe(true);
    expect(empty('idle-captured-draft-120.txt')).toBe(false);
    expect(empty('idle-captured-draft-80.txt')).toBe(false);
    expect(empty('idle-captured-draft-nobg-120.txt')).toBe(false);
    expect(empty('idle-heldout-snap-input-prompt-draft-hello.txt')).toBe(false);
    expect(empty('waiting_for_input-captured-permission-80.txt')).toBe(false);
  });

  it('read: dialogs are named by kind and question', () => {
    const waiting = (file: string) => gemini.read(screen(file)).waiting?.reason;
    expect(waiting('waiting_for_input-captured-trust-120.txt')).toBe('trust dialog: "Do you trust the files in this folder?"');
    expect(waiting('waiting_for_input-captured-permission-120.txt')).toBe('tool confirmation: "Allow execution of [Shell]? Shell touch made-by-agent.txt"');
    expect(waiting('waiting_for_input-captured-apply-change-120.txt')).toBe('edit confirmation: "WriteFile Writing to notes.txt"');
    expect(waiting('waiting_for_input-captured-ask-user-120.txt')).toBe('question: "Which colour do you like"');
    expect(waiting('waiting_for_input-captured-shell-awaiting-input-120.txt')).toBe('shell command awaiting input "! Shell awaiting input (Tab to focus) ? for shortcuts"');
  });

  it('read: the start-up composer (no header yet, title already Ready) is a ready prompt only once it has stayed still', () => {
    for (const file of ['working-captured-pretrust-ready-title-120.txt', 'working-captured-startup-bare-composer-80.txt']) {
      const s = screen(file);
      expect(gemini.title.idle?.test(s.title)).toBe(true);
      const r = gemini.read(s);
      expect(r.composerAt).toBeGreaterThan(0);
      expect(r.idle).toEqual({ reason: 'bare composer, still', minQuietMs: 3000 });
    }
  });

  it('read: a dialog quoted above the live composer is history', () => {
    const r = gemini.read(screen('idle-captured-quoted-dialog-80.txt'));
    expect(r.waiting).toBeUndefined();
    expect(r.idle).toEqual({ reason: 'composer, no loading row' });
  });
});
