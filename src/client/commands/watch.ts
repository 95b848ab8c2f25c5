// cw watch SESSION [--tail N] [--no-history] [--timeout S] [--json]
import type { Command } from 'commander';
import { AnsiStripper } from '../../common/ansi.js';
import { ExitCode } from '../../channel/errors.js';
import { endError } from '../../channel/output-stream.js';
import { followOutput, gapLine, restartedLine } from '../reconnect.js';
import { parseIntOption, say, withDaemon } from '../run.js';

/** Lines of history shown before live output when --tail is not given. */
export const WATCH_DEFAULT_TAIL_LINES = 100;

export function register(program: Command): void {
  program
    .command('watch')
    .description('stream a session\'s output until it ends (recent history first)')
    .argument('<session>', 'id, name or @name')
    .option('-n, --tail <lines>', `lines of history first (default ${WATCH_DEFAULT_TAIL_LINES})`, parseIntOption('--tail'))
    .option('--no-history', 'only new output')
    .option('--timeout <seconds>', 'stop after this many seconds (exit 124)', parseIntOption('--timeout'))
    .option('--raw', 'the bytes exactly as the program wrote them, also into a pipe or file')
    .option('--json', 'JSON lines: {"session","name","line"} per output line (ANSI stripped), then {"event":"exit",...}')
    .action(async (ref: string, o: { tail?: number; history: boolean; timeout?: number; raw?: boolean; json?: boolean }) => {
      await withDaemon(async (ch) => {
        let sessionId = 0;
        let sessionName: string | null = null;
        // A terminal renders the program's escape sequences; a pipe or a file gets clean text, like `cw logs`.
        const clean = !o.raw && !process.stdout.isTTY;
        const stripper = o.json || clean ? new AnsiStripper() : null;
        const emitLines = (text: string): void => {
          if (!o.json) {
            process.stdout.write(text);
            return;
          }
          for (const line of text.split('\n').slice(0, -1)) process.stdout.write(`${JSON.stringify({ session: sessionId, name: sessionName, line })}\n`);
        };
        const { session, end } = await followOutput(
          ch,
          { session: ref, tail: o.tail ?? WATCH_DEFAULT_TAIL_LINES, history: o.history, follow: true },
          (bytes) => {
            if (stripper) emitLines(stripper.push(bytes));
            else process.stdout.write(bytes);
          },
          {
            onStart: (started) => {
              sessionId = started.id;
              sessionName = started.name;
            },
            onResume: (daemon, id) => say(`${restartedLine(daemon)}; following session ${id} again`),
            onGap: (bytes) => say(gapLine(bytes)),
          },
        );
        let timer: NodeJS.Timeout | undefined;
        const timedOut = new Promise<'timeout'>((r) => {
          if (o.timeout !== undefined) timer = setTimeout(() => r('timeout'), o.timeout * 1000);
        });
        const r = await Promise.race([end, timedOut]);
        clearTimeout(timer);
        if (stripper) {
          const rest = stripper.flush();
          if (rest) emitLines(`${rest}\n`);
        }
        if (r === 'timeout') {
          say(`[cw] watch timed out after ${o.timeout}s; session ${session.id} is still running`);
          return ExitCode.TIMEOUT;
        }
        const err = endError(r);
        if (err) throw err;
        if (r.exit) {
          const e = r.exit;
          if (o.json) process.stdout.write(`${JSON.stringify({ event: 'exit', session: e.id, name: e.name, state: e.state, exitCode: e.exitCode, signal: e.signal })}\n`);
          say(`[cw] session ${e.id} ${e.state === 'killed' ? 'was killed' : e.state === 'lost' ? 'was lost' : `exited (code ${e.exitCode ?? e.signal})`}`);
        }
        return ExitCode.OK;
      });
    });
}
