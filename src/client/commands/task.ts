// cw task add NAME --cron EXPR (--target SESSION | --spawn [launch options] -- CMD) --prompt TEXT | --prompt-file F
//   [--tz ZONE] [--once] | cw task ls | cw task rm NAME | cw task run NAME | cw task runs [NAME]
// Scheduled prompts: the daemon types the prompt at each time the cron expression names, through the same "ready
// to type" policy as `launch --prompt` (docs/tasks.md).
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { ExitCode } from '../../channel/errors.js';
import { launchArgs } from '../../common/launch-args.js';
import { safeLine } from '../../common/terminal-text.js';
import type { TaskInfo, TaskRunInfo } from '../../protocol/index.js';
import { parseEnv, parseSize } from './launch.js';
import { collect, isRemote, parseIntOption, printJson, say, table, usage, withDaemon } from '../run.js';

interface AddOptions {
  cron?: string;
  tz?: string;
  target?: string;
  spawn?: boolean;
  prompt?: string;
  promptFile?: string;
  promptTimeout?: number;
  once?: boolean;
  replace?: boolean;
  name?: string;
  tag: string[];
  dir?: string;
  env: string[];
  size?: string;
  agent?: string;
  hooks: boolean;
  json?: boolean;
}

/** A time as `task ls` and `task runs` show it: local, to the minute, with its zone offset. */
function when(iso: string | null): string {
  if (iso === null) return '-';
  const d = new Date(iso);
  const pad = (n: number): string => String(n).padStart(2, '0');
  const off = -d.getTimezoneOffset();
  const sign = off < 0 ? '-' : '+';
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}${sign}${pad(Math.floor(Math.abs(off) / 60))}${pad(Math.abs(off) % 60)}`;
}

/** `submitted`, `held (why)`, `failed (why)`, `skipped (why)`, `pending`. */
export function describeRun(r: Pick<TaskRunInfo, 'outcome' | 'reason'>): string {
  return r.reason ? `${r.outcome} (${safeLine(r.reason)})` : r.outcome;
}

const targetOf = (t: TaskInfo): string => (t.target !== null ? safeLine(t.target) : `spawn: ${safeLine(t.spawn?.command.join(' ') ?? '')}`);

function readPrompt(o: AddOptions): string {
  if (o.prompt !== undefined && o.promptFile !== undefined) throw usage('give --prompt or --prompt-file, not both');
  if (o.promptFile !== undefined) {
    try {
      return readFileSync(o.promptFile, 'utf8');
    } catch (err) {
      throw usage(`cannot read ${o.promptFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (o.prompt === undefined) throw usage('a task needs --prompt TEXT or --prompt-file F');
  return o.prompt;
}

function registerAdd(task: Command): void {
  task
    .command('add')
    .description('schedule a prompt: typed into --target SESSION (revived if it ended), or into a new session (--spawn -- CMD), at each time --cron names')
    .argument('<name>', 'a unique name for the task')
    .argument('[command...]', 'with --spawn: the program to launch and its arguments (after --)')
    .option('--cron <expr>', 'when: five fields (minute hour day-of-month month day-of-week), e.g. "0 9 * * 1-5"')
    .option('--tz <zone>', "the IANA zone the times are in, e.g. Europe/Berlin (default: the daemon's local zone)")
    .option('--target <session>', 'type the prompt into this session (id, name or @name)')
    .option('--spawn', 'launch a new session at each run, with the launch options below and the command after --')
    .option('--prompt <text>', 'the prompt to type')
    .option('--prompt-file <file>', 'the prompt, read from this file now')
    .option('--prompt-timeout <seconds>', 'how long each run holds the prompt for the ready prompt (default 1800)', parseIntOption('--prompt-timeout'))
    .option('--once', 'delete the task after its first run')
    .option('--replace', 'replace a task of the same name')
    .option('-n, --name <name>', 'with --spawn: the new session\'s name')
    .option('-t, --tag <tag>', 'with --spawn: a tag (repeatable)', collect, [])
    .option('-d, --dir <dir>', 'with --spawn: working directory (default: the current one)')
    .option('-e, --env <KEY=VALUE>', 'with --spawn: an environment variable (repeatable)', collect, [])
    .option('--size <COLSxROWS>', 'with --spawn: terminal size (default 120x40)')
    .option('--agent <kind>', 'with --spawn: force the agent kind')
    .option('--no-hooks', "with --spawn: do not add the agent's own hooks")
    .option('--json', 'print the task as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  cw task add standup --cron "0 9 * * 1-5" --tz Europe/Berlin --target api --prompt "summarise yesterday\'s commits"\n  cw task add nightly --cron "30 2 * * *" --spawn --dir ~/web --name nightly -- claude --prompt-file nightly.md\n  cw task add later --cron "15 18 * * *" --once --target api --prompt "run the slow tests"',
    )
    .action(async (name: string, command: string[], o: AddOptions) => {
      if (o.cron === undefined) throw usage('a task needs --cron EXPR', 'e.g. --cron "0 9 * * 1-5" (9:00 on weekdays)');
      if ((o.target === undefined) === !o.spawn) throw usage('give --target SESSION or --spawn -- CMD (one of them)', 'cw task add NAME --cron "0 9 * * *" --target api --prompt "..."');
      if (o.spawn && command.length === 0) throw usage('--spawn needs the program to launch after --', 'cw task add NAME --cron ... --spawn -- claude');
      if (!o.spawn && command.length) throw usage(`unexpected arguments: ${command.join(' ')}`, 'a command goes with --spawn');
      const launchOnly = o.name !== undefined || o.tag.length > 0 || o.dir !== undefined || o.env.length > 0 || o.size !== undefined || o.agent !== undefined || !o.hooks;
      if (!o.spawn && launchOnly) throw usage('--name, --tag, --dir, --env, --size, --agent and --no-hooks go with --spawn');
      const prompt = readPrompt(o);
      const size = o.size ? parseSize(o.size) : undefined;
      const spawn = o.spawn
        ? launchArgs(
            {
              command,
              ...(o.dir !== undefined ? { dir: o.dir } : {}),
              tags: o.tag,
              env: parseEnv(o.env),
              ...(o.name !== undefined ? { name: o.name } : {}),
              ...(size ?? {}),
              ...(o.agent ? { agent: o.agent } : {}),
              hooks: o.hooks,
            },
            isRemote(),
          )
        : undefined;
      await withDaemon(async (ch) => {
        const r = await ch.request('task-add', {
          name,
          cron: o.cron!,
          prompt,
          ...(o.tz !== undefined ? { tz: o.tz } : {}),
          ...(o.target !== undefined ? { target: o.target } : {}),
          ...(spawn ? { spawn: spawn as Record<string, unknown> } : {}),
          once: !!o.once,
          replace: !!o.replace,
          ...(o.promptTimeout !== undefined ? { promptTimeoutMs: o.promptTimeout * 1000 } : {}),
        });
        const t = r.task;
        if (o.json) printJson(t);
        else process.stdout.write(`${t.name}\n`);
        say(`Task ${t.name} added (${t.cron}, ${t.tz}${t.once ? ', once' : ''}): next run ${when(t.next)}, into ${targetOf(t)}`);
      });
    });
}

export function register(program: Command): void {
  const task = program.command('task').description('scheduled prompts: typed into a session at the times a cron expression names (docs/tasks.md)');
  registerAdd(task);

  task
    .command('ls')
    .alias('list')
    .description('the tasks: schedule, zone, next run, target and the last run')
    .option('--json', 'print the tasks as JSON')
    .action(async (o: { json?: boolean }) => {
      await withDaemon(async (ch) => {
        const { tasks } = await ch.request('task-ls', {});
        if (o.json) return printJson(tasks);
        if (!tasks.length) return say('No tasks. `cw task add NAME --cron EXPR --target SESSION --prompt TEXT` adds one.');
        const rows = [['NAME', 'CRON', 'TZ', 'NEXT', 'LAST', 'INTO']];
        for (const t of tasks) rows.push([t.name, t.cron, t.tz, when(t.next), t.lastRun ? `${when(t.lastRun.at)} ${describeRun(t.lastRun)}` : '-', targetOf(t) + (t.once ? ' (once)' : '')]);
        process.stdout.write(`${table(rows)}\n`);
      });
    });

  task
    .command('rm')
    .description('delete a task (its runs stay in `cw task runs`)')
    .argument('<name>', 'the task')
    .option('--json', 'print what was removed as JSON')
    .action(async (name: string, o: { json?: boolean }) => {
      await withDaemon(async (ch) => {
        const r = await ch.request('task-rm', { name });
        if (o.json) printJson(r);
        say(`Removed task ${r.removed}`);
      });
    });

  task
    .command('run')
    .description('run a task now (its schedule does not move); returns once the prompt is typed, failed, or held by a dialog')
    .argument('<name>', 'the task')
    .option('--no-wait', 'return at once, the prompt still pending')
    .option('--json', 'print the run as JSON')
    .addHelpText('after', '\nExit codes: 0 typed in (or pending with --no-wait), 1 failed or skipped, 3 held by a dialog that needs a person.')
    .action(async (name: string, o: { wait: boolean; json?: boolean }) => {
      await withDaemon(async (ch) => {
        const { run } = await ch.request('task-run', { name, wait: o.wait });
        if (o.json) printJson(run);
        else process.stdout.write(`${run.id}\n`);
        const into = run.session !== null ? ` in session ${run.session}` : '';
        say(`Task ${name}: run ${run.id} ${describeRun(run)}${into}${run.note ? `; ${safeLine(run.note)}` : ''}`);
        if (run.outcome === 'held') {
          say(`The prompt stays held and goes in once the agent is ready: answer the dialog with \`cw attach ${run.session}\` or \`cw send ${run.session} --key ...\``);
          return ExitCode.REFUSED;
        }
        if (run.outcome === 'failed' || run.outcome === 'skipped') return ExitCode.ERROR;
      });
    });

  task
    .command('runs')
    .description('every run (of one task, or all): time, trigger, outcome and the session used')
    .argument('[name]', 'the task')
    .option('-n, --limit <n>', 'the newest N runs (default 100)', parseIntOption('--limit'))
    .option('--json', 'print the runs as JSON')
    .action(async (name: string | undefined, o: { limit?: number; json?: boolean }) => {
      if (o.limit === 0) throw usage('--limit takes at least 1');
      await withDaemon(async (ch) => {
        const { runs } = await ch.request('task-runs', { ...(name !== undefined ? { name } : {}), ...(o.limit !== undefined ? { limit: o.limit } : {}) });
        if (o.json) return printJson(runs);
        if (!runs.length) return say(name ? `Task ${name} has not run yet` : 'No task has run yet');
        const rows = [['RUN', 'TASK', 'AT', 'TRIGGER', 'SESSION', 'OUTCOME']];
        for (const r of runs) {
          rows.push([String(r.id), r.task, when(r.at), r.trigger, r.session === null ? '-' : String(r.session), describeRun(r) + (r.note ? `; ${safeLine(r.note)}` : '')]);
        }
        process.stdout.write(`${table(rows)}\n`);
      });
    });
}
