// Agent kind detection from a launch command line.
// Pure: looks only at argv. It peels launchers and wrappers (npx, env, sudo, node, uv run,
// `bash -lc '…'`, …) until it reaches the program that owns the terminal, then names it. The names
// themselves live in each agent's module (agents/*.ts).

import { shellWords as splitWords } from '../../common/shell-words.js';
import { AGENTS, AGENT_KINDS } from './index.js';
import type { AgentKind } from './types.js';

export function isAgentKind(value: string): value is AgentKind {
  return (AGENT_KINDS as readonly string[]).includes(value);
}

const SHELLS = new Set([
  'bash', 'zsh', 'fish', 'sh', 'dash', 'ksh', 'mksh', 'tcsh', 'csh', 'ash', 'nu', 'nushell',
  'pwsh', 'powershell', 'elvish', 'xonsh', 'oil', 'osh', 'ysh',
]);

/** Interactive REPLs behave like shells: a prompt, a command, output, the prompt again. */
const REPLS = new Set([
  'python', 'python2', 'python3', 'ipython', 'ipython3', 'bpython', 'ptpython', 'pypy', 'pypy3',
  'node', 'bun', 'deno', 'irb', 'pry', 'psql', 'mysql', 'mariadb', 'sqlite3', 'redis-cli',
  'mongosh', 'ghci', 'lua', 'luajit', 'r', 'julia', 'erl', 'iex', 'clj', 'sbcl', 'racket', 'ocaml',
  'utop', 'scala', 'jshell', 'php', 'perl', 'swift', 'gdb', 'lldb',
]);

/** Wrappers that take options and then the real command. Values: options that consume an argument. */
const PLAIN_WRAPPERS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['sudo', new Set(['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-U', '-T', '--user', '--group'])],
  ['doas', new Set(['-u', '-C'])],
  ['nice', new Set(['-n', '--adjustment'])],
  ['ionice', new Set(['-c', '-n', '-p', '-t'])],
  ['nohup', new Set<string>()],
  ['exec', new Set(['-a'])],
  ['command', new Set<string>()],
  ['builtin', new Set<string>()],
  ['time', new Set(['-f', '-o', '--format', '--output'])],
  ['stdbuf', new Set(['-i', '-o', '-e'])],
  ['caffeinate', new Set(['-t', '-w'])],
  ['chrt', new Set<string>()],
  ['taskset', new Set<string>()],
  ['setsid', new Set<string>()],
  ['unbuffer', new Set<string>()],
  ['script', new Set(['-c', '-t', '-T', '-I', '-O', '-B', '-E'])],
  ['npx', new Set(['-p', '--package', '-c', '--call'])],
  ['bunx', new Set(['-p', '--package'])],
  ['pnpx', new Set(['-p', '--package'])],
  ['uvx', new Set(['--from', '--with', '-p', '--python'])],
  ['pipx', new Set(['--spec'])],
  ['tsx', new Set<string>()],
  ['ts-node', new Set<string>()],
]);

/** Two-word launchers: `pnpm dlx claude`, `uv run aider`, `npm exec codex`, … */
const SUBCOMMAND_WRAPPERS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['pnpm', new Set(['dlx', 'exec', 'x'])],
  ['npm', new Set(['exec', 'x'])],
  ['yarn', new Set(['dlx', 'exec'])],
  ['bun', new Set(['x', 'run'])],
  ['uv', new Set(['run'])],
  ['pipx', new Set(['run'])],
  ['poetry', new Set(['run'])],
  ['pdm', new Set(['run'])],
  ['hatch', new Set(['run'])],
  ['conda', new Set(['run'])],
  ['mise', new Set(['exec', 'x'])],
  ['asdf', new Set(['exec'])],
  ['direnv', new Set(['exec'])],
]);

/** Script interpreters: `node cli.js`, `python -m aider`. With no script they are REPLs. */
const INTERPRETERS: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['node', new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '--title', '--env-file'])],
  ['bun', new Set(['--preload', '-r', '--cwd', '--env-file'])],
  ['deno', new Set(['--config', '-c', '--import-map'])],
  ['python', new Set(['-W', '-X', '-Q'])],
]);

const MAX_UNWRAP_DEPTH = 12; // wrappers nest a few levels at most; the cap guards against pathological argv

/** Detect which agent a command line runs, seeing through launchers and wrapper shells. */
export function detectAgent(argv: readonly string[]): AgentKind {
  return classify(argv.filter((a) => a !== ''), 0);
}

function classify(argv: readonly string[], depth: number): AgentKind {
  if (argv.length === 0 || depth > MAX_UNWRAP_DEPTH) return 'generic';
  // `FOO=1 claude` inside a `-c` string: leading assignments belong to the command, not a program.
  if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(argv[0]!)) return classify(argv.slice(1), depth + 1);
  const [first, ...rest] = argv as [string, ...string[]];
  const name = programName(first);

  const direct = agentByName(name) ?? agentByPath(first);
  if (direct) return direct;

  if (name === 'env') return classify(skipEnvArgs(rest), depth + 1);
  if (name === 'timeout') return classify(skipTimeoutArgs(rest), depth + 1);

  const subcommands = SUBCOMMAND_WRAPPERS.get(name);
  if (subcommands && rest[0] !== undefined && subcommands.has(rest[0])) {
    const after = skipOptions(rest.slice(1), new Set(['--from', '--with', '-p', '--python', '--package', '--spec']));
    return classify(after, depth + 1);
  }

  if (SHELLS.has(name)) return classifyShell(rest, depth);

  const interpreter = interpreterKey(name);
  if (interpreter) return classifyInterpreter(interpreter, rest);

  const plain = PLAIN_WRAPPERS.get(name);
  if (plain) {
    if (name === 'script') return classifyScriptCmd(rest, depth);
    return classify(skipOptions(rest, plain), depth + 1);
  }

  if (REPLS.has(name)) return 'shell';
  return 'generic';
}

/** Basename, lowercased, without `.exe`/`.cmd`, a login-shell `-`, or an npm `@version`. */
export function programName(arg: string): string {
  let s = arg.trim();
  if (s.startsWith('@')) {
    // A scoped npm package (`@openai/codex@latest`): keep the scope, drop the version.
    const at = s.indexOf('@', 1);
    return (at > 0 ? s.slice(0, at) : s).toLowerCase();
  }
  s = s.replace(/\\/g, '/');
  s = s.slice(s.lastIndexOf('/') + 1);
  if (s.startsWith('-')) s = s.slice(1); // login shells appear as `-zsh`
  s = s.replace(/\.(exe|cmd|bat|ps1)$/i, '');
  const at = s.indexOf('@');
  if (at > 0) s = s.slice(0, at); // `claude-code@latest`
  return s.toLowerCase();
}

function agentByName(name: string): AgentKind | undefined {
  for (const a of AGENT_LIST) if (a.names.includes(name)) return a.kind;
  return undefined;
}

function agentByPath(arg: string): AgentKind | undefined {
  const path = arg.replace(/\\/g, '/').toLowerCase();
  if (!path.includes('/')) return undefined;
  for (const a of AGENT_LIST) for (const fragment of a.pathFragments ?? []) if (path.includes(fragment)) return a.kind;
  return undefined;
}

const AGENT_LIST = AGENT_KINDS.map((k) => AGENTS[k]);

/**
 * Where the agent's own program word is in argv, so per-run options can be added right after it
 * (`claude --settings F …`, `npx @openai/codex -c notify=… …`). Undefined when the agent is started inside a
 * shell string (`bash -lc 'cd x && claude'`) or cannot be found as a word of its own.
 */
export function agentProgramIndex(argv: readonly string[], kind: AgentKind): number | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (i > 0 && /^(?:-p|--package|--from|--spec)$/.test(argv[i - 1]!)) continue; // a package option's value, not the program
    if (agentByName(programName(a)) === kind || agentByPath(a) === kind) return i;
  }
  return undefined;
}

function interpreterKey(name: string): string | undefined {
  if (/^python(\d+(\.\d+)?)?$/.test(name) || name === 'pypy' || name === 'pypy3') return 'python';
  return INTERPRETERS.has(name) ? name : undefined;
}

/** `node cli.js` → the script decides; `node` alone → a REPL; `python -m aider` → the module. */
function classifyInterpreter(interp: string, args: readonly string[]): AgentKind {
  const withArg = INTERPRETERS.get(interp) ?? new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (interp === 'python' && (a === '-m' || (a.startsWith('-m') && a.length > 2))) {
      const mod = a === '-m' ? args[i + 1] : a.slice(2);
      if (mod === undefined) return 'shell';
      return agentByName(mod.split('.')[0]!.replace(/_/g, '-')) ?? 'generic';
    }
    if (a === '-c' || a === '-e' || a === '--eval' || a === '-p' || a === '--print') return 'generic';
    if (a === '--') return scriptKind(args[i + 1]);
    if (a.startsWith('-')) {
      if (withArg.has(a)) i++;
      continue;
    }
    if (interp === 'bun' || interp === 'deno') {
      // `bun run x` / `deno run x.ts` name the script after a subcommand.
      if (a === 'run' || a === 'x') continue;
    }
    return scriptKind(a);
  }
  return 'shell';
}

function scriptKind(script: string | undefined): AgentKind {
  if (script === undefined) return 'shell';
  const byPath = agentByPath(script);
  if (byPath) return byPath;
  const base = programName(script).replace(/\.(c|m)?(js|ts)$/, '').replace(/\.py$/, '');
  const byName = agentByName(base);
  if (byName) return byName;
  // A launcher script that itself wraps the agent (`node run.js claude`) is rare; don't guess.
  return 'generic';
}

/** `bash` alone is a shell session; `bash -lc 'cd x && claude'` runs whatever the string runs. */
function classifyShell(args: readonly string[], depth: number): AgentKind {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (/^-[a-zA-Z]*c[a-zA-Z]*$/.test(a) || a === '-Command' || a === '-command') {
      const script = args[i + 1];
      return script === undefined ? 'shell' : classifyShellString(script, depth);
    }
    if (!a.startsWith('-') && !a.startsWith('+')) {
      // `bash script.sh`: a script, not an interactive shell. Its name may still be an agent.
      return agentByName(programName(a).replace(/\.(sh|bash|zsh)$/, '')) ?? 'generic';
    }
  }
  return 'shell';
}

/**
 * A `-c` string may chain commands (`cd /x && exec claude --resume`). The terminal belongs to
 * the agent if any simple command in it is one, so prefer the last agent found; otherwise report
 * the last command's kind (a long-running `make` is generic, not a shell).
 */
function classifyShellString(script: string, depth: number): AgentKind {
  const commands = splitShellCommands(script).map((cmd) => classify(shellWords(cmd), depth + 1));
  const agents = commands.filter((k) => k !== 'generic' && k !== 'shell');
  if (agents.length > 0) return agents[agents.length - 1]!;
  const nonTrivial = splitShellCommands(script).filter((c) => !/^\s*(cd|export|source|\.|set|unset)\b/.test(c));
  if (nonTrivial.length === 0) return 'shell';
  return commands[commands.length - 1] ?? 'generic';
}

function classifyScriptCmd(args: readonly string[], depth: number): AgentKind {
  const c = args.indexOf('-c');
  if (c >= 0 && args[c + 1] !== undefined) return classifyShellString(args[c + 1]!, depth + 1);
  return 'generic';
}

/** Split a shell string on `&&`, `||`, `;`, `|` and newlines, outside quotes. */
export function splitShellCommands(script: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < script.length; i++) {
    const ch = script[i]!;
    if (quote) {
      // Inside quotes separators are literal; keep the text verbatim for shellWords later.
      cur += ch;
      if (ch === '\\' && quote === '"' && i + 1 < script.length) cur += script[++i]!;
      else if (ch === quote) quote = null;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      cur += ch;
      continue;
    }
    if (ch === ';' || ch === '\n' || ch === '|' || ch === '&') {
      if (cur.trim() !== '') out.push(cur.trim());
      cur = '';
      if ((ch === '|' || ch === '&') && script[i + 1] === ch) i++;
      continue;
    }
    cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/** Lenient: a shell string cw did not write may end inside a quote; the rest is then one word. */
export function shellWords(command: string): string[] {
  return splitWords(command, { strict: false });
}

/** `env [-i] [-u NAME] [-C DIR] [K=V]… cmd`; `env -S 'cmd args'` splits its string. */
function skipEnvArgs(args: readonly string[]): string[] {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-S' || a === '--split-string') return shellWords(args[i + 1] ?? '').concat(args.slice(i + 2));
    if (a.startsWith('-S') && a.length > 2) return shellWords(a.slice(2)).concat(args.slice(i + 1));
    if (a === '-u' || a === '--unset' || a === '-C' || a === '--chdir') {
      i++;
      continue;
    }
    if (a.startsWith('-') || /^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) continue;
    return args.slice(i);
  }
  return [];
}

/** `timeout [-s SIG] [-k DUR] [--foreground] DURATION cmd…` */
function skipTimeoutArgs(args: readonly string[]): string[] {
  const rest = skipOptions(args, new Set(['-s', '--signal', '-k', '--kill-after']));
  return rest.slice(1); // drop DURATION
}

/** Drop leading options (and the values of options that take one) up to the command word. */
function skipOptions(args: readonly string[], withValue: ReadonlySet<string>): string[] {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return args.slice(i + 1);
    if (/^[A-Za-z_][A-Za-z0-9_]*=/.test(a)) continue; // `sudo FOO=1 claude`
    if (!a.startsWith('-')) return args.slice(i);
    if (withValue.has(a)) i++;
  }
  return [];
}
