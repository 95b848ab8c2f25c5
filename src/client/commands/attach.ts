// cw attach [SESSION]: the session's terminal in yours, like tmux: on your terminal's alternate screen (detaching
// gives your screen back as it was), a prefix key (Ctrl+B: d detaches, [ scrolls back, r redraws), a notice on
// attach, clipped views for clients of another size (the daemon draws them), reconnection across
// `cw daemon restart`, and keystrokes written straight into the session's pty when attached locally (direct input).
import type { Command } from 'commander';
import type { SessionInfo, StreamEventOf } from '../../protocol/index.js';
import { FLOW_ACK_BYTES } from '../../common/flow.js';
import { ATTACH_NOTICE_MS, DIRECT_INPUT_BURST_MS, DIRECT_INPUT_NOTICE_MS, DIRECT_INPUT_WORD_WAIT_MS, INPUT_QUEUE_MAX_BYTES, SCROLLBACK_VIEW_LINES } from '../../common/limits.js';
import { codewireHome, resolvePaths } from '../../common/paths.js';
import { DetachDetector, type PrefixAction } from '../detach.js';
import { ClientError, ExitCode } from '../../channel/errors.js';
import { daemonTarget, withDaemon } from '../run.js';
import { Follower, RECONNECT_TIMEOUT_MS, restartedLine } from '../reconnect.js';
import { attachSettings, type AttachOptions, type AttachSettings } from '../attach/settings.js';
import { noticeSequence, noticeText } from '../attach/notice.js';
import { ScreenGuard } from '../attach/screen-guard.js';
import { ScrollbackModel } from '../attach/scrollback.js';
import { ScrollView } from '../attach/scroll-view.js';
import { DirectInput } from '../attach/direct-input.js';

/** Saves the cursor and enters the alternate screen: the user's own screen stays untouched underneath. */
const ENTER_SCREEN = '\x1b[?1049h\x1b[H';
/**
 * Back to the user's screen and cursor as they were (1049l), then the modes a program may have left on reset
 * (tmux does the same on detach): show the cursor, stop mouse reporting, focus events and bracketed paste, pop
 * the Kitty keyboard mode, normal cursor keys, default attributes.
 */
const TERMINAL_RESET =
  '\x1b[?1049l\x1b[?25h\x1b[?1000l\x1b[?1002l\x1b[?1003l\x1b[?1006l\x1b[?1004l\x1b[?2004l\x1b[<u\x1b[?1l\x1b>\x1b[0m';
/** cw's own mouse reporting (press/release with SGR coordinates), for the wheel: only while the program has none. */
const WHEEL_ON = '\x1b[?1000h\x1b[?1006h';

export function register(program: Command): void {
  program
    .command('attach')
    .alias('a')
    .description('attach your terminal to a session (Ctrl+B d detaches, Ctrl+B [ scrolls back, Ctrl+B Ctrl+B sends Ctrl+B)')
    .argument('[session]', 'id, name or @name (default: the most recent running session)')
    .option('--no-history', 'kept for scripts: the scrollback is in the scrollback view (prefix then [)')
    .option('-r, --read-only', 'watch without typing or resizing')
    .option('--prefix <key>', 'the prefix key, e.g. C-a or ^a (default C-b, or config.toml [attach] prefix)')
    .option('-q, --quiet', 'no notice on attach (config.toml [attach] notice = false)')
    .option('--size-policy <policy>', 'latest (the client that typed last sets the size) or smallest (fits every client)')
    .option('--no-mouse', 'leave the mouse wheel to your terminal (no scrollback view on the wheel)')
    .action(async (ref: string | undefined, o: AttachOptions & { readOnly?: boolean }) => {
      const settings = await loadSettings(o);
      const stdin = process.stdin;
      const stdout = process.stdout;
      if (!stdin.isTTY || !stdout.isTTY) {
        throw new ClientError('cw attach needs a terminal', 'use `cw watch` or `cw logs -f` to follow output from a script');
      }
      await attachTerminal(ref, settings, !!o.readOnly, stdin, stdout);
    });
}

async function loadSettings(o: AttachOptions): Promise<AttachSettings> {
  // Loaded here only: the config parser is not needed by the commands that run most often.
  const { loadDaemonConfig, ConfigError } = await import('../../common/config.js');
  try {
    return attachSettings(o, loadDaemonConfig(codewireHome()).attach);
  } catch (err) {
    if (err instanceof ConfigError) throw new ClientError(err.message, 'fix config.toml');
    throw err;
  }
}

type How = { kind: 'detached' } | { kind: 'exit'; info: SessionInfo } | { kind: 'error'; message: string } | { kind: 'lost'; message: string };

async function attachTerminal(ref: string | undefined, settings: AttachSettings, readOnly: boolean, stdin: NodeJS.ReadStream, stdout: NodeJS.WriteStream): Promise<void> {
  // Direct input needs this machine's daemon: its socket is where the pty master is handed over.
  const target = settings.directInput && !readOnly ? await daemonTarget() : null;
  const localSocket = target && !target.remote ? resolvePaths(target.home).socket : null;
  return withDaemon(async (first) => {
    const f = new Follower(first);
    let id = 0;
    let sessionId = 0;
    let sessionName = '';
    let unackedLocal = 0;
    let finish!: (how: How) => void;
    let exitInfo: SessionInfo | null = null;
    /** The user's terminal is on its alternate screen (the first output put it there). */
    let entered = false;
    /** Live: the session's output is drawn; scroll: the scrollback view is, and live output is let go. */
    let mode: 'live' | 'scroll' = 'live';
    let view: ScrollView | null = null;
    let noticeTimer: NodeJS.Timeout | null = null;
    let noticeShown = false;
    /** The line to show once the screen is restored after `cw daemon restart` (the connection was lost). */
    let afterRestart: string | null = null;
    /** The notice's drawing while it is up: drawn again after each output, which may have drawn over it. */
    let notice: string | null = null;
    const guard = new ScreenGuard();
    const detector = new DetachDetector(settings.prefix);
    /** The session's pty master while this client writes keystrokes into it itself (kept across a daemon restart). */
    let direct: DirectInput | null = null;
    /**
     * The daemon's last word on this stream (Session.mayWriteDirectly): whether this client may write into the pty
     * itself, and how many bytes of its input through the daemon it had taken by then.
     */
    let told = { direct: false, taken: 0 };
    /** Bytes this client sent through the daemon on the current stream. */
    let sentThrough = 0;
    /** When the last key was typed: the first key after a pause goes through the daemon (DIRECT_INPUT_BURST_MS). */
    let lastKeyAt = 0;
    /** Input for the daemon before the stream's id is known (an event can come before openStream returns). */
    const early: Uint8Array[] = [];
    const throughDaemon = (bytes: Uint8Array[]): void => {
      if (!id) {
        early.push(...bytes);
        return;
      }
      for (const b of bytes) {
        f.channel.input(id, b);
        sentThrough += b.length;
      }
    };
    let lastTypedWord = 0;
    /** A "person typed" word is owed to the daemon: sent after the echo is drawn (or WORD_WAIT_MS without one). */
    let wordTimer: NodeJS.Timeout | null = null;
    let refusing = false;
    const cols = (): number => stdout.columns || 80;
    const rows = (): number => stdout.rows || 24;

    /** Asks the daemon to redraw this terminal from its screen (a resize to the same size is a refresh). */
    const refresh = (): void => {
      if (id) f.channel.request('resize', { stream: id, cols: cols(), rows: rows() }).catch(() => {});
    };
    /** cw takes the wheel while the program has not asked for the mouse; the program's modes pass straight through. */
    const updateWheel = (): void => {
      const want = settings.mouse && !guard.programMouse;
      if (want === detector.wheel) return;
      detector.wheel = want;
      if (want) stdout.write(WHEEL_ON);
    };
    const showNotice = (text: string): void => {
      noticeShown = true;
      if (noticeTimer) clearTimeout(noticeTimer);
      notice = noticeSequence(text, cols(), rows());
      stdout.write(notice);
      // Then the screen is drawn afresh from the daemon's copy, so the notice never stays on the program's screen
      // (nor a copy of it that the program's output scrolled up).
      noticeTimer = setTimeout(() => {
        noticeTimer = null;
        notice = null;
        if (mode === 'live') refresh();
      }, ATTACH_NOTICE_MS);
    };

    /** Opens the attach stream on the current channel (throws when it cannot); `done` resolves with how it ended. */
    const attachOnce = async (target: string | undefined): Promise<{ done: Promise<How> }> => {
      const done = new Promise<How>((r) => (finish = r));
      unackedLocal = 0;
      told = { direct: false, taken: 0 };
      sentThrough = 0;
      const stream = await f.channel.openStream(
        'attach',
        {
          ...(target !== undefined ? { session: target } : {}),
          cols: cols(),
          rows: rows(),
          // The alternate screen keeps no scrollback: the scrollback view reads the history when asked.
          history: false,
          readOnly,
          sizePolicy: settings.sizePolicy,
          // Asked again after a daemon restart, so the new daemon tells this client when to type through it; the
          // descriptor held is kept (it is still the session's pty), and the new key goes unused.
          directInput: localSocket !== null,
        },
        {
          output: (bytes, sid) => {
            // Ack once the terminal has taken the bytes, so a slow terminal slows the program (flow control).
            const on = f.channel;
            const ack = (): void => {
              if (on !== f.channel) return; // acks belong to the connection that sent the bytes
              unackedLocal += bytes.length;
              if (unackedLocal >= FLOW_ACK_BYTES) {
                on.ack(sid, unackedLocal);
                unackedLocal = 0;
              }
            };
            if (!entered) {
              entered = true;
              stdout.write(ENTER_SCREEN);
            }
            const g = guard.feed(bytes);
            updateWheel();
            if (mode === 'scroll') return ack(); // the view is up: the live screen is redrawn when it closes
            stdout.write(g.out, ack);
            if (wordTimer) sendTypedWord();
            // The program left its alternate screen: its main screen comes from the daemon's copy, not the user's.
            if (g.leftAlt) refresh();
            if (afterRestart) {
              // Over the restored screen, so it is seen (written before, the restore cleared it at once).
              const text = afterRestart;
              afterRestart = null;
              showNotice(text);
            } else if (notice) stdout.write(notice);
            else if (!noticeShown && settings.notice) showNotice(noticeText(sessionName || String(sessionId), settings.prefix, !!process.env.TMUX));
          },
          event: (ev: StreamEventOf) => {
            if (ev.type === 'started') {
              sessionId = ev.session.id;
              sessionName = ev.session.name ?? '';
            } else if (ev.type === 'input') {
              told = { direct: ev.direct, taken: ev.taken };
              // Back to typing through the daemon: what the program has not read of our own writes goes first.
              if (!ev.direct && direct) throughDaemon(direct.takeQueued());
            } else if (ev.type === 'exit') exitInfo = ev.session;
            else if (ev.type === 'end') {
              if (exitInfo) finish({ kind: 'exit', info: exitInfo });
              else if (ev.reason === 'detached') finish({ kind: 'detached' });
              else if (f.lost(ev) && !detaching) finish({ kind: 'lost', message: ev.message });
              else finish({ kind: 'error', message: ev.message });
            }
          },
        },
      );
      id = stream.id;
      throughDaemon(early.splice(0));
      const offer = stream.result.directInput;
      if (offer && localSocket && !direct) {
        // Without it (no addon, the key refused) this attach types through the daemon, as it always could.
        const taken = DirectInput.take(localSocket, offer.key);
        if (typeof taken !== 'string') direct = taken;
      }
      return { done };
    };

    const enterScroll = async (): Promise<void> => {
      if (mode !== 'live' || !sessionId) return;
      mode = 'scroll';
      notice = null;
      let text: string;
      try {
        text = (await f.channel.request('screen', { session: String(sessionId), scrollback: SCROLLBACK_VIEW_LINES })).text;
      } catch (err) {
        mode = 'live';
        stdout.write(noticeSequence(`[cw] no scrollback: ${(err as Error).message}`, cols(), rows()));
        return;
      }
      if (mode !== 'scroll') return;
      const lines = text.split('\n');
      // The screen's blank rows below the last line are not history.
      while (lines.length > 1 && lines[lines.length - 1]!.trim() === '') lines.pop();
      view = new ScrollView(new ScrollbackModel(lines, Math.max(1, rows() - 1)), (s) => stdout.write(s), cols(), rows());
      view.draw();
    };
    const scrolling = (): boolean => mode === 'scroll';
    const leaveScroll = (): void => {
      mode = 'live';
      view = null;
      stdout.write('\x1b[0m\x1b[?25h');
      refresh();
    };

    /** Input the program has not read yet goes on through the daemon (before the detach, so in order). */
    const letDirectGo = (): void => {
      if (!direct) return;
      const rest = direct.release();
      direct = null;
      throughDaemon(rest);
    };
    let detaching = false;
    const act = (action: PrefixAction): void => {
      if (action === 'detach') {
        if (detaching) return;
        detaching = true;
        letDirectGo();
        f.channel.request('close', { stream: id }).catch(() => finish({ kind: 'detached' }));
      } else if (action === 'scroll') void enterScroll();
      else refresh();
    };
    const onInput = (chunk: Buffer): void => {
      if (mode === 'scroll') {
        if (view?.feed(chunk) === 'exit') leaveScroll();
        return;
      }
      const { forward, action } = detector.feed(chunk);
      if (forward.length > 0 && !readOnly) {
        const now = Date.now();
        // Straight into the pty when the daemon said so, everything sent through it is taken, and this key follows
        // another closely: the first key after a pause goes through the daemon, which makes this client the size
        // owner (resizing first) exactly when the key arrives, whatever other clients did meanwhile. Also while
        // the daemon restarts (id 0 until attached again): the pty is the same.
        const mayDirect = direct && (!id || (told.direct && told.taken === sentThrough && now - lastKeyAt < DIRECT_INPUT_BURST_MS));
        lastKeyAt = now;
        if (mayDirect) typeDirectly(direct!, forward);
        else throughDaemon([forward]);
      }
      if (action) act(action);
    };
    const typeDirectly = (d: DirectInput, bytes: Uint8Array): void => {
      if (!d.write(bytes)) {
        // As the daemon does with its own queue: refused, said once while it lasts, never dropped quietly.
        if (!refusing) {
          refusing = true;
          stdout.write(noticeSequence(`[cw] typing refused: the program has not read the ${d.queued} bytes typed before (at most ${INPUT_QUEUE_MAX_BYTES})`, cols(), rows()));
        }
        return;
      }
      refusing = false;
      // The daemon's word that a person typed (nothing is typed over them; they size the session), at most one per
      // DIRECT_INPUT_NOTICE_MS, and not now: sent at once, it woke the daemon while the keystroke's echo was on
      // its way (two cores: the echo waited), so it follows the echo.
      if (!wordTimer && Date.now() - lastTypedWord >= DIRECT_INPUT_NOTICE_MS) wordTimer = setTimeout(sendTypedWord, DIRECT_INPUT_WORD_WAIT_MS);
    };
    const sendTypedWord = (): void => {
      if (wordTimer) clearTimeout(wordTimer);
      wordTimer = null;
      lastTypedWord = Date.now();
      if (id) f.channel.typed(id);
    };
    const onResize = (): void => {
      view?.resize(cols(), rows());
      // A read-only client sends its size too: it changes nothing, but the daemon draws its view clipped to it.
      if (id) f.channel.request('resize', { stream: id, cols: cols(), rows: rows() }).catch(() => {});
      // The next key goes through the daemon, behind the resize on the same connection: written straight into the
      // pty it could reach the program before the daemon resized it (`stty size` answered the old size).
      lastKeyAt = 0;
    };
    const restore = (): void => {
      if (noticeTimer) clearTimeout(noticeTimer);
      direct?.close();
      direct = null;
      if (wordTimer) clearTimeout(wordTimer);
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

    const opened = await attachOnce(ref);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onInput);
    stdout.on('resize', onResize);
    let how = await opened.done;
    // The daemon went away under us (`cw daemon restart`, or a crash): attach again to the same session.
    while (how.kind === 'lost' && sessionId) {
      id = 0;
      if (scrolling()) leaveScroll();
      // Meanwhile (a restart takes about a second; a daemon that is gone, up to RECONNECT_TIMEOUT_MS).
      stdout.write(noticeSequence(`[cw] the connection to the daemon was lost: attaching to session ${sessionId} again…`, cols(), rows()));
      const daemon = await f.again();
      if (!daemon) {
        how = { kind: 'error', message: `${how.message}, and no daemon answered within ${RECONNECT_TIMEOUT_MS / 1000}s` };
        break;
      }
      // Said in the last row once the screen is restored over the new connection (the restore clears the screen).
      afterRestart = `${restartedLine(daemon)}: attached to session ${sessionId} again`;
      try {
        how = await (await attachOnce(String(sessionId))).done;
      } catch (err) {
        how = { kind: 'error', message: (err as Error).message };
      }
    }
    restore();
    f.close();
    // The user's screen and cursor come back as they were at attach, so the message below starts a clean line.
    await new Promise<void>((r) => stdout.write(entered ? TERMINAL_RESET : '\r', () => r()));
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
}
