import { describe, it, expect } from 'vitest';
import { agentProfile } from '../../src/daemon/agents/index.js';
import { normalizeLine } from '../../src/daemon/agents/screen.js';

/** The reply text, or '' when the agent module says the latest turn has none. */
function lastReply(kind: string, lines: string[]): string {
  const r = agentProfile(kind).replyFromScreen(lines.map(normalizeLine));
  return r.ok ? r.text : '';
}

const R = '─'.repeat(60);

describe('lastReply', () => {
  it('claude: the last ⏺ text block above the prompt box, tool calls skipped', () => {
    const lines = [
      '❯ fix the flaky test',
      '',
      '⏺ I will look at the watcher first.',
      '',
      '⏺ Bash(npm test -- watcher)',
      '  ⎿  48 passed',
      '',
      '⏺ The flaky test was a race between the watcher and the writer.',
      '  I added a barrier and it now passes 200/200 runs.',
      '',
      '  Files changed:',
      '  - src/watcher.ts',
      '',
      '✻ Worked for 1m 12s',
      '',
      R,
      '❯ ',
      R,
      '  ? for shortcuts',
    ];
    expect(lastReply('claude', lines)).toBe(
      'The flaky test was a race between the watcher and the writer.\n' +
        'I added a barrier and it now passes 200/200 runs.\n\nFiles changed:\n- src/watcher.ts',
    );
  });

  it('claude: handles NBSP after ❯ and the legacy rounded box', () => {
    const lines = ['⏺ Done: renamed 3 files.', '╭──────────╮', '│ >\u00a0       │', '╰──────────╯', '  ? for shortcuts'];
    expect(lastReply('claude', lines)).toBe('Done: renamed 3 files.');
  });

  it('codex: the last assistant • block, not tool history', () => {
    const lines = [
      '› make the parser reject trailing commas',
      '',
      '• Ran cargo test',
      '  └ 12 passed',
      '',
      '─ Worked for 41s ──────────────────',
      '',
      '• The parser now rejects trailing commas. I added',
      '  a regression test in tests/parse.rs.',
      '',
      '› Summarize recent commits',
      '',
      '  gpt-5.5 xhigh fast · ~/proj',
    ];
    expect(lastReply('codex', lines)).toBe(
      'The parser now rejects trailing commas. I added\na regression test in tests/parse.rs.',
    );
  });

  it('gemini: the last ✦ block above the composer band', () => {
    const lines = [
      '✦ I will remove the file.',
      '',
      '╭──────────────╮',
      '│ ✓  Shell rm  │',
      '╰──────────────╯',
      '',
      '✦ README.md has been removed from the',
      '  workspace root.',
      '',
      '▄'.repeat(40),
      ' >   Type your message or @path/to/file',
      '▀'.repeat(40),
    ];
    expect(lastReply('gemini', lines)).toBe('README.md has been removed from the\nworkspace root.');
  });

  it('aider: text after the last user line, without the cost line and the prompt', () => {
    const lines = [
      'Aider v0.86.2',
      '> add a --verbose flag',
      '',
      'I added the flag to cli.py.',
      '',
      'Tokens: 2.5k sent, 655 received. Cost: $0.00038 message, $0.00038 session.',
      'Applied edit to cli.py',
      '',
      '> ',
    ];
    expect(lastReply('aider', lines)).toBe('I added the flag to cli.py.\n\nApplied edit to cli.py');
  });

  it('goose: text after the last prompt line, without meters', () => {
    const lines = [
      '( O)> what extensions do you have',
      '',
      '─── search_available_extensions | extensionmanager ──────',
      'query: mcp',
      '',
      'I have the following extensions enabled:',
      '*   **todo**: Task Management',
      '',
      '⏱️  Elapsed time: 9.71s',
      'Context: ○○○○○○○○○○ 0% (3052/1000000 tokens)',
      '( O)> ',
    ];
    expect(lastReply('goose', lines)).toBe(
      '─── search_available_extensions | extensionmanager ──────\nquery: mcp\n\nI have the following extensions enabled:\n*   **todo**: Task Management',
    );
  });

  it('shell: the output of the last command', () => {
    const lines = ['dev@box:~$ ls', 'a b', 'dev@box:~$ make test', 'ok 48 passed', 'done', 'dev@box:~$ '];
    expect(lastReply('shell', lines)).toBe('ok 48 passed\ndone');
  });

  it('cursor-agent: the block above the follow-up line', () => {
    const lines = ['  Finished the requested changes.', '  All tests pass.', '', '  → Add a follow-up', '', '  Composer 2.5 · 60.9%'];
    expect(lastReply('cursor-agent', lines)).toBe('Finished the requested changes.\nAll tests pass.');
  });

  it('claude: a one-word reply is a reply, not a tool call', () => {
    const lines = ['> say PONG', '', '● PONG', '', R, '❯ ', R, '  ? for shortcuts'];
    expect(lastReply('claude', lines)).toBe('PONG');
    expect(lastReply('claude', ['> list', '', '● Bash(ls)', '  ⎿  a b', '', R, '❯ ', R])).toBe('');
    expect(lastReply('claude', ['> inbox', '', '● Inbox had 1 message(s): m1', '', R, '❯ ', R])).toBe('Inbox had 1 message(s): m1');
  });

  it("claude: never hands back the previous turn's reply for a turn without one", () => {
    const lines = ['> first', '', '● First answer.', '', '> second', '', '  ⎿  Interrupted · What should Claude do instead?', '', R, '❯ ', R];
    const r = agentProfile('claude').replyFromScreen(lines);
    expect(r).toEqual({ ok: false, why: 'the latest turn was interrupted' });
    const noReplyYet = ['> first', '', '● First answer.', '', '> second', '', R, '❯ ', R];
    expect(agentProfile('claude').replyFromScreen(noReplyYet).ok).toBe(false);
    expect(agentProfile('claude').replyFromScreen(['Do you trust this folder?', '❯ 1. Yes', '  2. No']).ok).toBe(false);
  });

  it('returns an empty string when there is no reply yet', () => {
    expect(lastReply('claude', [R, '❯ ', R, '  ? for shortcuts'])).toBe('');
    expect(lastReply('generic', [])).toBe('');
  });

  it('strips box frames', () => {
    const lines = ['$ tool', '╭────────╮', '│ hello  │', '│ world  │', '╰────────╯', '$ '];
    expect(lastReply('generic', lines)).toBe('hello\nworld');
  });
});
