// `cw list`'s COMMAND column: paths and arguments give way, the program's name never does.
import { describe, expect, it } from 'vitest';
import { shortCommand, shortPath } from '../../src/client/command-line.js';

describe('shortPath', () => {
  it('keeps the last component of a path, and an option name before =', () => {
    expect(shortPath('/home/u/proj/node_modules/.bin/claude')).toBe('…/claude');
    expect(shortPath('--config=/etc/codewire/x.toml')).toBe('--config=…/x.toml');
    expect(shortPath('src/dir/')).toBe('…/dir');
    expect(shortPath('claude')).toBe('claude');
    expect(shortPath('/bin')).toBe('/bin');
    expect(shortPath('a/b')).toBe('a/b'); // no shorter
  });
});

describe('shortCommand', () => {
  it('leaves a command that fits as it is', () => {
    expect(shortCommand(['claude', '--resume'], 40)).toBe('claude --resume');
  });

  it('shortens argument paths first, then the program path, and never cuts the program name', () => {
    const argv = ['/home/user/proj/node_modules/.bin/claude', '--dangerously-skip-permissions'];
    expect(shortCommand(argv, 40)).toBe('…/claude --dangerously-skip-permissions');
    expect(shortCommand(['node', '/home/user/proj/node_modules/.bin/codex', 'exec'], 40)).toBe('node …/codex exec');
    // Argument paths alone make it fit: the program's path stays.
    expect(shortCommand(['/usr/local/bin/aider', '--read', '/home/user/proj/docs/CONVENTIONS.md'], 45)).toBe('/usr/local/bin/aider --read …/CONVENTIONS.md');
    expect(shortCommand(['/usr/local/bin/aider', '--read', '/home/user/proj/docs/CONVENTIONS.md'], 40)).toBe('…/aider --read …/CONVENTIONS.md');
    expect(shortCommand(['/usr/local/bin/aider', '--model', 'sonnet', '--read', '/home/user/proj/CONVENTIONS.md'], 40)).toBe('…/aider --model sonnet --read …/CONVENT…');
  });

  it('cuts the arguments at the end with an ellipsis, keeping the program whole', () => {
    expect(shortCommand(['claude', '--append-system-prompt', 'you are a careful reviewer of pull requests'], 30)).toBe('claude --append-system-prompt…');
    expect(shortCommand(['/opt/tools/a-very-long-program-name-indeed', 'x'], 10)).toBe('…/a-very-long-program-name-indeed …');
    expect(shortCommand(['/opt/tools/a-very-long-program-name-indeed'], 10)).toBe('…/a-very-long-program-name-indeed');
  });

  it('escapes controls before measuring', () => {
    expect(shortCommand(['echo', '\x1b[2J'], 40)).toBe('echo \\e[2J');
  });
});
