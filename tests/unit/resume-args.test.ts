// Resuming an agent's conversation: the command line each agent gets, as exact argv vectors, the conversation a
// launch starts in, which hook may switch it, and what a restart runs for each kind of session.
import { describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { claudeResume } from '../../src/daemon/agents/claude.js';
import { codexResume } from '../../src/daemon/agents/codex.js';
import { geminiResume } from '../../src/daemon/agents/gemini.js';
import { opencodeResume } from '../../src/daemon/agents/opencode.js';
import { followConversation, withoutOptions } from '../../src/daemon/agents/resume.js';
import { agentProfile } from '../../src/daemon/agents/index.js';
import { pickConversation, planRestart } from '../../src/daemon/conversation.js';

const ID = '0b7c5a1e-7a55-4c55-9a55-5a1e0b7c5a1e';
const OLD = '11111111-2222-4333-8444-555555555555';

describe('Claude Code', () => {
  it('resumes with --resume ID right after the program, every earlier conversation option removed', () => {
    expect(claudeResume.resumeArgs(['claude'], 0, ID)).toEqual(['claude', '--resume', ID]);
    expect(claudeResume.resumeArgs(['claude', '--model', 'opus', '--session-id', OLD], 0, ID)).toEqual(['claude', '--resume', ID, '--model', 'opus']);
    expect(claudeResume.resumeArgs(['claude', '--session-id=' + OLD, '-c'], 0, ID)).toEqual(['claude', '--resume', ID]);
    expect(claudeResume.resumeArgs(['claude', '--continue', '--permission-mode', 'manual'], 0, ID)).toEqual(['claude', '--resume', ID, '--permission-mode', 'manual']);
    // --resume takes its value only when one follows; an option after it is not one.
    expect(claudeResume.resumeArgs(['claude', '--resume', OLD, '--fork-session'], 0, ID)).toEqual(['claude', '--resume', ID]);
    expect(claudeResume.resumeArgs(['claude', '-r', '--verbose'], 0, ID)).toEqual(['claude', '--resume', ID, '--verbose']);
    expect(claudeResume.resumeArgs(['claude', '--resume=' + OLD], 0, ID)).toEqual(['claude', '--resume', ID]);
    // In a wrapper: the options go after the agent's own word; after `--` words are never options.
    expect(claudeResume.resumeArgs(['npx', '-y', '@anthropic-ai/claude-code', '-c', '--', '-c'], 2, ID)).toEqual(['npx', '-y', '@anthropic-ai/claude-code', '--resume', ID, '--', '-c']);
  });

  it('gives a fresh run --session-id, unless the command picks a conversation or is no conversation', () => {
    expect(claudeResume.assign!(['claude'], 0, ID)).toEqual(['claude', '--session-id', ID]);
    expect(claudeResume.assign!(['claude', '--model', 'opus'], 0, ID)).toEqual(['claude', '--session-id', ID, '--model', 'opus']);
    expect(claudeResume.assign!(['claude', '--resume', OLD], 0, ID)).toBeUndefined();
    expect(claudeResume.assign!(['claude', '-c'], 0, ID)).toBeUndefined();
    expect(claudeResume.assign!(['claude', '--session-id', OLD], 0, ID)).toBeUndefined();
    expect(claudeResume.assign!(['claude', 'mcp', 'list'], 0, ID)).toBeUndefined();
    expect(claudeResume.assign!(['claude', '--version'], 0, ID)).toBeUndefined();
  });

  it('reads the conversation a command line names', () => {
    expect(claudeResume.named(['claude', '--resume', ID], 0)).toBe(ID);
    expect(claudeResume.named(['claude', '--session-id', ID, '--model', 'x'], 0)).toBe(ID);
    expect(claudeResume.named(['claude', '--resume'], 0)).toBeUndefined();
    expect(claudeResume.named(['claude', '-c'], 0)).toBeUndefined();
    expect(claudeResume.freshArgs(['claude', '--session-id', ID, '-p', 'hi'], 0)).toEqual(['claude', '-p', 'hi']);
  });

  it('cannot resume a conversation with no transcript (no turn taken yet)', () => {
    const home = mkdtempSync(join(tmpdir(), 'cw-resume-'));
    try {
      const ref = { conversationId: ID, cwd: '/work/my.proj', home, startedAt: 0 };
      expect(claudeResume.unresumable!(ref, {})).toMatch(/no transcript yet/);
      const dir = join(home, '.claude', 'projects', '-work-my-proj');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${ID}.jsonl`), '{}\n');
      expect(claudeResume.unresumable!(ref, {})).toBeUndefined();
      expect(claudeResume.unresumable!({ ...ref, transcriptPath: join(home, 'gone.jsonl') }, {})).toMatch(/no transcript yet/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('Codex, Gemini CLI, opencode', () => {
  it('Codex: codex resume ID, an earlier resume subcommand and its id replaced', () => {
    expect(codexResume.resumeArgs(['codex'], 0, ID)).toEqual(['codex', 'resume', ID]);
    expect(codexResume.resumeArgs(['codex', '-m', 'o3', '--search'], 0, ID)).toEqual(['codex', 'resume', ID, '-m', 'o3', '--search']);
    expect(codexResume.resumeArgs(['codex', 'resume', OLD, '-m', 'o3'], 0, ID)).toEqual(['codex', 'resume', ID, '-m', 'o3']);
    expect(codexResume.resumeArgs(['codex', '-c', 'model="o3"', 'resume', '--last'], 0, ID)).toEqual(['codex', 'resume', ID, '-c', 'model="o3"']);
    // A value of an option is not a subcommand.
    expect(codexResume.resumeArgs(['codex', '-m', 'resume'], 0, ID)).toEqual(['codex', 'resume', ID, '-m', 'resume']);
    expect(codexResume.named(['codex', 'resume', OLD], 0)).toBe(OLD);
    expect(codexResume.named(['codex', 'resume', '--last'], 0)).toBeUndefined();
    expect(codexResume.named(['codex', 'fix the tests'], 0)).toBeUndefined();
  });

  it('Gemini CLI: --resume UUID; latest and an index are not ids', () => {
    expect(geminiResume.resumeArgs(['gemini'], 0, ID)).toEqual(['gemini', '--resume', ID]);
    expect(geminiResume.resumeArgs(['gemini', '-r', 'latest', '--yolo'], 0, ID)).toEqual(['gemini', '--resume', ID, '--yolo']);
    expect(geminiResume.resumeArgs(['gemini', '--session-id', OLD, '-m', 'x'], 0, ID)).toEqual(['gemini', '--resume', ID, '-m', 'x']);
    expect(geminiResume.named(['gemini', '--resume', ID], 0)).toBe(ID);
    expect(geminiResume.named(['gemini', '--resume', 'latest'], 0)).toBeUndefined();
    expect(geminiResume.named(['gemini', '-r', '5'], 0)).toBeUndefined();
  });

  it('opencode: --session ID', () => {
    expect(opencodeResume.resumeArgs(['opencode'], 0, 'ses_abc')).toEqual(['opencode', '--session', 'ses_abc']);
    expect(opencodeResume.resumeArgs(['opencode', '/p', '-c', '--fork', '-m', 'a/b'], 0, 'ses_abc')).toEqual(['opencode', '--session', 'ses_abc', '/p', '-m', 'a/b']);
    expect(opencodeResume.resumeArgs(['opencode', '-s', 'ses_old'], 0, 'ses_abc')).toEqual(['opencode', '--session', 'ses_abc']);
    expect(opencodeResume.named(['opencode', '--session=ses_old'], 0)).toBe('ses_old');
  });

  it('agents without resume support, shells and unknown programs have none', () => {
    for (const k of ['aider', 'goose', 'cursor-agent', 'shell', 'generic']) expect(agentProfile(k).resume).toBeUndefined();
    expect(withoutOptions(['x', '--a', '1', '--b'], 0, { flags: ['--b'], withValue: ['--a'] })).toEqual(['x']);
  });
});

describe('the conversation at launch', () => {
  const fixed = () => ID;
  it('a fresh Claude Code run gets its id from cw; one that names its own keeps it; others get none', () => {
    expect(pickConversation('claude', ['claude', '--model', 'opus'], fixed)).toEqual({ id: ID, command: ['claude', '--session-id', ID, '--model', 'opus'] });
    expect(pickConversation('claude', ['claude', '--resume', OLD], fixed)).toEqual({ id: OLD, command: ['claude', '--resume', OLD] });
    expect(pickConversation('claude', ['claude', '-c'], fixed)).toEqual({ id: null, command: ['claude', '-c'] });
    expect(pickConversation('claude', ['bash', '-c', 'cd /x && claude'], fixed)).toEqual({ id: null, command: ['bash', '-c', 'cd /x && claude'] });
    expect(pickConversation('codex', ['codex', 'resume', OLD], fixed)).toEqual({ id: OLD, command: ['codex', 'resume', OLD] });
    expect(pickConversation('codex', ['codex'], fixed)).toEqual({ id: null, command: ['codex'] });
    expect(pickConversation('shell', ['bash'], fixed)).toEqual({ id: null, command: ['bash'] });
  });

  it('only a SessionStart switches a Claude Code conversation; a late hook of the old one does not switch back', () => {
    const known = { conversationId: ID, transcriptPath: '/t/a.jsonl' };
    // /clear: SessionStart with a new id (no keepsConversation): switched, the old transcript forgotten.
    expect(followConversation(known, { conversationId: OLD })).toEqual({ conversationId: OLD, transcriptPath: null });
    expect(followConversation(known, { conversationId: OLD, transcriptPath: '/t/b.jsonl' })).toEqual({ conversationId: OLD, transcriptPath: '/t/b.jsonl' });
    // A late Stop of the conversation before it: ignored.
    expect(followConversation(known, { conversationId: OLD, transcriptPath: '/t/b.jsonl', keepsConversation: true })).toEqual(known);
    // The same conversation fills in its transcript; an unknown one is taken from any event.
    expect(followConversation({ conversationId: ID, transcriptPath: null }, { conversationId: ID, transcriptPath: '/t/a.jsonl', keepsConversation: true })).toEqual(known);
    expect(followConversation({ conversationId: null, transcriptPath: null }, { conversationId: ID, keepsConversation: true })).toEqual({ conversationId: ID, transcriptPath: null });
    const claude = agentProfile('claude').hooks!;
    expect(claude.interpret('Stop', { session_id: ID })?.keepsConversation).toBe(true);
    expect(claude.interpret('SessionStart', { session_id: ID, source: 'clear' })?.keepsConversation).toBeUndefined();
  });
});

describe('what a restart runs', () => {
  const row = (agent: string, command: string[], conversationId: string | null) => ({ agent, command, cwd: '/nowhere', conversationId, transcriptPath: null, createdAt: new Date(0).toISOString() });

  it('an agent with a known, resumable conversation resumes it', () => {
    const home = mkdtempSync(join(tmpdir(), 'cw-plan-'));
    try {
      mkdirSync(join(home, '.claude', 'projects', '-nowhere'), { recursive: true });
      writeFileSync(join(home, '.claude', 'projects', '-nowhere', `${ID}.jsonl`), '{}\n');
      expect(planRestart(row('claude', ['claude', '--model', 'opus'], ID), { HOME: home })).toEqual({ command: ['claude', '--resume', ID, '--model', 'opus'], resumed: ID, note: null });
      // Its transcript is gone (or was never written): a new conversation, and why.
      const fresh = planRestart(row('claude', ['claude', '--resume', OLD], OLD), { HOME: home });
      expect(fresh.command).toEqual(['claude']);
      expect(fresh.resumed).toBeNull();
      expect(fresh.note).toMatch(/no transcript yet .*started a new conversation/);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
    expect(planRestart(row('codex', ['codex', '-m', 'o3'], OLD), {})).toEqual({ command: ['codex', 'resume', OLD, '-m', 'o3'], resumed: OLD, note: null });
  });

  it('otherwise the same command, and a note saying why for an agent', () => {
    expect(planRestart(row('codex', ['codex'], null), {})).toMatchObject({ command: ['codex'], resumed: null, note: expect.stringMatching(/no Codex CLI conversation id is known/) });
    expect(planRestart(row('claude', ['bash', '-lc', 'cd /x && claude'], ID), {})).toMatchObject({ command: ['bash', '-lc', 'cd /x && claude'], resumed: null, note: expect.stringMatching(/shell string/) });
    expect(planRestart(row('aider', ['aider'], null), {})).toMatchObject({ command: ['aider'], resumed: null, note: expect.stringMatching(/cannot resume/) });
    expect(planRestart(row('shell', ['bash'], null), {})).toEqual({ command: ['bash'], resumed: null, note: null });
    expect(planRestart(row('generic', ['npm', 'run', 'dev'], null), {})).toEqual({ command: ['npm', 'run', 'dev'], resumed: null, note: null });
  });
});
