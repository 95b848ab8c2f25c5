// `cw setup AGENT` in a temporary HOME holding realistic user files (tests/fixtures/setup): install twice is one
// entry, --check says installed / missing / outdated with its exit code, --uninstall gives back every file byte for
// byte, and a backup is kept before each change. Then the real agents (installed by tests/agents/install.mjs) read
// what was written: `claude mcp list` and `gemini mcp list` start cw's MCP server and connect to it, `codex mcp
// list --json` and `opencode mcp list` show it. All of it runs offline.
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { makeHome, ROOT, type Home } from '../support/harness.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Env {
  h: Home;
  home: string;
  env: NodeJS.ProcessEnv;
}

/** A cw home and a HOME of its own for the agents; `extra`: the agents' override variables, relative to HOME. */
function setupEnv(extra: Record<string, string> = {}): Env {
  const home = mkdtempSync('/tmp/cwh-');
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  const overrides = Object.fromEntries(Object.entries(extra).map(([k, v]) => [k, join(home, v)]));
  const h = makeHome({ HOME: home, ...overrides });
  cleanups.push(() => h.cleanup());
  // The agents' own overrides from the outer environment would point them (and cw setup) at the real files.
  for (const k of ['CLAUDE_CONFIG_DIR', 'CODEX_HOME', 'GEMINI_CLI_HOME', 'XDG_CONFIG_HOME', 'OPENCODE_CONFIG_DIR']) if (!(k in overrides)) delete h.env[k];
  return { h, home, env: h.env };
}

function place(fixture: string, file: string): string {
  mkdirSync(dirname(file), { recursive: true });
  copyFileSync(join(ROOT, 'tests', 'fixtures', 'setup', fixture), file);
  return readFileSync(file, 'utf8');
}

const backups = (file: string): string[] => readdirSync(dirname(file)).filter((n) => n.startsWith(`${file.split('/').at(-1)}.cw-backup-`));
const mode = (file: string): number => statSync(file).mode & 0o777;

interface Item {
  agent: string;
  item: string;
  file: string;
  action?: string;
  state?: string;
  backup?: string | null;
}

async function setup(e: Env, args: string[]): Promise<{ code: number; items: Item[]; stderr: string }> {
  const r = await e.h.cw(['setup', ...args, '--json']);
  if (r.code !== 0 && r.code !== 1) throw new Error(`cw setup ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return { code: r.code, items: (JSON.parse(r.stdout) as { items: Item[] }).items, stderr: r.stderr };
}

const CASES: { agent: string; overrides: Record<string, string>; mcp: [fixture: string, rel: string]; instructions: string }[] = [
  { agent: 'claude', overrides: {}, mcp: ['claude.json', '.claude.json'], instructions: '.claude/CLAUDE.md' },
  { agent: 'claude', overrides: { CLAUDE_CONFIG_DIR: 'claude-dir' }, mcp: ['claude.json', 'claude-dir/.claude.json'], instructions: 'claude-dir/CLAUDE.md' },
  { agent: 'codex', overrides: {}, mcp: ['codex.toml', '.codex/config.toml'], instructions: '.codex/AGENTS.md' },
  { agent: 'codex', overrides: { CODEX_HOME: 'codex-home' }, mcp: ['codex.toml', 'codex-home/config.toml'], instructions: 'codex-home/AGENTS.md' },
  { agent: 'gemini', overrides: { GEMINI_CLI_HOME: 'gemini-home' }, mcp: ['gemini.json', 'gemini-home/.gemini/settings.json'], instructions: 'gemini-home/.gemini/GEMINI.md' },
  { agent: 'opencode', overrides: { XDG_CONFIG_HOME: 'xdg' }, mcp: ['opencode.json', 'xdg/opencode/opencode.json'], instructions: 'xdg/opencode/AGENTS.md' },
];

describe('cw setup', () => {
  for (const c of CASES) {
    const name = `${c.agent}${Object.keys(c.overrides).length ? ` (${Object.keys(c.overrides).join(', ')})` : ''}`;
    it(`${name}: installs once, checks, and uninstalls leaving the user's files as they were`, { timeout: 60_000 }, async () => {
      const e = setupEnv(c.overrides);
      const mcpFile = join(e.home, c.mcp[1]);
      const mdFile = join(e.home, c.instructions);
      const mcpBefore = place(c.mcp[0], mcpFile);
      const mdBefore = place('CLAUDE.md', mdFile);

      const before = await setup(e, [c.agent, '--check']);
      expect(before.code).toBe(1);
      expect(before.items.map((i) => [i.item, i.file, i.state])).toEqual([
        ['mcp', mcpFile, 'missing'],
        ['instructions', mdFile, 'missing'],
      ]);

      const first = await setup(e, [c.agent]);
      expect(first.code).toBe(0);
      expect(first.items.map((i) => i.action)).toEqual(['added', 'added']);
      expect(first.items.map((i) => i.backup)).toEqual([expect.stringContaining('.cw-backup-'), expect.stringContaining('.cw-backup-')]);
      expect(readFileSync(first.items[0]!.backup!, 'utf8')).toBe(mcpBefore);
      expect(mode(first.items[0]!.backup!)).toBe(0o600);
      expect(mode(mcpFile)).toBe(0o600); // it lists servers' env: credentials live there
      const installedMcp = readFileSync(mcpFile, 'utf8');
      const installedMd = readFileSync(mdFile, 'utf8');
      expect(installedMd.startsWith(mdBefore)).toBe(true);
      expect(installedMd).toContain('<!-- cw:begin -->\n## Working with other agents through cw\n');
      expect(installedMcp).toContain(e.h.dir); // CODEWIRE_HOME of this cw, not the default one

      const second = await setup(e, [c.agent]);
      expect(second.items.map((i) => [i.action, i.backup])).toEqual([
        ['unchanged', null],
        ['unchanged', null],
      ]);
      expect(readFileSync(mcpFile, 'utf8')).toBe(installedMcp);
      expect(readFileSync(mdFile, 'utf8')).toBe(installedMd);
      expect(backups(mcpFile)).toHaveLength(1);

      const ok = await setup(e, [c.agent, '--check']);
      expect([ok.code, ok.items.map((i) => i.state)]).toEqual([0, ['installed', 'installed']]);
      writeFileSync(mdFile, installedMd.replace('Find peers', 'Find friends'));
      const stale = await setup(e, [c.agent, '--check']);
      expect([stale.code, stale.items.map((i) => i.state)]).toEqual([1, ['installed', 'outdated']]);
      expect(stale.stderr).toContain(`run \`cw setup ${c.agent}\``);
      const fixed = await setup(e, [c.agent]);
      expect(fixed.items.map((i) => i.action)).toEqual(['unchanged', 'updated']);
      expect(readFileSync(mdFile, 'utf8')).toBe(installedMd);

      const gone = await setup(e, [c.agent, '--uninstall']);
      expect(gone.items.map((i) => i.action)).toEqual(['removed', 'removed']);
      expect(readFileSync(mcpFile, 'utf8')).toBe(mcpBefore);
      expect(readFileSync(mdFile, 'utf8')).toBe(mdBefore);
      const again = await setup(e, [c.agent, '--uninstall']);
      expect(again.items.map((i) => i.action)).toEqual(['absent', 'absent']);
    });
  }

  it('creates missing files, and --uninstall deletes what only cw had written', { timeout: 30_000 }, async () => {
    const e = setupEnv();
    const r = await setup(e, ['codex', 'opencode']);
    expect(r.items.map((i) => [i.agent, i.action, i.backup])).toEqual([
      ['codex', 'added', null],
      ['codex', 'added', null],
      ['opencode', 'added', null],
      ['opencode', 'added', null],
    ]);
    await setup(e, ['codex', 'opencode', '--uninstall']);
    for (const i of r.items) expect(existsSync(i.file)).toBe(false);
  });

  it('refuses a file it cannot edit safely, changing nothing', { timeout: 30_000 }, async () => {
    const e = setupEnv();
    const toml = join(e.home, '.codex', 'config.toml');
    mkdirSync(dirname(toml), { recursive: true });
    writeFileSync(toml, '[mcp_servers]\ncw = { command = "cw" }\n');
    const r = await e.h.cw(['setup', 'codex']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${toml}: [mcp_servers.cw] is written in a form cw does not edit`);
    expect(r.stderr).toContain('nothing was changed');
    expect(existsSync(join(e.home, '.codex', 'AGENTS.md'))).toBe(false);
    const bad = await e.h.cw(['setup', 'vim']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringContaining('unknown agent')]);
  });
});

/** An installed agent's executable (tests/agents/versions.json), or a failure that says how to install it. */
function agentBin(agent: string): string {
  const v = (JSON.parse(readFileSync(join(ROOT, 'tests', 'agents', 'versions.json'), 'utf8')) as Record<string, { version: string; bin: string }>)[agent]!;
  const dir = process.env.CW_AGENTS_DIR || join(homedir(), '.cache', 'codewire', 'agents');
  const bin = join(dir, `${agent}-${v.version}`, 'node_modules', '.bin', v.bin);
  if (!existsSync(bin)) throw new Error(`${agent} is not installed at ${bin}: run \`node tests/agents/install.mjs\` (npm test does)`);
  return bin;
}

function run(bin: string, args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<{ code: number; out: string; stdout: string }> {
  return new Promise((res) => {
    execFile(bin, args, { env, cwd, timeout: 90_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      res({ code, out: stdout + stderr, stdout });
    });
  });
}

describe('the real agents read what cw setup wrote', () => {
  it('Claude Code: `claude mcp list` connects to cw (and CLAUDE_CONFIG_DIR is followed)', { timeout: 120_000 }, async () => {
    const e = setupEnv({ CLAUDE_CONFIG_DIR: 'claude-dir' });
    place('claude.json', join(e.home, 'claude-dir', '.claude.json'));
    await e.h.ok(['setup', 'claude']);
    const r = await run(agentBin('claude'), ['mcp', 'list'], e.env, e.home);
    expect(r.out).toMatch(/cw: .*mcp-server - ✔ Connected/);
    expect(r.out).toContain('github: npx -y @modelcontextprotocol/server-github');
  });

  it('Codex: `codex mcp list --json` shows cw with its CODEWIRE_HOME (and CODEX_HOME is followed)', { timeout: 120_000 }, async () => {
    const e = setupEnv({ CODEX_HOME: 'codex-home' });
    place('codex.toml', join(e.home, 'codex-home', 'config.toml'));
    await e.h.ok(['setup', 'codex']);
    const r = await run(agentBin('codex'), ['mcp', 'list', '--json'], e.env, e.home);
    expect(r.code, r.out).toBe(0);
    const list = JSON.parse(r.stdout) as { name: string; enabled: boolean; transport: { command: string; args: string[]; env: Record<string, string> | null } }[];
    expect(list.map((s) => s.name).sort()).toEqual(['cw', 'docs', 'github']);
    const cw = list.find((s) => s.name === 'cw')!;
    expect(cw.enabled).toBe(true);
    expect(cw.transport.args.at(-1)).toBe('mcp-server');
    expect(cw.transport.env).toEqual({ CODEWIRE_HOME: e.h.dir });
  });

  it('Gemini CLI: `gemini mcp list` connects to cw (GEMINI_CLI_HOME is followed)', { timeout: 120_000 }, async () => {
    const e = setupEnv({ GEMINI_CLI_HOME: 'gemini-home' });
    place('gemini.json', join(e.home, 'gemini-home', '.gemini', 'settings.json'));
    await e.h.ok(['setup', 'gemini']);
    // MCP servers are off in a folder the user has not trusted; the variable trusts this one for the run.
    const r = await run(agentBin('gemini'), ['mcp', 'list'], { ...e.env, GEMINI_CLI_TRUST_WORKSPACE: 'true', CI: 'false' }, e.home);
    expect(r.out).toMatch(/✓ cw: .*mcp-server \(stdio\) - Connected/);
  });

  it('opencode: `opencode mcp list` connects to cw (XDG_CONFIG_HOME is followed)', { timeout: 120_000 }, async () => {
    const e = setupEnv({ XDG_CONFIG_HOME: 'xdg' });
    place('opencode.json', join(e.home, 'xdg', 'opencode', 'opencode.json'));
    await e.h.ok(['setup', 'opencode']);
    const r = await run(agentBin('opencode'), ['mcp', 'list'], e.env, e.home);
    expect(r.out).toMatch(/✓ cw \S*\s*connected/);
  });
});
