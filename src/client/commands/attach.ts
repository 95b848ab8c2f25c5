// cw attach [SESSION] [--no-history] [--read-only]: the session's terminal in yours; Ctrl+B d detaches.
import type { Command } from 'commander';
import type { SessionInfo, StreamEventOf } from '../../protocol/index.js';
import { FLOW_ACK_BYTES } from '../../common/flow.js';
import { DetachDetector } from '../detach.js';
import { ClientError, ExitCode } from '../../channel/errors.js';
import { withDaemon } from '../run.js';

/**
 * Modes a program may have left on in the user's terminal; reset on the way out so the shell is usable again
 * (tmux does the same on detach): leave the alternate screen, show the cursor, stop mouse reporting, focus
 * events and bracketed paste, pop the Kitty keyboard mode, normal cursor keys, default attributes.
 */
const TERMINAL_RESET =
  '\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1004l\x1b[?2004l\x1b[<u\x1b[?1l\x1b>\x1b[0m';

export function register(program: Command): void {
  program
    .command('attach')
    .alias('a')
    .description('attach your terminal to a session (Ctrl+B d detaches; Ctrl+B Ctrl+B sends Ctrl+B)')
    .argument('[session]', 'id, name or @name (default: the most recent running session)')
    .option('--no-history', 'restore only the visible screen, without scrollback')
    .option('-r, --read-only', 'watch without typing or resizing')
    .action(async (ref: string | undefined, o: { history: boolean; readOnly?: boolean }) => {
      const stdin = process.stdin;
      const stdout = process.stdout;
      if (!stdin.isTTY || !stdout.isTTY) {
        throw new ClientError('cw attach needs a terminal', 'use `cw watch` or `cw logs -f` to follow output from a script');
      }
      await withDaemon(async (ch) => {
        let sessionId = 0;
        let unackedLocal = 0;
        let finish!: (how: { kind: 'detached' } | { kind: 'exit'; info: SessionInfo } | { kind: 'error'; message: string }) => void;
        const done = new Promise<Parameters<typeof finish>[0]>((r) => (finish = r));
        let exitInfo: SessionInfo | null = null;

        const { id } = await ch.openStream(
          'attach',
          {
            ...(ref !== undefined ? { session: ref } : {}),
            cols: stdout.columns || 80,
            rows: stdout.rows || 24,
            history: o.history,
            readOnly: !!o.readOnly,
          },
          {
            output: (bytes) => {
              // Ack once the terminal has taken the bytes, so a slow terminal slows the program (flow control).
              stdout.write(bytes, () => {
                unackedLocal += bytes.length;
                if (unackedLocal >= FLOW_ACK_BYTES) {
                  ch.ack(id, unackedLocal);
                  unackedLocal = 0;
                }
              });
            },
            event: (ev: StreamEventOf) => {
              if (ev.type === 'started') sessionId = ev.session.id;
              else if (ev.type === 'exit') exitInfo = ev.session;
              else if (ev.type === 'end') {
                if (exitInfo) finish({ kind: 'exit', info: exitInfo });
                else if (ev.reason === 'detached') finish({ kind: 'detached' });
                else finish({ kind: 'error', message: ev.message });
              }
            },
          },
        );

        const detector = new DetachDetector();
        let detaching = false;
        const onInput = (chunk: Buffer): void => {
          const { forward, detach } = detector.feed(chunk);
          if (forward.length > 0 && !o.readOnly) ch.input(id, forward);
          if (detach && !detaching) {
            detaching = true;
            ch.request('close', { stream: id }).catch(() => finish({ kind: 'detached' }));
          }
        };
        const onResize = (): void => {
          if (!o.readOnly) ch.request('resize', { stream: id, cols: stdout.columns || 80, rows: stdout.rows || 24 }).catch(() => {});
        };
        const restore = (): void => {
          stdin.off('data', onInput);
          stdout.off('resize', onResize);
          try {
            stdin.setRawMode(false);
          } catch {
            // the terminal is gone (the user closed it): nothing to restore
          }
          stdin.pause();
        };
        process.once('exit', () => {
          // Last resort if we die unexpectedly: never leave the user's terminal raw.
          try {
            stdin.setRawMode(false);
          } catch {
            // terminal gone
          }
        });

        stdin.setRawMode(true);
        stdin.resume();
        stdin.on('data', onInput);
        stdout.on('resize', onResize);

        const how = await done;
        restore();
        await new Promise<void>((r) => stdout.write(`${TERMINAL_RESET}\r\n`, () => r()));
        if (how.kind === 'detached') {
          process.stderr.write(`[cw] detached from session ${sessionId}\n`);
          return ExitCode.OK;
        }
        if (how.kind === 'exit') {
          const i = how.info;
          const what = i.state === 'killed' ? 'was killed' : i.signal ? `exited (${i.signal})` : `exited (code ${i.exitCode})`;
          process.stderr.write(`[cw] session ${i.id} ${what}\n`);
          return ExitCode.OK;
        }
        process.stderr.write(`[cw] connection to session ${sessionId} lost: ${how.message}\n`);
        return ExitCode.ERROR;
      });
    });
}
