import { describe, it, expect } from 'vitest';
import { detectAgent, programName, shellWords, splitShellCommands } from '../../src/daemon/agents/detect.js';
import { AGENT_KINDS } from '../../src/daemon/agents/index.js';

describe('detectAgent', () => {
  const cases: Array<[string[], string]> = [
    [['claude'], 'claude'],
    [['/usr/local/bin/claude', '--continue'], 'claude'],
    [['claude.exe'], 'claude'],
    [['C:\\Users\\me\\AppData\\Roaming\\npm\\claude.cmd'], 'claude'],
    [['npx', '-y', '@anthropic-ai/claude-code@latest'], 'claude'],
    [['npx', '--package', '@anthropic-ai/claude-code', 'claude'], 'claude'],
    [['bunx', '@anthropic-ai/claude-code'], 'claude'],
    [['pnpm', 'dlx', '@anthropic-ai/claude-code'], 'claude'],
    [['node', '/usr/lib/node_modules/@anthropic-ai/claude-code/cli.js', '--resume'], 'claude'],
    [['node', '--no-warnings', '/opt/claude-code/cli.mjs'], 'claude'],
    [['env', 'FOO=1', 'BAR=2', 'claude'], 'claude'],
    [['env', '-u', 'CLAUDECODE', 'claude'], 'claude'],
    [['env', '-S', 'claude --model opus'], 'claude'],
    [['sudo', '-u', 'agent', 'claude'], 'claude'],
    [['nice', '-n', '10', 'codex'], 'codex'],
    [['timeout', '-k', '5s', '3600', 'codex', 'exec'], 'codex'],
    [['timeout', '--foreground', '1h', 'gemini'], 'gemini'],
    [['codex', '--model', 'o3'], 'codex'],
    [['npx', '@openai/codex'], 'codex'],
    [['node', '/home/u/.npm-global/lib/node_modules/@openai/codex/bin/codex.js'], 'codex'],
    [['npx', 'https://github.com/google-gemini/gemini-cli'], 'gemini'],
    [['npx', '@google/gemini-cli@0.55.1'], 'gemini'],
    [['gemini', '--yolo'], 'gemini'],
    [['aider', '--model', 'ollama_chat/gemma3:1b'], 'aider'],
    [['uv', 'run', 'aider'], 'aider'],
    [['uvx', '--from', 'aider-chat', 'aider'], 'aider'],
    [['python', '-m', 'aider'], 'aider'],
    [['python3.12', '-m', 'aider.main'], 'aider'],
    [['pipx', 'run', 'aider-chat'], 'aider'],
    [['goose', 'session'], 'goose'],
    [['opencode'], 'opencode'],
    [['npx', 'opencode-ai@latest'], 'opencode'],
    [['cursor-agent'], 'cursor-agent'],
    [['bash', '-lc', 'cd /srv/app && exec claude --resume'], 'claude'],
    [['sh', '-c', 'claude | tee /tmp/log'], 'claude'],
    [['zsh', '-c', "npx -y '@openai/codex'"], 'codex'],
    [['bash', '-c', 'FOO=1 aider --yes'], 'aider'],
    [['script', '-q', '-c', 'claude', '/dev/null'], 'claude'],
    [['bash'], 'shell'],
    [['-zsh'], 'shell'],
    [['/usr/bin/fish', '-l'], 'shell'],
    [['nu'], 'shell'],
    [['bash', '-lc', 'cd /srv'], 'shell'],
    [['python3'], 'shell'],
    [['ipython'], 'shell'],
    [['node'], 'shell'],
    [['node', '--inspect'], 'shell'],
    [['irb'], 'shell'],
    [['psql', '-h', 'db'], 'shell'],
    [['env', 'TERM=xterm', 'bash'], 'shell'],
    [['make', 'test'], 'generic'],
    [['node', 'server.js'], 'generic'],
    [['python', 'train.py'], 'generic'],
    [['bash', '-c', 'make -j8 && ./run-tests'], 'generic'],
    [['bash', 'build.sh'], 'generic'],
    [['vim', 'notes.md'], 'generic'],
    [['/home/user/.claude-squad/bin/otheragent'], 'generic'],
    [['claudette'], 'generic'],
    [[], 'generic'],
  ];
  for (const [argv, want] of cases) {
    it(`${JSON.stringify(argv)} → ${want}`, () => {
      expect(detectAgent(argv)).toBe(want);
    });
  }

  it('only ever returns a declared kind', () => {
    for (const [argv] of cases) expect(AGENT_KINDS).toContain(detectAgent(argv));
  });
});

describe('argv helpers', () => {
  it('programName strips paths, extensions, login dashes and versions', () => {
    expect(programName('/usr/bin/zsh')).toBe('zsh');
    expect(programName('-bash')).toBe('bash');
    expect(programName('Claude.EXE')).toBe('claude');
    expect(programName('@openai/codex@0.147.0')).toBe('@openai/codex');
    expect(programName('opencode-ai@latest')).toBe('opencode-ai');
  });

  it('shellWords honours quotes and escapes', () => {
    expect(shellWords(`claude --append "a b" 'c d' e\\ f`)).toEqual(['claude', '--append', 'a b', 'c d', 'e f']);
  });

  it('splitShellCommands splits on operators outside quotes', () => {
    expect(splitShellCommands(`cd /x && echo 'a;b' | tee f; claude`)).toEqual(['cd /x', "echo 'a;b'", 'tee f', 'claude']);
  });
});
