// cw attach [SESSION] [--no-history] [--read-only]: the session's terminal in yours; Ctrl+B d detaches.
import type { Command } from 'commander';
import type { SessionInfo, StreamEventOf } from '../../protocol/index.js';
import { FLOW_ACK_BYTES } from '../../common/flow.js';
import { DetachDetector } from '../detach.js';
import { ClientError, ExitCode } from '../../channel/errors.js';
import { withDaemon } from '../run.js';
import { connectionLost, reconnect, RECONNECT_TIMEOUT_MS } from '../reconnect.js';

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
      await withDaemon(async (first) => {
        let ch = first;
        let id = 0;
        let sessionId = 0;
        let unackedLocal = 0;
        type How = { kind: 'detached' } | { kind: 'exit'; info: SessionInfo } | { kind: 'error'; message: string } | { kind: 'lost'; message: string };
        let finish!: (how: How) => void;
        let exitInfo: SessionInfo | null = null;

        /** Opens the attach stream on `ch` (throws when it cannot); `done` resolves with how it ended. */
        const attachOnce = async (target: string | undefined, history: boolean): Promise<{ done: Promise<How> }> => {
          const done = new Promise<How>((r) => (finish = r));
          unackedLocal = 0;
          const stream = await ch.openStream(
            'attach',
            {
              ...(target !== undefined ? { session: target } : {}),
              cols: stdout.columns || 80,
              rows: stdout.rows || 24,
              history,
              readOnly: !!o.readOnly,
            },
            {
              output: (bytes) => {
                // Ack once the terminal has taken the bytes, so a slow terminal slows the program (flow control).
                const on = ch;
                const sid = stream.id;
                stdout.write(bytes, () => {
                  if (on !== ch) return; // acks belong to the connection that sent the bytes
                  unackedLocal += bytes.length;
                  if (unackedLocal >= FLOW_ACK_BYTES) {
                    on.ack(sid, unackedLocal);
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
                  else if (connectionLost(ev, ch) && !detaching) finish({ kind: 'lost', message: ev.message });
                  else finish({ kind: 'error', message: ev.message });
                }
              },
            },
          );
          id = stream.id;
          return { done };
        };

        const detector = new DetachDetector();
        let detaching = false;
        const onInput = (chunk: Buffer): void => {
          const { forward, detach } = detector.feed(chunk);
          if (forward.length > 0 && !o.readOnly && id) ch.input(id, forward);
          if (detach && !detaching) {
            detaching = true;
            ch.request('close', { stream: id }).catch(() => finish({ kind: 'detached' }));
          }
        };
        const onResize = (): void => {
          if (!o.readOnly && id) ch.request('resize', { stream: id, cols: stdout.columns || 80, rows: stdout.rows || 24 }).catch(() => {});
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

        const opened = await attachOnce(ref, o.history);
        stdin.setRawMode(true);
        stdin.resume();
        stdin.on('data', onInput);
        stdout.on('resize', onResize);
        let how = await opened.done;
        // The daemon went away under us (`cw daemon restart`, or a crash): attach again to the same session.
        while (how.kind === 'lost' && sessionId) {
          id = 0;
          const next = await reconnect();
          if (!next) {
            how = { kind: 'error', message: `${how.message}, and no daemon answered within ${RECONNECT_TIMEOUT_MS / 1000}s` };
            break;
          }
          if (ch !== first) ch.end();
          ch = next;
          const daemon = await next.hello;
          // One line, then the screen is restored over it (the restore starts by clearing the screen).
          await new Promise<void>((r) => stdout.write(`\r\n[cw] daemon restarted (pid ${daemon.pid}, cw ${daemon.version}): attaching to session ${sessionId} again\r\n`, () => r()));
          try {
            how = await (await attachOnce(String(sessionId), true)).done;
          } catch (err) {
            how = { kind: 'error', message: (err as Error).message };
          }
        }
        restore();
        if (ch !== first) ch.end();
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
