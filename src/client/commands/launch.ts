// cw launch [--name N] [--tag T]... [--dir D] [--env K=V]... [--size COLSxROWS] -- CMD [ARGS]
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { ExitCode } from '../../channel/errors.js';
import { RestartPolicy } from '../../protocol/index.js';
import { checkLaunch } from '../../channel/launch-check.js';
import { launchArgs } from '../../common/launch-args.js';
import { collect, isRemote, parseIntOption, printJson, say, usage, withDaemon } from '../run.js';

export function parseSize(v: string): { cols: number; rows: number } {
  const m = /^(\d{1,4})x(\d{1,4})$/.exec(v);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw usage(`--size takes COLSxROWS, e.g. 120x40, got '${v}'`);
  return { cols: Number(m[1]), rows: Number(m[2]) };
}

export function parseEnv(entries: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const e of entries) {
    const i = e.indexOf('=');
    if (i <= 0) throw usage(`--env takes KEY=VALUE, got '${e}'`);
    env[e.slice(0, i)] = e.slice(i + 1);
  }
  return env;
}

/** `--restart never|on-failure|always`. */
export function parseRestartPolicy(v: string): RestartPolicy {
  const r = RestartPolicy.safeParse(v);
  if (!r.success) throw usage(`--restart takes never, on-failure or always, got '${v}'`);
  return r.data;
}

export function register(program: Command): void {
  program
    .command('launch')
    .description('start a program in a new session; prints its id')
    .argument('<command...>', 'the program and its arguments (put them after --)')
    .option('-n, --name <name>', 'a unique name for the session')
    .option('-t, --tag <tag>', 'a tag (repeatable)', collect, [])
    .option('-d, --dir <dir>', 'working directory (default: the current one)')
    .option('-e, --env <KEY=VALUE>', 'an environment variable (repeatable)', collect, [])
    .option('--size <COLSxROWS>', 'terminal size while nobody is attached (default 120x40)')
    .option('--agent <kind>', 'force the agent kind instead of detecting it from the command')
    .option('--prompt <text>', 'submit this prompt once the agent is ready for input')
    .option('--prompt-file <file>', 'submit the contents of this file once the agent is ready')
    .option('--wait-ready', 'with --prompt: return once the prompt was typed in, or a dialog needs a person (exit 3)')
    .option('--prompt-timeout <seconds>', 'how long to hold the prompt for the ready prompt (default 1800)', parseIntOption('--prompt-timeout'))
    .option('--no-hooks', "do not add the agent's own hooks/notify to its command line (see the README)")
    .option('--restart <policy>', 'when the program ends by itself: never (default), on-failure, always (with backoff)', parseRestartPolicy)
    .option('--worktree', 'run it in a new git worktree of the repository around --dir, on a new branch (docs/worktrees.md)')
    .option('--branch <branch>', 'with --worktree: the new branch (default cw/NAME or cw/ID)')
    .option('--base <ref>', 'with --worktree: the branch, tag or commit to start from (default: the branch HEAD is on)')
    .option('--json', 'print the new session as JSON')
    .passThroughOptions()
    .addHelpText('after', '\nExamples:\n  cw launch --name api -- claude\n  id=$(cw launch --tag ui --dir ~/web -- npm run dev)')
    .action(async (command: string[], o: { name?: string; tag: string[]; dir?: string; env: string[]; size?: string; agent?: string; prompt?: string; promptFile?: string; waitReady?: boolean; promptTimeout?: number; hooks: boolean; restart?: RestartPolicy; worktree?: boolean; branch?: string; base?: string; json?: boolean }) => {
      if ((o.branch !== undefined || o.base !== undefined) && !o.worktree) throw usage('--branch and --base go with --worktree', 'cw launch --worktree --branch B --base main -- CMD');
      if (o.branch !== undefined && (o.branch === '' || o.branch.startsWith('-') || /[\s~^:?*[\\]|\.\.|@\{/.test(o.branch))) throw usage(`'${o.branch}' is not a valid branch name`, 'see `git check-ref-format --help`');
      if (o.prompt !== undefined && o.promptFile !== undefined) throw usage('give --prompt or --prompt-file, not both');
      let prompt = o.prompt;
      if (o.promptFile !== undefined) {
        try {
          prompt = readFileSync(o.promptFile, 'utf8');
        } catch (err) {
          throw usage(`cannot read ${o.promptFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
      }
      if (o.waitReady && prompt === undefined) throw usage('--wait-ready goes with --prompt or --prompt-file');
      checkLaunch({ name: o.name, prompt });
      await withDaemon(async (ch) => {
        const size = o.size ? parseSize(o.size) : undefined;
        const r = await ch.request(
          'launch',
          launchArgs(
            {
              command,
              ...(o.dir !== undefined ? { dir: o.dir } : {}),
              tags: o.tag,
              env: parseEnv(o.env),
              ...(o.name !== undefined ? { name: o.name } : {}),
              ...(size ? size : {}),
              ...(o.agent ? { agent: o.agent } : {}),
              ...(prompt !== undefined ? { prompt, waitReady: !!o.waitReady } : {}),
              ...(o.promptTimeout !== undefined ? { promptTimeoutMs: o.promptTimeout * 1000 } : {}),
              hooks: o.hooks,
              ...(o.restart ? { restart: o.restart } : {}),
              ...(o.worktree ? { worktree: { ...(o.branch !== undefined ? { branch: o.branch } : {}), ...(o.base !== undefined ? { base: o.base } : {}) } } : {}),
            },
            isRemote(),
          ),
        );
        const s = r.session;
        if (o.json) printJson(s);
        else process.stdout.write(`${s.id}\n`);
        say(`Session ${s.id}${s.name ? ` (${s.name})` : ''} launched: ${command.join(' ')}`);
        if (o.worktree) say(`In worktree ${s.cwd}${s.worktree ? ` on branch ${s.worktree.branch} (from ${s.worktree.base})` : ''}`);
        if (r.prompt === 'submitted') say(`Prompt submitted to session ${s.id}`);
        else if (r.prompt === 'pending') say(`The prompt goes in once session ${s.id} shows its ready prompt (\`cw wait ${s.id}\` waits for its turn; \`cw status ${s.id}\` shows the prompt)`);
        else if (r.prompt === 'held') {
          say(`Session ${s.id} needs a person first: ${r.held}. The prompt is held and goes in once the agent is ready: answer with \`cw attach ${s.id}\` or \`cw send ${s.id} --key ...\``);
          return ExitCode.REFUSED;
        }
      });
    });
}
