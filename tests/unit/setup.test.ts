// `cw setup`'s pure edits of agents' user files, on realistic files with foreign entries (tests/fixtures/setup):
// exact text in, exact text out; install twice is one entry; uninstall gives back the file byte for byte.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AGENTS } from '../../src/client/setup/agents.js';
import type { McpServer } from '../../src/client/setup/agent.js';
import { getAt, removeAt, setAt } from '../../src/client/setup/json-edit.js';
import { headerKeys, removeTable, setTable } from '../../src/client/setup/toml-edit.js';
import * as block from '../../src/client/setup/marked-block.js';
import { backupName } from '../../src/client/setup/files.js';
import { COMMANDS } from '../../src/client/main.js';
import { ROOT } from '../support/harness.js';

const fixture = (name: string): string => readFileSync(join(ROOT, 'tests', 'fixtures', 'setup', name), 'utf8');
const SERVER: McpServer = { command: '/usr/bin/node', args: ['/opt/cw/dist/cw.js', 'mcp-server'], env: { CODEWIRE_HOME: '/tmp/cw home' } };
const PLAIN: McpServer = { command: '/home/me/.local/bin/cw', args: ['mcp-server'], env: {} };

const FIXTURES: [agent: string, file: string][] = [
  ['claude', 'claude.json'],
  ['codex', 'codex.toml'],
  ['gemini', 'gemini.json'],
  ['opencode', 'opencode.json'],
];

describe('each agent, on a real-format file with foreign entries', () => {
  for (const [id, file] of FIXTURES) {
    const agent = AGENTS[id]!;
    it(`${id}: install, install again, check, update, uninstall`, () => {
      const original = fixture(file);
      expect(agent.check(original, SERVER)).toBe('missing');
      const once = agent.install(original, SERVER);
      expect(agent.check(once, SERVER)).toBe('installed');
      expect(agent.install(once, SERVER)).toBe(once);
      expect(agent.check(once, PLAIN)).toBe('outdated');
      const updated = agent.install(once, PLAIN);
      expect(agent.check(updated, PLAIN)).toBe('installed');
      expect(agent.uninstall(updated)).toBe(original);
      expect(agent.uninstall(once)).toBe(original);
      expect(agent.uninstall(original)).toBe(original);
    });
    it(`${id}: an empty or missing file gets the server alone, and loses it again`, () => {
      const made = agent.install('', PLAIN);
      expect(agent.check(made, PLAIN)).toBe('installed');
      expect(agent.uninstall(made)).toBe('');
    });
  }

  it('claude: the member goes last in mcpServers, indented like the file', () => {
    const original = fixture('claude.json');
    const out = AGENTS.claude!.install(original, SERVER);
    const inserted =
      ',\n    "cw": {\n      "type": "stdio",\n      "command": "/usr/bin/node",\n      "args": [\n        "/opt/cw/dist/cw.js",\n        "mcp-server"\n      ],\n      "env": {\n        "CODEWIRE_HOME": "/tmp/cw home"\n      }\n    }';
    const at = original.indexOf('    }\n  },\n  "hasCompletedOnboarding"') + '    }'.length;
    expect(out).toBe(original.slice(0, at) + inserted + original.slice(at));
    expect(JSON.parse(out).mcpServers.github.env).toEqual({ GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_example' });
    // The project's own (local scope) mcpServers is not the user's.
    expect(JSON.parse(out).projects['/home/me/src/api'].mcpServers).toEqual({});
  });

  it('claude: a file without mcpServers gets it as its last member', () => {
    const text = '{\n  "numStartups": 1,\n  "theme": "dark"\n}\n';
    const out = AGENTS.claude!.install(text, PLAIN);
    expect(out).toBe('{\n  "numStartups": 1,\n  "theme": "dark",\n  "mcpServers": {\n    "cw": {\n      "type": "stdio",\n      "command": "/home/me/.local/bin/cw",\n      "args": [\n        "mcp-server"\n      ]\n    }\n  }\n}\n');
    expect(AGENTS.claude!.uninstall(out)).toBe(text);
  });

  it('claude: an entry Claude Code rewrote with an empty env still counts as installed', () => {
    const text = JSON.stringify({ mcpServers: { cw: { type: 'stdio', command: PLAIN.command, args: PLAIN.args, env: {} } } });
    expect(AGENTS.claude!.check(text, PLAIN)).toBe('installed');
  });

  it('codex: the table is appended after a blank line, every comment kept', () => {
    const original = fixture('codex.toml');
    expect(AGENTS.codex!.install(original, SERVER)).toBe(
      `${original}\n[mcp_servers.cw]\ncommand = "/usr/bin/node"\nargs = ["/opt/cw/dist/cw.js", "mcp-server"]\nenv = { CODEWIRE_HOME = "/tmp/cw home" }\n`,
    );
  });

  it('codex: an outdated table is replaced where it is, and its sub-tables go', () => {
    const text = 'model = "o3"\n\n[mcp_servers.cw]\ncommand = "cw"\nargs = ["mcp-server"]\n\n# next one\n[mcp_servers.x]\ncommand = "x"\n\n[mcp_servers.cw.env]\nA = "1"\n';
    const out = AGENTS.codex!.install(text, PLAIN);
    expect(out).toBe('model = "o3"\n\n[mcp_servers.cw]\ncommand = "/home/me/.local/bin/cw"\nargs = ["mcp-server"]\n\n# next one\n[mcp_servers.x]\ncommand = "x"\n\n');
    expect(AGENTS.codex!.uninstall(out)).toBe('model = "o3"\n\n# next one\n[mcp_servers.x]\ncommand = "x"\n\n');
  });

  it('codex: a server written inline is not edited as text, and says so', () => {
    const text = '[mcp_servers]\ncw = { command = "cw", args = ["mcp-server"] }\n';
    expect(() => AGENTS.codex!.install(text, PLAIN)).toThrow(/not as a table of its own/);
    expect(() => AGENTS.codex!.uninstall(text)).toThrow(/not as a table of its own/);
  });

  it('codex: a header-like line inside a multi-line string is not a table', () => {
    const text = 'notes = """\n[mcp_servers.cw]\n"""\n';
    const out = AGENTS.codex!.install(text, PLAIN);
    expect(out.startsWith(`${text}\n[mcp_servers.cw]\n`)).toBe(true);
    expect(AGENTS.codex!.uninstall(out)).toBe(text);
  });

  it('codex: invalid TOML is refused, not rewritten', () => {
    expect(() => AGENTS.codex!.install('model = \n', PLAIN)).toThrow(/not valid TOML/);
  });

  it('opencode: the whole command line is one array, the variables are its environment', () => {
    const out = AGENTS.opencode!.install(fixture('opencode.json'), SERVER);
    expect(JSON.parse(out).mcp).toEqual({ cw: { type: 'local', command: ['/usr/bin/node', '/opt/cw/dist/cw.js', 'mcp-server'], environment: { CODEWIRE_HOME: '/tmp/cw home' } } });
    expect(out).toContain('\n\t"mcp": {\n\t\t"cw": {\n\t\t\t"type": "local",');
  });

  it('gemini: comments in settings.json stay where they are', () => {
    const out = AGENTS.gemini!.install(fixture('gemini.json'), PLAIN);
    expect(out).toContain('  // Gemini CLI user settings\n');
    expect(out).toContain('"/home/me/src"], // the code I work on\n      "trust": false\n    },\n    "cw": {\n      "command": "/home/me/.local/bin/cw",');
  });
});

describe('the JSON editor', () => {
  it('reads and writes through comments, and keeps a repeated key the way JSON.parse reads it (last one)', () => {
    const text = '{ /* a */ "a": {"x": 1}, // b\n "a": {"y": 2} }';
    expect(getAt(text, ['a'])).toEqual({ y: 2 });
    expect(setAt(text, ['a', 'y'], 3)).toBe('{ /* a */ "a": {"x": 1}, // b\n "a": {"y": 3} }');
  });

  it('fills an empty object on lines of its own', () => {
    expect(setAt('{\n  "mcp": {}\n}\n', ['mcp', 'cw'], { a: 1 })).toBe('{\n  "mcp": {\n    "cw": {\n      "a": 1\n    }\n  }\n}\n');
  });

  it('removes a member in the middle with its comma, and nothing else', () => {
    expect(removeAt('{"s": {"a": 1, "cw": 2, "b": 3}}', ['s', 'cw'])).toBe('{"s": {"a": 1, "b": 3}}');
    expect(removeAt('{"s": {"a": 1}}', ['s', 'cw'])).toBe('{"s": {"a": 1}}');
  });

  it('says where a file is broken', () => {
    expect(() => setAt('{\n  "a": 1,\n  "b" 2\n}', ['x'], 1)).toThrow("expected ':' at line 3, column 7");
    expect(() => setAt('[1]', ['x'], 1)).toThrow(/not a JSON object/);
    expect(() => setAt('{"mcpServers": []}', ['mcpServers', 'cw'], 1)).toThrow(/"mcpServers" is not an object/);
  });
});

describe('the TOML editor', () => {
  it('reads table headers, quoted and spaced', () => {
    expect(headerKeys('[mcp_servers.cw]')).toEqual({ keys: ['mcp_servers', 'cw'], array: false });
    expect(headerKeys(' [ "mcp_servers" . \'cw\' ]  # mine')).toEqual({ keys: ['mcp_servers', 'cw'], array: false });
    expect(headerKeys('[projects."/home/me/src"]')).toEqual({ keys: ['projects', '/home/me/src'], array: false });
    expect(headerKeys('[[profiles]]')).toEqual({ keys: ['profiles'], array: true });
    expect(headerKeys('args = ["[x]"]')).toBeNull();
    expect(headerKeys('[a.b')).toBeNull();
  });

  it('refuses an edit that would change anything else', () => {
    // `[a.b]` then `b.c = 1` inside `[a]` defines the same table twice: invalid, so nothing is edited.
    expect(() => setTable('[a]\nb.c = 1\n', ['a', 'b'], '[a.b]\nd = 1', { d: 1 })).toThrow(/does not edit|not valid TOML/);
    expect(removeTable('x = 1\n', ['a', 'b'])).toBe('x = 1\n');
  });
});

describe('the marked block', () => {
  const body = 'Use cw.\n';
  it('is appended after a blank line, replaced in place, and removed without a trace', () => {
    const original = fixture('CLAUDE.md');
    const once = block.install(original, body);
    expect(once).toBe(`${original}\n<!-- cw:begin -->\nUse cw.\n<!-- cw:end -->\n`);
    expect(block.install(once, body)).toBe(once);
    expect(block.check(once, body)).toBe('installed');
    expect(block.check(once, 'Use cw well.')).toBe('outdated');
    expect(block.check(original, body)).toBe('missing');
    const moved = `<!-- cw:begin -->\nold\n<!-- cw:end -->\n\n${original}`;
    expect(block.install(moved, body)).toBe(`<!-- cw:begin -->\nUse cw.\n<!-- cw:end -->\n\n${original}`);
    expect(block.uninstall(once)).toBe(original);
    expect(block.uninstall(moved)).toBe(`\n${original}`);
    expect(block.install('', body)).toBe('<!-- cw:begin -->\nUse cw.\n<!-- cw:end -->\n');
    expect(block.uninstall(block.install('', body))).toBe('');
  });

  it('refuses a begin marker without an end', () => {
    expect(() => block.install('<!-- cw:begin -->\nhalf\n', body)).toThrow(/no <!-- cw:end -->/);
  });
});

describe('the instruction text', () => {
  const text = readFileSync(join(ROOT, 'src', 'agents-setup', 'instructions.md'), 'utf8');
  const tools = readFileSync(join(ROOT, 'src', 'mcp', 'tools.ts'), 'utf8');

  it('names MCP tools and cw commands that exist', () => {
    for (const tool of ['list_sessions', 'msg', 'request', 'reply', 'work_done', 'work_block', 'work_list', 'inbox', 'state_set']) {
      expect(text).toContain(`\`${tool}\``);
      expect(tools).toContain(`'${tool}'`);
    }
    const words = new Set(COMMANDS.flatMap(([w]) => w));
    const used = [...text.matchAll(/`cw ([a-z-]+)/g)].map((m) => m[1]!);
    expect(used).toEqual(expect.arrayContaining(['list', 'msg', 'request', 'reply', 'work', 'inbox']));
    for (const w of used) expect(words.has(w), `cw ${w}`).toBe(true);
  });

  it('has no marker of its own and stays short', () => {
    expect(text).not.toContain('<!-- cw:');
    expect(text.split('\n').length).toBeLessThan(30);
  });
});

describe('backups', () => {
  it('are named by the time, and never overwrite one another', () => {
    const now = new Date('2026-01-05T23:19:00.123Z');
    expect(backupName('/h/.claude.json', now, () => false)).toBe('/h/.claude.json.cw-backup-20260105T231900Z');
    const taken = new Set(['/h/a.cw-backup-20260105T231900Z', '/h/a.cw-backup-20260105T231900Z-2']);
    expect(backupName('/h/a', now, (p) => taken.has(p))).toBe('/h/a.cw-backup-20260105T231900Z-3');
  });
});

describe('where each agent keeps its files', () => {
  it('follows the home override variables', () => {
    const f = (id: string, env: NodeJS.ProcessEnv) => AGENTS[id]!.files(env, '/home/me');
    expect(f('claude', {})).toEqual({ mcp: '/home/me/.claude.json', instructions: '/home/me/.claude/CLAUDE.md' });
    expect(f('claude', { CLAUDE_CONFIG_DIR: '/c' })).toEqual({ mcp: '/c/.claude.json', instructions: '/c/CLAUDE.md' });
    expect(f('codex', {})).toEqual({ mcp: '/home/me/.codex/config.toml', instructions: '/home/me/.codex/AGENTS.md' });
    expect(f('codex', { CODEX_HOME: '/x' })).toEqual({ mcp: '/x/config.toml', instructions: '/x/AGENTS.md' });
    expect(f('gemini', {})).toEqual({ mcp: '/home/me/.gemini/settings.json', instructions: '/home/me/.gemini/GEMINI.md' });
    expect(f('gemini', { GEMINI_CLI_HOME: '/g' })).toEqual({ mcp: '/g/.gemini/settings.json', instructions: '/g/.gemini/GEMINI.md' });
    expect(f('opencode', {})).toEqual({ mcp: '/home/me/.config/opencode/opencode.json', instructions: '/home/me/.config/opencode/AGENTS.md' });
    expect(f('opencode', { XDG_CONFIG_HOME: '/xc' })).toEqual({ mcp: '/xc/opencode/opencode.json', instructions: '/xc/opencode/AGENTS.md' });
  });
});
