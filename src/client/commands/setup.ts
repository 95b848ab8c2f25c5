// cw setup claude|codex|gemini|opencode [--check] [--uninstall]: teaches an agent to use cw, in its user
// configuration: cw's MCP server (as `cw mcp-server --print-config` describes it) and a short instruction text in a
// marked block of its instruction file. Where each agent keeps them: src/client/setup/*.ts. Details: docs/setup.md.
import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClientError, ExitCode } from '../../channel/errors.js';
import { codewireHome, defaultCodewireHome } from '../../common/paths.js';
import { isRemote, printJson, reportError, say, table, usage } from '../run.js';
import { SERVER_NAME, type AgentSetup, type ItemState, type McpServer } from '../setup/agent.js';
import { AGENTS } from '../setup/agents.js';
import { readText, writeText } from '../setup/files.js';
import * as block from '../setup/marked-block.js';

interface Options {
  check?: boolean;
  uninstall?: boolean;
  json?: boolean;
}

type ItemName = 'mcp' | 'instructions';

/** One file to look at or change: its text now and, for install and uninstall, what it becomes. */
interface Plan {
  agent: AgentSetup;
  item: ItemName;
  file: string;
  before: string | null;
  state: ItemState;
  after: string;
}

/** The instruction text: beside the CLI bundle (dist/agents-setup, copied by the build), or in the sources. */
function instructions(): string {
  for (const rel of ['./agents-setup/instructions.md', '../../agents-setup/instructions.md']) {
    const p = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(p)) return readFileSync(p, 'utf8');
  }
  throw new ClientError('the instruction text is missing from this cw (agents-setup/instructions.md)', 'rebuild cw: npm run build');
}

/** How the agent starts the MCP server of this cw and this home: what --print-config prints (no secret in it). */
async function mcpServer(): Promise<McpServer> {
  const { launcher } = await import('../../mcp/config.js');
  const l = launcher(process.argv[1]);
  const home = codewireHome();
  return { command: l.command, args: l.args, env: home === defaultCodewireHome() ? {} : { CODEWIRE_HOME: home } };
}

/** What an edit refused, as one line naming the file, with what to do. */
function explain(err: unknown, file: string, agent: AgentSetup): never {
  if (err instanceof Error && /^(JsonSyntaxError|TomlEditError|MarkedBlockError)$/.test(err.name)) {
    throw new ClientError(`${file}: ${err.message}`, `fix or move the file, then run \`cw setup ${agent.id}\` again; nothing was changed`);
  }
  throw err;
}

function plan(agent: AgentSetup, server: McpServer, text: string, o: Options): Plan[] {
  const files = agent.files(process.env, homedir());
  const items: [ItemName, string, (t: string) => ItemState, (t: string) => string, (t: string) => string][] = [
    ['mcp', files.mcp, (t) => agent.check(t, server), (t) => agent.install(t, server), (t) => agent.uninstall(t)],
    ['instructions', files.instructions, (t) => block.check(t, text), (t) => block.install(t, text), (t) => block.uninstall(t)],
  ];
  return items.map(([item, file, check, install, uninstall]) => {
    const before = readText(file);
    try {
      const state = before === null ? 'missing' : check(before);
      const after = o.check ? (before ?? '') : o.uninstall ? (before === null ? '' : uninstall(before)) : install(before ?? '');
      return { agent, item, file, before, state, after };
    } catch (err) {
      return explain(err, file, agent);
    }
  });
}

const label = (p: Plan): string => (p.item === 'mcp' ? `MCP server '${SERVER_NAME}'` : 'instructions');

function check(plans: Plan[], o: Options): void {
  const installed = plans.every((p) => p.state === 'installed');
  if (o.json) printJson({ installed, items: plans.map((p) => ({ agent: p.agent.id, item: p.item, file: p.file, state: p.state })) });
  else process.stdout.write(`${table([['AGENT', 'ITEM', 'STATE', 'FILE'], ...plans.map((p) => [p.agent.id, p.item, p.state, p.file])])}\n`);
  if (!installed) {
    const todo = [...new Set(plans.filter((p) => p.state !== 'installed').map((p) => p.agent.id))];
    say(`not installed everywhere: run \`cw setup ${todo.join(' ')}\``);
    process.exitCode = ExitCode.ERROR;
  }
}

function apply(plans: Plan[], o: Options): void {
  const done = plans.map((p) => {
    const w = writeText(p.file, p.before, p.after, p.item === 'mcp');
    const action = o.uninstall ? (w.action === 'unchanged' ? 'absent' : 'removed') : p.state === 'installed' ? 'unchanged' : p.state === 'outdated' ? 'updated' : 'added';
    const where = { added: 'added to', updated: 'updated in', unchanged: 'already in', removed: 'removed from', absent: 'not in' }[action];
    say(`${p.agent.title}: ${label(p)} ${where} ${p.file}${w.action === 'deleted' ? ' (deleted: nothing else was in it)' : ''}${w.backup ? ` (backup: ${w.backup})` : ''}`);
    return { agent: p.agent.id, item: p.item, file: p.file, action, backup: w.backup };
  });
  if (!o.uninstall) {
    for (const p of plans) {
      const override = join(p.file, '..', 'AGENTS.override.md');
      if (p.agent.id === 'codex' && p.item === 'instructions' && existsSync(override)) say(`note: Codex reads ${override} instead of AGENTS.md while it exists`);
    }
    const changed = [...new Set(plans.filter((p) => p.state !== 'installed').map((p) => p.agent.title))];
    if (changed.length) say(`Start ${changed.join(', ')} again to load them.`);
  }
  if (o.json) printJson({ items: done });
}

async function run(names: string[], o: Options): Promise<void> {
  if (isRemote()) throw usage('cw setup configures the agents of this machine for its own daemon; run it without --server');
  if (o.check && o.uninstall) throw usage('--check and --uninstall do not go together');
  const unknown = names.filter((n) => !Object.hasOwn(AGENTS, n));
  if (unknown.length) throw usage(`unknown agent '${unknown[0]}'`, `cw setup knows ${Object.keys(AGENTS).join(', ')}`);
  const server = await mcpServer();
  const text = instructions();
  // Every file is read and every edit computed before the first write: a file cw cannot edit changes nothing.
  const plans = [...new Set(names)].flatMap((n) => plan(AGENTS[n]!, server, text, o));
  if (o.check) check(plans, o);
  else apply(plans, o);
}

export function register(program: Command): void {
  program
    .command('setup')
    .description("teach agents to use cw: add cw's MCP server and instructions to their user configuration")
    .argument('<agent...>', `${Object.keys(AGENTS).join(', ')}`)
    .option('--check', 'say per item whether it is installed, missing or outdated (exit 0 only when all are installed)')
    .option('--uninstall', 'remove what cw setup added, and nothing else')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nA file is copied to FILE.cw-backup-TIME before it changes. Details: docs/setup.md.\n\nExamples:\n  cw setup claude codex\n  cw setup claude --check\n  cw setup gemini --uninstall',
    )
    .action(async (names: string[], o: Options) => {
      try {
        await run(names, o);
      } catch (err) {
        process.exitCode = reportError(err);
      }
    });
}
