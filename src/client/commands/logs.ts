// cw logs SESSION [-f] [--tail N] [--raw] [--json]
import type { Command } from 'commander';
import { AnsiStripper } from '../../common/ansi.js';
import { endError } from '../../channel/output-stream.js';
import { followOutput, gapLine, restartedLine } from '../reconnect.js';
import { parseIntOption, say, withDaemon } from '../run.js';

export function register(program: Command): void {
  program
    .command('logs')
    .description("a session's recorded output, ANSI stripped; works after it ended")
    .argument('<session>', 'id, name or @name')
    .option('-f, --follow', 'keep printing new output until the session ends')
    .option('-n, --tail <lines>', 'only the last N lines', parseIntOption('--tail'))
    .option('--raw', 'the bytes exactly as the program wrote them, escape sequences included')
    .option('--json', 'JSON lines: {"session","line"} per line')
    .action(async (ref: string, o: { follow?: boolean; tail?: number; raw?: boolean; json?: boolean }) => {
      await withDaemon(async (ch) => {
        let sessionId = 0;
        const stripper = o.raw && !o.json ? null : new AnsiStripper();
        const emit = (text: string): void => {
          if (!o.json) {
            process.stdout.write(text);
            return;
          }
          for (const line of text.split('\n').slice(0, -1)) process.stdout.write(`${JSON.stringify({ session: sessionId, line })}\n`);
        };
        const { end } = await followOutput(
          ch,
          { session: ref, ...(o.tail !== undefined ? { tail: o.tail } : {}), history: true, follow: !!o.follow },
          (bytes) => {
            if (stripper) emit(stripper.push(bytes));
            else process.stdout.write(bytes);
          },
          {
            onStart: (started) => (sessionId = started.id),
            onResume: (daemon, id) => say(`${restartedLine(daemon)}; following session ${id} again`),
            onGap: (bytes) => say(gapLine(bytes)),
          },
        );
        const r = await end;
        if (stripper) {
          const rest = stripper.flush();
          if (rest) emit(`${rest}\n`);
        }
        const err = endError(r);
        if (err) throw err;
      });
    });
}
