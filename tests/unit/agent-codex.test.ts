import type { HookWiring } from '../../src/daemon/agents/types.js';
// Codex CLI's module against what the real agent (0.171.0, `node tests/agents/capture.mjs codex`) drew, sent
// to its hooks and notify, and wrote to its rollout: tests/fixtures/{screens,hooks,transcripts}/codex/.
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codex, codexHookHash } from '../../src/daemon/agents/codex.js';
import { normalizeLine } from '../../src/daemon/agents/screen.js';
import { screenOf } from '../support/fixtures.js';
import type { Screen } from '../../src/daemon/agents/types.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const hooks = codex.hooks!;

function payload(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, 'hooks', 'codex', `${name}.json`), 'utf8')) as Record<string, unknown>;
}

const screen = (file: string): Screen => screenOf('codex', file);

/** A screen from literal rows (overlays captured by hand on 0.171.0). */
function rows(lines: string[], title = 'Fake task | project'): Screen {
  return { cols: 100, rows: lines.length, lines: lines.map(normalizeLine), cursor: { x: 0, y: 0 }, title, altScreen: true };
}

// Every hook payload of one capture run carries the same session and rollout (a rerun of the kit changes them).
const start = payload('SessionStart') as { session_id: string; transcript_path: string };
const ids = { conversationId: start.session_id, transcriptPath: start.transcript_path };

describe('codex hooks.interpret on payloads 0.171.0 sent', () => {
  it('SessionStart names the session and its rollout (it fires at the first prompt, not at launch)', () => {
    expect(hooks.interpret('SessionStart', start)).toEqual({ reason: 'agent hook: SessionStart', ...ids });
  });
  it('UserPromptSubmit: a turn starts', () => {
    expect(hooks.interpret('UserPromptSubmit', payload('UserPromptSubmit'))).toEqual({ activity: 'working', reason: 'agent hook: UserPromptSubmit', turnStarted: true, ...ids });
  });
  it('PermissionRequest: waiting, naming the command', () => {
    expect(hooks.interpret('PermissionRequest', payload('PermissionRequest'))).toEqual({
      activity: 'waiting_for_input',
      reason: 'agent hook: PermissionRequest "touch made-by-agent.txt"',
      ...ids,
    });
  });
  it('Stop: idle with the reply', () => {
    expect(hooks.interpret('Stop', payload('Stop'))).toEqual({ activity: 'idle', reason: 'agent hook: Stop', lastMessage: 'PONG', ...ids });
  });
  it('Interrupt (Esc; no Stop and no notify follow): idle, no reply', () => {
    expect(hooks.interpret('Interrupt', payload('Interrupt'))).toEqual({ activity: 'idle', reason: 'agent hook: Interrupt', ...ids });
  });
  it('SessionEnd: ended', () => {
    expect(hooks.interpret('SessionEnd', payload('SessionEnd'))).toEqual({ reason: 'agent hook: SessionEnd', ended: true, ...ids });
  });
  it('events cw does not wire say nothing', () => {
    for (const e of ['PreToolUse', 'PostToolUse', 'PreModelRequest']) expect(hooks.interpret(e, payload(e))).toBeUndefined();
  });
  it('notify (no event name, the JSON is the last argument): idle with the reply', () => {
    const p = payload('notify');
    expect(p['thread-id']).toBe(start.session_id);
    expect(hooks.interpret('', p)).toEqual({ activity: 'idle', reason: 'agent notify: turn complete', conversationId: start.session_id, lastMessage: 'PONG' });
  });
  it("notify from the title side thread is ignored (it fires mid-turn with the title's JSON)", () => {
    const p = payload('notify-title-thread');
    expect(p['thread-id']).not.toBe(start.session_id);
    expect(hooks.interpret('', p)).toBeUndefined();
  });
});

describe('codex hooks.wire', () => {
  const hookCommand = ['/usr/bin/node', '/opt/cw/dist/cw.js', 'hook', 'codex'];
  const base = { hookCommand, dir: '/tmp/cw-s1', env: {}, home: '/nonexistent' };

  it('adds notify and trusted session-flag hooks right after the program, keeping the user arguments', () => {
    const w = hooks.wire({ ...base, argv: ['nice', 'codex', '--model', 'o3', 'fix it'], programIndex: 1 }) as HookWiring;
    const c = (event: string, isAsync: boolean) =>
      `hooks.${event}=[{hooks=[{type="command",command="/usr/bin/node /opt/cw/dist/cw.js hook codex ${event}",timeout=3,async=${isAsync}}]}]`;
    const key = (snake: string, event: string, isAsync: boolean) =>
      `"/<session-flags>/config.toml:${snake}:0:0"={trusted_hash="${codexHookHash(event, `/usr/bin/node /opt/cw/dist/cw.js hook codex ${event}`, isAsync)}"}`;
    expect(w.argv).toEqual([
      'nice',
      'codex',
      '-c',
      'notify=["/usr/bin/node","/opt/cw/dist/cw.js","hook","codex"]',
      '-c',
      c('SessionStart', true),
      '-c',
      c('UserPromptSubmit', true),
      '-c',
      c('PermissionRequest', true),
      '-c',
      c('Stop', true),
      '-c',
      c('Interrupt', true),
      '-c',
      c('SessionEnd', false),
      '-c',
      `hooks.state={${[
        key('session_start', 'SessionStart', true),
        key('user_prompt_submit', 'UserPromptSubmit', true),
        key('permission_request', 'PermissionRequest', true),
        key('stop', 'Stop', true),
        key('interrupt', 'Interrupt', true),
        key('session_end', 'SessionEnd', false),
      ].join(',')}}`,
      '--model',
      'o3',
      'fix it',
    ]);
    expect(w.env).toEqual({});
    expect(w.files).toEqual([]);
  });

  it('computes the trust hash Codex 0.171.0 accepted live (no "Hooks need review" dialog)', () => {
    // The handler `/tmp/cxw/rec.sh Stop` (async) ran trusted in a by-hand run of the real agent.
    expect(codexHookHash('Stop', '/tmp/cxw/rec.sh Stop', true)).toBe('sha256:02657610cc4e716b1bc16a2301970939f5c652df64e06e49524fb52888bcf275');
  });

  it("keeps the user's own notify (run after cw's with --then)", () => {
    const home = mkdtempSync(join(tmpdir(), 'cw-codex-'));
    mkdirSync(join(home, '.codex'));
    writeFileSync(join(home, '.codex', 'config.toml'), 'model = "o3"\nnotify = ["notify-send", "codex"]\n');
    const w = hooks.wire({ ...base, home, argv: ['codex'], programIndex: 0 }) as HookWiring;
    expect(w.argv.slice(1, 3)).toEqual(['-c', 'notify=["/usr/bin/node","/opt/cw/dist/cw.js","hook","codex","--then","[\\"notify-send\\",\\"codex\\"]"]']);
  });

  it('adds only notify when the command line already sets hooks (ours would replace their trust)', () => {
    const w = hooks.wire({ ...base, argv: ['codex', '-c', 'hooks.state={}'], programIndex: 0 }) as HookWiring;
    expect(w.argv).toEqual(['codex', '-c', 'notify=["/usr/bin/node","/opt/cw/dist/cw.js","hook","codex"]', '-c', 'hooks.state={}']);
  });

  it('wires nothing when the program is not a plain argument (inside sh -c)', () => {
    expect(hooks.wire({ ...base, argv: ['sh', '-c', 'codex'], programIndex: undefined })).toBeUndefined();
  });
});

describe('codex transcriptReply on the 0.171.0 rollout', () => {
  const rollout = readFileSync(join(FIXTURES, 'transcripts', 'codex', 'rollout-text-tool-interrupt.jsonl'), 'utf8').split('\n').filter(Boolean);
  const ref = { cwd: '/p', home: '/nonexistent', startedAt: 0 };
  const dir = mkdtempSync(join(tmpdir(), 'cw-codex-rollout-'));
  /** The rollout cut after its `n`-th record of `type` (as it stood at that moment). */
  const upTo = (type: string, n: number): string => {
    let seen = 0;
    const end = rollout.findIndex((l) => (JSON.parse(l) as { payload?: { type?: string } }).payload?.type === type && ++seen === n);
    const file = join(dir, `${type}-${n}.jsonl`);
    writeFileSync(file, rollout.slice(0, end + 1).join('\n') + '\n');
    return file;
  };

  it('the whole session ends with an interrupted turn: no reply', async () => {
    const file = join(FIXTURES, 'transcripts', 'codex', 'rollout-text-tool-interrupt.jsonl');
    expect(await codex.transcriptReply!({ ...ref, transcriptPath: file })).toEqual({ ok: false, why: 'the latest turn was interrupted' });
  });
  it('after the text turn: PONG', async () => {
    expect(await codex.transcriptReply!({ ...ref, transcriptPath: upTo('task_complete', 1) })).toEqual({ ok: true, text: 'PONG', source: 'transcript' });
  });
  it('after the tool turn: its final message', async () => {
    expect(await codex.transcriptReply!({ ...ref, transcriptPath: upTo('task_complete', 2) })).toEqual({ ok: true, text: 'Ran it.', source: 'transcript' });
  });
  it('mid-turn: not finished', async () => {
    expect(await codex.transcriptReply!({ ...ref, transcriptPath: upTo('task_started', 3) })).toEqual({ ok: false, why: 'the latest turn has not finished' });
  });
  it('finds the rollout by thread id under CODEX_HOME-less ~/.codex/sessions/YYYY/MM/DD', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cw-codex-home-'));
    const day = join(home, '.codex', 'sessions', '2026', '12', '05');
    mkdirSync(day, { recursive: true });
    writeFileSync(join(day, `rollout-2026-12-05T20-42-57-${start.session_id}.jsonl`), readFileSync(upTo('task_complete', 1)));
    const saved = process.env.CODEX_HOME;
    delete process.env.CODEX_HOME;
    try {
      expect(await codex.transcriptReply!({ ...ref, home, conversationId: start.session_id })).toEqual({ ok: true, text: 'PONG', source: 'transcript' });
    } finally {
      if (saved !== undefined) process.env.CODEX_HOME = saved;
    }
  });
});

describe('codex replyFromScreen on 0.171.0 captures', () => {
  const reply = (file: string) => codex.replyFromScreen(screen(file).lines);
  it('a one-word reply is a reply (the "Worked for" row is not part of it)', () => {
    expect(reply('idle-captured-pong-120.txt')).toEqual({ ok: true, text: 'PONG', source: 'screen' });
    expect(reply('idle-captured-pong-80.txt')).toEqual({ ok: true, text: 'PONG', source: 'screen' });
  });
  it('after a tool call: the final message, not the tool history', () => {
    expect(reply('idle-captured-approved-120.txt')).toEqual({ ok: true, text: 'Ran it.', source: 'screen' });
    expect(reply('idle-captured-answered-80.txt')).toEqual({ ok: true, text: 'Ran it.', source: 'screen' });
    expect(reply('idle-captured-quoted-dialog-120.txt')).toEqual({ ok: true, text: 'Ran it.', source: 'screen' });
  });
  it('a steered turn: the reply below the latest prompt', () => {
    expect(reply('idle-captured-steered-120.txt')).toEqual({ ok: true, text: 'steered', source: 'screen' });
  });
  it('interrupted, cancelled or still streaming: no reply', () => {
    expect(reply('idle-captured-interrupted-120.txt')).toEqual({ ok: false, why: 'the latest turn was interrupted' });
    expect(reply('idle-captured-denied-120.txt')).toEqual({ ok: false, why: 'the latest turn was interrupted' });
    expect(reply('idle-captured-interrupted-queued-120.txt')).toEqual({ ok: false, why: 'the latest turn was interrupted' });
    expect(reply('working-captured-thinking-120.txt').ok).toBe(false);
  });
  it('no prompt yet, or a dialog instead of the composer: no reply', () => {
    expect(reply('idle-captured-ready-80.txt')).toEqual({ ok: false, why: 'no prompt of yours on screen' });
    expect(reply('waiting_for_input-captured-exec-approval-120.txt')).toEqual({ ok: false, why: 'no Codex composer on screen (a dialog may be open)' });
  });
});

describe('codex composerEmpty on 0.171.0 captures', () => {
  it('empty: the placeholder with the cursor right after `› `', () => {
    for (const f of ['idle-captured-ready-120.txt', 'idle-captured-ready-80.txt', 'idle-captured-welcome-80.txt', 'idle-captured-pong-120.txt', 'working-captured-streaming-120.txt']) {
      expect(codex.composerEmpty(screen(f)), f).toBe(true);
    }
  });
  it('a draft is not empty, whether idle or typed while working', () => {
    for (const f of ['idle-captured-draft-120.txt', 'idle-captured-draft-80.txt', 'idle-captured-interrupted-queued-120.txt', 'working-captured-draft-while-working-120.txt', 'idle-typed-composer-120.txt']) {
      expect(codex.composerEmpty(screen(f)), f).toBe(false);
    }
  });
  it('a dialog has no composer', () => {
    for (const f of ['waiting_for_input-captured-exec-approval-80.txt', 'waiting_for_input-captured-trust-folder-120.txt', 'waiting_for_input-captured-request-user-input-120.txt']) {
      expect(codex.composerEmpty(screen(f)), f).toBe(false);
    }
  });
  it('an older rotating placeholder (0.147, no cursor recorded) is empty', () => {
    expect(codex.composerEmpty(screen('idle-ghost-composer-28.txt'))).toBe(true);
  });
});

describe('codex read', () => {
  it('names each 0.171.0 dialog', () => {
    const reason = (f: string) => codex.read(screen(f)).waiting?.reason;
    expect(reason('waiting_for_input-captured-trust-folder-80.txt')).toMatch(/^trust dialog: "Trust this folder\?/);
    expect(reason('waiting_for_input-captured-model-upgrade-120.txt')).toBe('model upgrade notice: "Meet GPT-6 Sol"');
    expect(reason('waiting_for_input-captured-hooks-review-120.txt')).toBe('hook review: "Hooks need review"');
    expect(reason('waiting_for_input-captured-exec-approval-80.txt')).toBe('approval dialog: "Would you like to run the following command?"');
    expect(reason('waiting_for_input-captured-request-user-input-80.txt')).toBe('question: "Question 1/1 (1 unanswered)"');
  });
  it('the hook browser behind "Review hooks" is a dialog too (0.171.0, by hand)', () => {
    const browser = rows([
      '  Hooks',
      '  Lifecycle hooks from config and enabled plugins.',
      '  ⚠ 2 hooks need review before they can run.',
      '  Event                 Installed   Active      Review      Description',
      '  PreToolUse            1           1           0           Before a tool executes',
      '› SessionEnd            1           0           1           Right before a session ends',
      '  UserPromptSubmit      1           1           0           When the user submits a prompt',
      '↓',
      '  t trust all · enter review · esc close',
    ]);
    expect(codex.read(browser).waiting?.reason).toBe('hook review: "⚠ 2 hooks need review before they can run."');
  });
  it('finds the composer under a dialog quoted in the transcript, and says the turn finished', () => {
    const s = screen('idle-captured-quoted-dialog-120.txt');
    const r = codex.read(s);
    expect(r.waiting).toBeUndefined();
    expect(r.composerAt).toBe(s.lines.findIndex((l) => l.startsWith('› Ask Codex to do anything')));
    expect(r.idle?.explicit).toBe(true);
    expect(r.idle?.reason).toMatch(/^turn finished "Worked for \d+s • \d\d:\d\d"$/);
  });
  it('the queue block alone says working (no status row while a reply streams)', () => {
    expect(codex.read(screen('working-captured-queued-120.txt')).working?.reason).toMatch(/^queued message/);
  });
  it('streaming shows no status row: only the title says working', () => {
    const s = screen('working-captured-streaming-80.txt');
    expect(codex.read(s).working).toBeUndefined();
    expect(codex.title.working!.test(s.title)).toBe(true);
  });
  it('holds under overlays that hide the live UI (0.171.0, by hand)', () => {
    const transcript = rows(['› say PONG', '', '• PONG', '', '› Ask Codex to do anything', '', '  GPT-5.5 default · /tmp/p · Fake task', '  Browsing transcript · ↑↓/jk scroll · ←→/hl prompts · ^t details · ↵ rewind · esc back']);
    expect(codex.read(transcript).hold?.reason).toMatch(/Browsing transcript/);
    const agents = rows(['  Agent command center  Group: Project  g', '   All 1   Needs you 0   Working 0   Ready 1   Inactive 0', '  › ○ Fake task   │ Fake task', '  ? help  esc back  ↑/↓ move  enter open  n new']);
    expect(codex.read(agents).hold?.reason).toMatch(/Agent command center/);
    const warnings = rows(['› say PONG', '', '• PONG', '', '  Warnings · 1 of 1 · Startup', '', '  Codex could not find bubblewrap on PATH.', '', '  k keep & next · esc dismiss & close · ^o copy · ←/→ warning']);
    expect(codex.read(warnings).hold?.reason).toMatch(/esc dismiss & close/);
  });
  it('a thread title in the footer that reads like a key hint is still the footer', () => {
    const r = codex.read(rows(['› fix esc', '', '• Done.', '', '› Ask Codex to do anything', '', '  GPT-5.5 default · /tmp/my proj · esc handling fix', '  ← for agents · ? for shortcuts']));
    expect(r.waiting).toBeUndefined();
    expect(r.composerAt).toBe(4);
  });
  it('an echoed prompt with a reply under it is not the composer', () => {
    expect(codex.read(rows(['› say PONG', '', '• PONG', '', '  Some new popup row'])).composerAt).toBeUndefined();
  });
  it('an unknown numbered menu is not a composer (the general recogniser gets it)', () => {
    const r = codex.read(rows(['  Pick a thing', '', '› 1. First thing', '  2. Second thing', '', '  enter pick · esc back · x extra']));
    expect(r.idle).toBeUndefined();
  });
});
