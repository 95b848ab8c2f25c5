// The cockpit's shell: the terminal (raw mode, alternate screen, restored on every way out), keys and mouse,
// timers, and the daemons (sources). Everything it shows is decided by model.ts and drawn by render.ts; this file
// only moves data between them and the terminal.
import { writeSync } from 'node:fs';
import type { EventRecord } from '../../protocol/messages.js';
import { childProcess } from '../../common/builtins.js';
import { launchArgs } from '../../common/launch-args.js';
import { redactUrls } from '../../common/redact.js';
import { safeLine } from '../../common/terminal-text.js';
import { COCKPIT_FLEET_REFRESH_MS, COCKPIT_FRAME_MS, COCKPIT_LIST_COALESCE_MS, COCKPIT_NOTICE_MS, COCKPIT_PREVIEW_COALESCE_MS, COCKPIT_REFRESH_MS } from '../../common/limits.js';
import type { DaemonTarget } from '../run.js';
import { parseKeys, type Key } from './keys.js';
import { findSession, initialState, keepSelection, listLines, moveSelection, refAtRow, shellWords, type CockpitState, type MachineView, type RowRef } from './model.js';
import { render, type Layout } from './render.js';
import { diffFrame, ENTER_SCREEN, LEAVE_SCREEN } from './screen.js';
import { Source } from './source.js';

/** A daemon to show, and how a child `cw` reaches it (for attach): its global options; a token goes in the environment. */
export interface CockpitMachine {
  key: string;
  label: string;
  target: DaemonTarget;
  /** `--server NAME` (and `--ca`, `--pin`) for `cw attach`; empty for this machine. */
  cliArgs: string[];
  /** Set in (or, undefined, removed from) the child's environment. */
  cliEnv: Record<string, string | undefined>;
  /** Why this machine cannot be reached at all (a fleet node without a URL or a token): shown in its header. */
  unavailable?: string;
}

/** Runs `fn` at most once per `ms`, the last call winning; calls in between are folded into one. */
class Throttle {
  private _timer: NodeJS.Timeout | null = null;
  private _last = 0;
  constructor(
    private readonly _ms: number,
    private readonly _fn: () => void,
  ) {}
  kick(): void {
    if (this._timer) return;
    const wait = Math.max(0, this._last + this._ms - Date.now());
    this._timer = setTimeout(() => {
      this._timer = null;
      this._last = Date.now();
      this._fn();
    }, wait);
  }
  cancel(): void {
    if (this._timer) clearTimeout(this._timer);
    this._timer = null;
  }
}

/** This process's environment with `changes` applied (an undefined value removes the variable). */
function childEnv(changes: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const [k, v] of Object.entries(changes)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  return env;
}

/** Dialog answers: the key pressed is what the session gets (the way `cw send --key` types it). */
const DIALOG_KEYS: Record<string, string> = { '1': '1', '2': '2', '3': '3', y: 'y', n: 'n' };

/** Runs the cockpit until the user quits (or a signal); resolves with the exit code. The terminal is restored first. */
export async function runCockpit(
  shownFirst: CockpitMachine[],
  /**
   * The fleet's nodes as machines, asked again now and then (none without [nats]); `answered` false when the
   * fleet could not be asked (then `machines` holds one saying why, and the nodes already shown stay).
   */
  opts: { fleet?: () => Promise<{ machines: CockpitMachine[]; answered: boolean }> } = {},
): Promise<number> {
  const machines = [...shownFirst];
  const stdin = process.stdin;
  const stdout = process.stdout;
  const state: CockpitState = initialState(machines.map((m): MachineView => ({ key: m.key, label: m.label, sessions: [], error: null })));
  let prev: string[] | null = null;
  let lay: Layout = { listTop: 1, listHeight: 0, previewTop: -1, previewHeight: 0 };
  let suspended = false;
  let finished = false;
  let noticeTimer: NodeJS.Timeout | null = null;
  let resolveDone!: (code: number) => void;
  const done = new Promise<number>((r) => (resolveDone = r));

  const draw = (): void => {
    if (suspended || finished) return;
    const frame = render(state, stdout.columns || 80, stdout.rows || 24, Date.now());
    state.scroll = frame.scroll;
    lay = frame.layout;
    const out = diffFrame(prev, frame.lines);
    prev = frame.lines;
    if (out) stdout.write(out);
  };
  const frame = new Throttle(COCKPIT_FRAME_MS, draw);
  const redraw = (): void => frame.kick();

  const notice = (text: string, error = false): void => {
    state.notice = { text: safeLine(redactUrls(text), 300), error };
    if (noticeTimer) clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => {
      state.notice = null;
      redraw();
    }, COCKPIT_NOTICE_MS);
    redraw();
  };

  const sources = new Map<string, Source>();
  const machineOf = (key: string): CockpitMachine => machines.find((m) => m.key === key)!;
  const viewOf = (key: string): MachineView => state.machines.find((m) => m.key === key)!;

  const reselect = (): void => {
    state.selected = keepSelection(listLines(state.machines, state.filter), state.selected);
    previewThrottle.kick();
  };

  // The preview: follow the selected session's output, and read its screen when it changes (coalesced).
  const updatePreview = async (): Promise<void> => {
    const ref = state.selected;
    const s = findSession(state.machines, ref);
    for (const [key, src] of sources) if (key !== ref?.machine) void src.follow(null, false).catch(() => {});
    if (!ref || !s) {
      state.preview = null;
      redraw();
      return;
    }
    const src = sources.get(ref.machine)!;
    void src.follow(ref.id, s.state === 'running').catch(() => {
      // the daemon is unreachable: its header says so, and the next refresh reconnects
    });
    try {
      const r = await src.request('screen', { session: String(ref.id) });
      if (state.selected?.machine === ref.machine && state.selected.id === ref.id) {
        state.preview = { ref, lines: r.text.split('\n'), cols: r.cols, rows: r.rows };
        redraw();
      }
    } catch {
      // removed meanwhile (cw rm) or the daemon went away: the list refresh shows which
    }
  };
  const previewThrottle = new Throttle(COCKPIT_PREVIEW_COALESCE_MS, () => void updatePreview());

  const refreshMessages = (): void => {
    if (state.view !== 'messages') return;
    for (const [key, src] of sources) {
      src.request('messages', {}).then(
        (r) => {
          state.messages.set(key, r);
          redraw();
        },
        (err: Error) => notice(`messages from ${viewOf(key).label}: ${err.message}`, true),
      );
    }
  };
  const messagesThrottle = new Throttle(COCKPIT_LIST_COALESCE_MS, refreshMessages);

  const listThrottles = new Map<string, Throttle>();
  /** Starts showing machine `m` (already in `machines` and the state): its daemon, or why it cannot be reached. */
  const startMachine = (m: CockpitMachine): void => {
    if (m.unavailable) {
      viewOf(m.key).error = m.unavailable;
      return;
    }
    const listThrottle: Throttle = new Throttle(COCKPIT_LIST_COALESCE_MS, () => void sources.get(m.key)?.refresh());
    listThrottles.set(m.key, listThrottle);
    const src = new Source(m.key, m.target, {
      list: (sessions, error) => {
        const v = state.machines.find((x) => x.key === m.key);
        if (!v) return; // no longer shown (a fleet node that left)
        if (sessions) v.sessions = sessions;
        v.error = error;
        reselect();
        redraw();
      },
      event: (e: EventRecord) => {
        listThrottle.kick();
        if (state.selected?.machine === m.key && e.sessionId === state.selected.id) previewThrottle.kick();
        if (/^(message|request|task|reply|work)\./.test(e.type)) messagesThrottle.kick();
      },
      output: (id) => {
        if (state.selected?.machine === m.key && state.selected.id === id) previewThrottle.kick();
      },
    });
    sources.set(m.key, src);
  };
  for (const m of machines) startMachine(m);

  /** Stops showing machine `key`: a fleet node that left, or changed (it is started again as it is now). */
  const stopMachine = (key: string): void => {
    if (!machines.some((m) => m.key === key)) return;
    sources.get(key)?.dispose();
    sources.delete(key);
    listThrottles.get(key)?.cancel();
    listThrottles.delete(key);
    state.messages.delete(key);
    machines.splice(machines.findIndex((m) => m.key === key), 1);
    state.machines.splice(state.machines.findIndex((m) => m.key === key), 1);
    if (state.selected?.machine === key) state.selected = null;
  };

  // Fleet nodes come and go: asked at once (the first frame does not wait for NATS), then every
  // COCKPIT_FLEET_REFRESH_MS; a node that left is taken out, a changed one (a URL now, a token) started anew.
  const fleetKeys = new Set<string>();
  let syncingFleet = false;
  const syncFleet = async (): Promise<void> => {
    if (!opts.fleet || syncingFleet || finished) return;
    syncingFleet = true;
    try {
      const got = await opts.fleet().catch(() => null);
      if (!got || finished) return;
      const now = got.machines;
      const same = (a: CockpitMachine, b: CockpitMachine): boolean =>
        a.label === b.label && a.unavailable === b.unavailable && a.target.remote?.url === b.target.remote?.url && a.target.remote?.token === b.target.remote?.token;
      // The fleet could not be asked this time (a line says why): the nodes stay as they were, not taken out.
      for (const key of [...fleetKeys]) {
        const next = now.find((m) => m.key === key);
        if (next ? same(machineOf(key), next) : !got.answered) continue;
        stopMachine(key);
        fleetKeys.delete(key);
      }
      for (const m of now) {
        if (machines.some((x) => x.key === m.key)) continue;
        machines.push(m);
        state.machines.push({ key: m.key, label: m.label, sessions: [], error: null });
        fleetKeys.add(m.key);
        startMachine(m);
        void sources.get(m.key)?.refresh();
      }
      reselect();
      redraw();
    } finally {
      syncingFleet = false;
    }
  };
  const fleetTimer = opts.fleet ? setInterval(() => void syncFleet(), COCKPIT_FLEET_REFRESH_MS) : null;
  const refreshAll = (): void => {
    for (const src of sources.values()) void src.refresh();
    refreshMessages();
  };
  const periodic = setInterval(() => {
    refreshAll();
    redraw(); // ages move on even when nothing happens
  }, COCKPIT_REFRESH_MS);
  // A clock for the ages between refreshes: once a second.
  const clock = setInterval(redraw, 1000);

  const selectedSession = () => findSession(state.machines, state.selected);
  const act = (p: Promise<unknown>, ok: string): void => {
    p.then(
      () => {
        notice(ok);
        refreshAll();
      },
      (err: Error) => notice(err.message, true),
    );
  };
  const label = (ref: RowRef): string => {
    const s = findSession(state.machines, ref);
    return `${ref.id}${s?.name ? ` ${safeLine(s.name, 64)}` : ''}`;
  };
  const sendKeys = (ref: RowRef, keys: string, what: string): void => {
    act(sources.get(ref.machine)!.request('send', { session: String(ref.id), keys: Buffer.from(keys, 'latin1') }), `${what} → ${label(ref)}`);
    previewThrottle.kick();
  };

  /** Leaves the screen, runs `cw attach` in this terminal, and comes back when it detaches or the session ends. */
  const attach = async (ref: RowRef): Promise<void> => {
    const m = machineOf(ref.machine);
    suspend();
    const code = await new Promise<number>((resolve) => {
      const child = childProcess().spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...m.cliArgs, 'attach', String(ref.id)], {
        stdio: 'inherit',
        env: childEnv(m.cliEnv),
      });
      child.on('error', () => resolve(1));
      child.on('exit', (c) => resolve(c ?? 1));
    });
    resume();
    if (code !== 0) notice(`cw attach ${ref.id} exited ${code}`, true);
    refreshAll();
  };

  const startPrompt = (kind: 'send' | 'launch' | 'filter'): void => {
    state.prompt = { kind, text: kind === 'filter' ? state.filter : '' };
    redraw();
  };

  const submitPrompt = (): void => {
    const p = state.prompt;
    if (!p || p.kind === 'kill') return;
    state.prompt = null;
    if (p.kind === 'filter') return redraw();
    if (p.kind === 'send') {
      const ref = state.selected;
      if (!ref || !p.text) return redraw();
      act(sources.get(ref.machine)!.request('send', { session: String(ref.id), text: Buffer.from(p.text), enter: true }), `sent a line → ${label(ref)}`);
      previewThrottle.kick();
      return;
    }
    let command: string[];
    try {
      command = shellWords(p.text);
    } catch (err) {
      return notice((err as Error).message, true);
    }
    if (command.length === 0) return redraw();
    const key = state.selected?.machine ?? machines[0]!.key;
    const remote = machineOf(key).target.remote !== null;
    const src = sources.get(key)!;
    src.request('launch', launchArgs({ command }, remote)).then(
      (r) => {
        notice(`launched session ${r.session.id}: ${safeLine(command.join(' '), 80)}`);
        state.selected = { machine: key, id: r.session.id };
        void src.refresh();
      },
      (err: Error) => notice(err.message, true),
    );
  };

  const onPromptKey = (k: Key): void => {
    const p = state.prompt!;
    if (p.kind === 'kill') {
      state.prompt = null;
      if (k.name === 'char' && (k.ch === 'y' || k.ch === 'Y')) act(sources.get(p.ref.machine)!.request('kill', { sessions: [String(p.ref.id)] }), `killed ${p.label}`);
      return redraw();
    }
    if (k.name === 'enter') return submitPrompt();
    if (k.name === 'esc' || k.name === 'ctrl-c') {
      if (p.kind === 'filter') state.filter = '';
      state.prompt = null;
    } else if (k.name === 'backspace') p.text = [...p.text].slice(0, -1).join('');
    else if (k.name === 'ctrl-u') p.text = '';
    else if (k.name === 'char') p.text += k.ch;
    else if (k.name === 'tab') p.text += ' ';
    if (p.kind === 'filter' && state.prompt) {
      state.filter = p.text;
      reselect();
    }
    redraw();
  };

  const move = (by: number | 'first' | 'last'): void => {
    state.selected = moveSelection(listLines(state.machines, state.filter), state.selected, by);
    previewThrottle.kick();
    redraw();
  };

  const onKey = (k: Key): void => {
    if (state.prompt) return onPromptKey(k);
    if (k.name === 'ctrl-c' || (k.name === 'char' && k.ch === 'q')) return quit(0);
    if (state.view !== 'sessions') {
      if (k.name === 'esc' || (k.name === 'char' && (k.ch === 'm' || k.ch === '?'))) {
        state.view = 'sessions';
        prev = null;
        redraw();
      }
      return;
    }
    const s = selectedSession();
    const ref = state.selected;
    const waiting = s?.state === 'running' && s.activity === 'waiting_for_input';
    if (k.name === 'mouse') return onMouse(k);
    if (waiting && ref) {
      if (k.name === 'char' && DIALOG_KEYS[k.ch]) return sendKeys(ref, DIALOG_KEYS[k.ch]!, `answered ${k.ch}`);
      if (k.name === 'enter') return sendKeys(ref, '\r', 'answered Enter');
      if (k.name === 'esc') return sendKeys(ref, '\x1b', 'answered Esc');
    }
    const page = Math.max(1, lay.listHeight - 1);
    switch (k.name) {
      case 'up':
        return move(-1);
      case 'down':
        return move(1);
      case 'pgup':
        return move(-page);
      case 'pgdn':
        return move(page);
      case 'home':
        return move('first');
      case 'end':
        return move('last');
      case 'enter':
        if (ref && s?.state === 'running') void attach(ref);
        else if (ref) notice(`session ${ref.id} has ended: nothing to attach to`, true);
        return;
      case 'esc':
        state.filter = '';
        state.notice = null;
        reselect();
        return redraw();
      case 'char':
        break;
      default:
        return;
    }
    switch (k.ch) {
      case 'j':
        return move(1);
      case 'k':
        return move(-1);
      case 'g':
        return move('first');
      case 'G':
        return move('last');
      case 'a':
        if (ref && s?.state === 'running') void attach(ref);
        return;
      case 's':
        if (ref && s?.state === 'running') startPrompt('send');
        else notice('select a running session to send to', true);
        return;
      case 'l':
        return startPrompt('launch');
      case '/':
        return startPrompt('filter');
      case 'x':
        if (ref && s?.state === 'running') {
          state.prompt = { kind: 'kill', ref, label: label(ref) };
          redraw();
        }
        return;
      case 'm':
        state.view = 'messages';
        refreshMessages();
        return redraw();
      case '?':
        state.view = 'help';
        return redraw();
      case 'r':
        refreshAll();
        return;
    }
  };

  const onMouse = (k: Key & { name: 'mouse' }): void => {
    if (k.release) return;
    if (k.button === 64) return move(-3);
    if (k.button === 65) return move(3);
    if (k.button !== 0) return;
    const y = k.y - lay.listTop;
    if (y < 0 || y >= lay.listHeight) return;
    const ref = refAtRow(listLines(state.machines, state.filter), state.scroll, y);
    if (ref) {
      state.selected = ref;
      previewThrottle.kick();
      redraw();
    }
  };

  const onData = (chunk: Buffer): void => {
    for (const k of parseKeys(chunk.toString('utf8'))) {
      if (suspended || finished) return;
      onKey(k);
    }
  };
  const onResize = (): void => {
    prev = null;
    redraw();
  };

  /** The terminal as the cockpit needs it. */
  function resume(): void {
    suspended = false;
    stdin.setRawMode(true);
    stdin.on('data', onData);
    stdin.resume();
    stdout.write(ENTER_SCREEN);
    prev = null;
    redraw();
  }
  /** The terminal as it was: for `cw attach`, and on the way out. Idempotent. */
  function suspend(): void {
    if (suspended) return;
    suspended = true;
    stdin.off('data', onData);
    stdin.pause();
    try {
      stdin.setRawMode(false);
    } catch {
      // the terminal is gone (the window was closed): nothing left to restore
    }
    try {
      // Synchronously: on the way out of a signal or a crash there is no later tick to flush a queued write.
      writeSync(1, LEAVE_SCREEN);
    } catch {
      // the terminal is gone
    }
  }
  function quit(code: number): void {
    if (finished) return;
    suspend();
    finished = true;
    frame.cancel();
    previewThrottle.cancel();
    messagesThrottle.cancel();
    clearInterval(periodic);
    clearInterval(clock);
    if (fleetTimer) clearInterval(fleetTimer);
    if (noticeTimer) clearTimeout(noticeTimer);
    process.off('SIGTERM', onTerm);
    process.off('SIGHUP', onHup);
    process.off('SIGINT', onInt);
    process.off('exit', onExit);
    process.off('uncaughtException', onCrash);
    stdout.off('resize', onResize);
    for (const src of sources.values()) src.dispose();
    resolveDone(code);
  }
  const onTerm = (): void => quit(128 + 15);
  const onHup = (): void => quit(128 + 1);
  const onInt = (): void => quit(128 + 2);
  const onExit = (): void => suspend();
  const onCrash = (err: Error): void => {
    suspend();
    process.stderr.write(`cw: top: ${err.stack ?? err.message}\n`);
    quit(1);
  };
  process.on('SIGTERM', onTerm);
  process.on('SIGHUP', onHup);
  process.on('SIGINT', onInt);
  process.on('exit', onExit);
  process.on('uncaughtException', onCrash);
  stdout.on('resize', onResize);

  resume();
  refreshAll();
  void syncFleet();
  return done;
}
