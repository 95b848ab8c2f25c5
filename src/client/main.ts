// The cw command line: registers one file per command and maps failures to exit codes.
import { Command, CommanderError } from 'commander';
import { VERSION } from '../common/version.js';
import { ExitCode } from '../channel/errors.js';
import { reportError, setGlobalOptions } from './run.js';
import { register as attach } from './commands/attach.js';
import { register as top } from './commands/top.js';
import { register as daemon } from './commands/daemon.js';
import { register as kill } from './commands/kill.js';
import { register as launch } from './commands/launch.js';
import { register as restart } from './commands/restart.js';
import { register as task } from './commands/task.js';
import { register as list } from './commands/list.js';
import { register as logs } from './commands/logs.js';
import { register as rm } from './commands/rm.js';
import { register as screen } from './commands/screen.js';
import { register as send } from './commands/send.js';
import { register as status } from './commands/status.js';
import { register as version } from './commands/version.js';
import { register as watch } from './commands/watch.js';
import { register as wait } from './commands/wait.js';
import { register as lastMessage } from './commands/last-message.js';
import { register as events } from './commands/events.js';
import { register as server } from './commands/server.js';
import { register as token } from './commands/token.js';
import { register as msg } from './commands/msg.js';
import { register as work } from './commands/work.js';
import { register as state } from './commands/state.js';
import { register as listen } from './commands/listen.js';
import { register as mcpServer } from './commands/mcp-server.js';
import { register as ui } from './commands/ui.js';
import { register as fleet } from './commands/fleet.js';
import { register as hook } from './commands/hook.js';
import { register as service } from './commands/service.js';
import { register as setup } from './commands/setup.js';
import { register as rename } from './commands/rename.js';
import { register as notify } from './commands/notify.js';
import { register as completion } from './commands/completion.js';
import { register as worktree } from './commands/worktree.js';

/**
 * Every registrar with the command words (names and aliases) it adds, in the order `cw --help` lists them.
 * tests/unit/cli-commands.test.ts checks this table against what each registrar really adds.
 */
export const COMMANDS: [words: string[], register: (program: Command) => void][] = [
  [['launch'], launch],
  [['restart'], restart],
  [['list', 'ls'], list],
  [['attach', 'a'], attach],
  [['top'], top],
  [['send'], send],
  [['watch'], watch],
  [['logs'], logs],
  [['screen'], screen],
  [['status'], status],
  [['rename'], rename],
  [['wait'], wait],
  [['last-message', 'last'], lastMessage],
  [['events'], events],
  [['msg', 'request', 'ask', 'reply', 'inbox'], msg],
  [['work'], work],
  [['task'], task],
  [['state'], state],
  [['listen'], listen],
  [['mcp-server'], mcpServer],
  [['kill'], kill],
  [['rm'], rm],
  [['worktree'], worktree],
  [['fleet'], fleet],
  [['start', 'daemon', 'stop'], daemon],
  [['server'], server],
  [['service'], service],
  [['setup'], setup],
  [['token'], token],
  [['ui'], ui],
  [['notify'], notify],
  [['completion', '__complete'], completion],
  [['version'], version],
  [['hook'], hook],
];

/** Global options that take a value (skipped when looking for the command word). */
const GLOBAL_WITH_VALUE = new Set(['--server', '--token', '--ca', '--pin']);

/**
 * The command word of `cw [global options] WORD ...`, or null when there is none or an option comes first
 * (`cw --help`, `cw -V`): then every command is registered, for the full help and for suggestions.
 */
export function commandWord(argv: string[]): string | null {
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]!;
    if (GLOBAL_WITH_VALUE.has(a)) {
      i++;
      continue;
    }
    if (/^--(server|token|ca|pin)=/.test(a)) continue;
    return a.startsWith('-') ? null : a;
  }
  return null;
}

export async function main(argv: string[]): Promise<void> {
  const program = new Command('cw')
    .description('Run AI coding agents in persistent terminals, and know what each one is doing.')
    .version(VERSION, '-V, --version')
    .option('--server <name|url>', 'talk to the daemon of a saved server or at a ws:// or wss:// URL (env CODEWIRE_SERVER)')
    .option('--token <token>', 'the token for --server (env CODEWIRE_TOKEN; saved servers keep theirs)')
    .option('--ca <file>', 'with --server wss://...: verify the server with this CA bundle (env CODEWIRE_CA)')
    .option('--pin <sha256>', "with --server wss://...: trust only the certificate with this SHA-256 fingerprint (env CODEWIRE_PIN)")
    .enablePositionalOptions()
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(str.startsWith('error:') ? `cw: ${str.slice(7)}` : str) })
    .addHelpText(
      'after',
      '\nSessions are named by id, name or @name. Every command that prints data takes --json. Data goes to stdout,\nmessages to stderr.\n\nExit codes: 0 ok, 1 error, 2 usage, 3 refused, 4 no token for --server, 5 server (or NATS) unreachable,\n6 TLS failed, 7 token rejected, 124 timeout.',
    );
  // Only the command being run is registered when it is known: registering all of them is a few milliseconds of
  // every `cw` start, for help text nobody reads. An unknown word gets them all, so commander can suggest one.
  // `cw` alone at a terminal opens the cockpit (docs/cockpit.md); in a script or a pipe it prints help as before.
  if (argv.length === 2 && process.stdin.isTTY && process.stdout.isTTY) argv = [...argv, 'top'];
  const word = commandWord(argv);
  const only = word === null ? undefined : COMMANDS.find(([words]) => words.includes(word));
  for (const [, reg] of only ? [only] : COMMANDS) reg(program);
  for (const c of program.commands) c.exitOverride();
  program.hook('preAction', (_, action) => {
    setGlobalOptions(program.opts<{ server?: string; token?: string; ca?: string; pin?: string }>());
    // Any process's argv is readable by every local user (ps, /proc/PID/cmdline): say so, once, and where a
    // token is safe instead. The global option and a command's own (`server add`, `fleet attach`) alike.
    if (action.optsWithGlobals<{ token?: string }>().token !== undefined) {
      process.stderr.write('cw: warning: a token given with --token is visible to every local user (ps); set CODEWIRE_TOKEN in the environment instead\n');
    }
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') {
        process.exitCode = ExitCode.OK;
      } else {
        process.exitCode = ExitCode.USAGE;
      }
      return;
    }
    process.exitCode = reportError(err);
  }
}
