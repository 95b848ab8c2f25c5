// The CLI registers only the command being run; its table of command words must match what each registrar adds.
import { describe, expect, it } from 'vitest';
import { Command } from 'commander';
import { COMMANDS, commandWord } from '../../src/client/main.js';

describe('the command table', () => {
  it('names exactly the words (names and aliases) each registrar adds', () => {
    for (const [words, register] of COMMANDS) {
      const program = new Command('cw').enablePositionalOptions();
      register(program);
      const added = program.commands.flatMap((c) => [c.name(), ...c.aliases()]);
      expect(added.sort()).toEqual([...words].sort());
    }
  });

  it('has no word twice', () => {
    const all = COMMANDS.flatMap(([w]) => w);
    expect(new Set(all).size).toBe(all.length);
  });

  it('finds the command word after the global options', () => {
    const w = (...args: string[]): string | null => commandWord(['node', 'cw', ...args]);
    expect(w('list')).toBe('list');
    expect(w('--server', 'box', 'send', '1', 'x')).toBe('send');
    expect(w('--server=box', '--token', 't', 'ls')).toBe('ls');
    expect(w('--help')).toBeNull();
    expect(w('-V')).toBeNull();
    expect(w()).toBeNull();
    expect(w('--server', 'box')).toBeNull();
  });
});
