// Launching: checks a launch's arguments, records the session, makes its directory, log, screen, token, agent
// hook wiring and pty, and undoes all of it when the start fails.
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { homedir } from 'node:os';
import { ErrorCode, SESSION_NAME_RE, type OpArgs } from '../protocol/index.js';
import type * as z from 'zod/mini';
import { sessionDir } from '../common/paths.js';
import { CwError, invalid } from './errors.js';
import { buildEnv, chooseTerm, resolveCommand } from './environment.js';
import { DEFAULT_COLS, DEFAULT_ROWS, SCREEN_SCROLLBACK_LINES } from './limits.js';
import { OutputLog } from './output-log.js';
import { ActivityMonitor, type ActivityChange } from './activity-monitor.js';
import { AGENT_KINDS, agentProfile, type AgentKind } from './agents/index.js';
import { agentProgramIndex, detectAgent, isAgentKind } from './agents/detect.js';
import type { HookWiring } from './agents/types.js';
import { PtyProcess, type PtyExit, type PtyOptions } from './pty.js';
import { directPtyAvailable, spawnDirect } from './direct-pty.js';
import type { ScreenHost } from './screen.js';
import { pickConversation } from './conversation.js';
import { Session, type SessionHooks } from './session.js';
import { hashToken, newSessionToken } from './session-token.js';
import { insertSession, type SessionIdsDeps } from './session-ids.js';

export type LaunchArgs = z.output<(typeof OpArgs)['launch']>;

/** What a restart adds to a launch (revive.ts): the session it replaces. */
export interface LaunchExtra {
  restartedFrom?: number;
}

export interface LaunchContext extends SessionIdsDeps {
  screens: ScreenHost;
  /** `[agents] hooks` in the config: false turns the agents' own hooks off for every launch. */
  agentHooks: boolean;
  logRotateBytes: number;
  hooks: SessionHooks;
  running(): Session[];
  activityChanged(s: Session, c: ActivityChange): void;
}

/**
 * Starts a session and records its start ('session.created'); the caller adds it to the registry. A failure
 * leaves nothing behind (row, directory, screen) and keeps its error code: a bad argument is invalid_argument,
 * the daemon's own side (descriptors, disk) internal.
 */
export function launchSession(ctx: LaunchContext, args: LaunchArgs, extra: LaunchExtra = {}): Session {
  const [cmd] = args.command;
  if (!cmd) throw invalid('a command is required', 'cw launch -- CMD [ARGS]');
  if (args.name !== undefined) {
    if (!SESSION_NAME_RE.test(args.name)) {
      throw invalid(`invalid name '${args.name}'`, 'names are 1-64 of [a-zA-Z0-9._-], starting with a letter or digit');
    }
    const taken = ctx.running().find((s) => s.row.name === args.name);
    if (taken) {
      throw new CwError(ErrorCode.NAME_TAKEN, `name '${args.name}' is already used by running session ${taken.id}`, 'pick another --name, or `cw kill` that session first');
    }
  }
  const cwd = args.cwd ?? homedir();
  let cwdOk = false;
  try {
    cwdOk = statSync(cwd).isDirectory();
  } catch {
    cwdOk = false; // missing: reported below
  }
  if (!cwdOk) throw invalid(`directory '${cwd}' does not exist or is not a directory`, 'pass an existing directory with --dir');
  const base = args.baseEnv ?? (process.env as Record<string, string>);
  const pathVar = args.env.PATH ?? base.PATH;
  const file = resolveCommand(cmd, cwd, pathVar);
  if (!file) {
    throw invalid(
      cmd.includes('/') ? `command '${cmd}' does not exist or is not executable` : `command '${cmd}' not found in PATH`,
      'check the spelling, or give the full path to the program',
    );
  }
  const cols = args.cols ?? DEFAULT_COLS;
  const rows = args.rows ?? DEFAULT_ROWS;
  const createdAt = new Date().toISOString();
  if (args.agent !== undefined && !isAgentKind(args.agent)) {
    throw invalid(`unknown agent kind '${args.agent}'`, `kinds: ${AGENT_KINDS.join(', ')}`);
  }
  const agent: AgentKind = args.agent ?? detectAgent(args.command);
  // The conversation: one the command line picks (`--resume X`), or one cw names for a fresh run (Claude Code
  // `--session-id`), so that a restart can resume it whether or not a hook ever reports it. Like the hook
  // options, an added id is for this run only: `cw list` shows the command as given.
  const conversation = pickConversation(agent, args.command);
  const command = conversation.command;
  const id = insertSession(ctx, {
    name: args.name ?? null, command: args.command, cwd, tags: args.tags, agent, pid: null, createdAt, cols, rows,
    restartPolicy: args.restart, restartedFrom: extra.restartedFrom ?? null,
  });
  if (conversation.id) ctx.store.setConversation(id, conversation.id, null);
  const row = ctx.store.sessionRow(id);
  const session = new Session(row, ctx.hooks);
  const dir = sessionDir(ctx.paths, id);
  let log: OutputLog | null = null;
  /** Only a directory this launch made is removed when the launch fails. */
  let madeDir = false;
  const screen = ctx.screens.open(id, cols, rows, SCREEN_SCROLLBACK_LINES, {
    parsed: (n) => session.screenParsed(n),
    respond: (d) => session.screenResponse(d),
  });
  try {
    mkdirSync(ctx.paths.sessionsDir, { recursive: true, mode: 0o700 });
    // Not recursive: an existing directory (another session's logs) fails here rather than being appended to.
    mkdirSync(dir, { mode: 0o700 });
    madeDir = true;
    log = new OutputLog(dir, ctx.logRotateBytes, (m) => ctx.hooks.logError(session, m));
    const token = newSessionToken();
    ctx.store.setTokenHash(id, hashToken(token));
    const env = buildEnv({ base, overrides: args.env, term: chooseTerm(args.term), id, name: args.name ?? null, token });
    ctx.store.setLaunchSpec(id, { env: relaunchEnv(env), hooks: args.hooks });
    // The agent's own hooks/notify for this run only (never the user's files): the command cw runs may get
    // options after the agent's program word; `cw list` still shows the command as the user gave it.
    let argv = command.slice(1);
    const wired = args.hooks && ctx.agentHooks ? wireHooks(agent, command, dir, env) : undefined;
    const wiring = wired && 'argv' in wired ? wired : undefined;
    if (wiring) {
      for (const f of wiring.files) writeFileSync(f.path, f.content, { mode: 0o600 });
      Object.assign(env, wiring.env);
      argv = wiring.argv.slice(1);
    }
    session.signals.wiring = wiring ? wiring.summary : wired && 'unavailable' in wired ? `none: ${wired.unavailable}` : noWiring(agent, args.hooks, ctx.agentHooks);
    // The daemon reads the pty master itself (direct-pty.ts); node-pty when the addon is missing.
    const spawn = directPtyAvailable() ? spawnDirect : (o: PtyOptions, d: (b: Buffer, reused: boolean) => void, x: (e: PtyExit) => void) => new PtyProcess(o, (b) => d(b, false), x);
    const pty = spawn(
      { file, args: argv, cwd, env, cols, rows },
      (buf, reused) => session.handleOutput(buf, reused),
      (e) => session.handleExit(e),
    );
    row.pid = pty.pid;
    const activity = new ActivityMonitor(
      agent,
      screen,
      () => ({ lastOutputAt: session.lastOutputMs || Date.parse(createdAt), pid: session.pid, alive: session.running, ...(session.signals.hint ? { hint: session.signals.hint } : {}) }),
      (c) => ctx.activityChanged(session, c),
      (note, screenSays, hint) => ctx.recordEvent(id, 'activity.disagreement', { note, inferred: screenSays, hook: hint.activity, hookReason: hint.reason }),
    );
    session.start({ pty, log, screen, activity });
  } catch (err) {
    log?.close();
    screen.close();
    ctx.store.deleteSession(id);
    if (madeDir) rmSync(dir, { recursive: true, force: true });
    const files = outOfDescriptors(err);
    if (files) {
      ctx.log.error(`cannot start session for '${cmd}': ${files}`);
      throw new CwError(ErrorCode.INTERNAL, `could not start '${cmd}': ${files}`, 'end sessions you no longer need (`cw kill`), or raise the limit (`ulimit -n`) and restart the daemon (`cw stop`)');
    }
    // A failure that already has its code keeps it; the disk or the home refusing is the daemon's side,
    // not a bad argument; anything else is the program failing to start (exec format, permissions).
    if (err instanceof CwError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EROFS' || code === 'EDQUOT' || code === 'EIO') {
      throw new CwError(ErrorCode.INTERNAL, `could not start '${cmd}': ${code} writing ${ctx.paths.home}`, 'free some space or fix the disk, then launch again');
    }
    throw invalid(`could not start '${cmd}': ${(err as Error).message}`);
  }
  ctx.persist(`start of session ${id}`, () => ctx.store.updateLive({ id, outputBytes: 0, lastOutputAt: null, cols, rows, pid: row.pid }));
  ctx.recordEvent(id, 'session.created', {
    command: args.command, cwd, name: args.name ?? null, tags: args.tags, agent, hooks: session.signals.wiring,
    ...(conversation.id ? { conversation: conversation.id } : {}),
    ...(args.restart !== 'never' ? { restart: args.restart } : {}),
    ...(extra.restartedFrom !== undefined ? { restartedFrom: extra.restartedFrom } : {}),
  });
  return session;
}

/** The environment to start the same program with again: what it got, less cw's per-session variables (made anew). */
function relaunchEnv(env: Record<string, string>): Record<string, string> {
  const out = { ...env };
  delete out.CW_SESSION_ID;
  delete out.CW_SESSION_NAME;
  delete out.CW_SESSION_TOKEN;
  return out;
}

/** The hook wiring for one launch, or undefined when the agent offers none cw can use here. */
function wireHooks(agent: AgentKind, command: readonly string[], dir: string, env: Record<string, string>): HookWiring | { unavailable: string } | undefined {
  const hooks = agentProfile(agent).hooks;
  if (!hooks) return undefined;
  return hooks.wire({
    argv: command,
    programIndex: agentProgramIndex(command, agent),
    hookCommand: hookCommand(agent),
    dir,
    env,
    home: env.HOME ?? homedir(),
  });
}

/** Why a launch has no hook wiring, as `cw status` shows it; null for programs that have none to speak of. */
function noWiring(agent: AgentKind, asked: boolean, agentHooks: boolean): string | null {
  const profile = agentProfile(agent);
  if (!profile.typesNotices) return null; // shells and unknown programs have no hooks to speak of
  if (!asked) return 'off (--no-hooks)';
  if (!agentHooks) return 'off ([agents] hooks = false)';
  if (!profile.hooks) return `none: ${profile.label} offers no hooks cw uses yet (the screen decides alone)`;
  return `none: the ${profile.label} program is not a word of its own in the command (started inside a shell string, or --agent names another program)`;
}

/** The command an agent's hook runs: this very cw (absolute node and script), so PATH does not matter. */
function hookCommand(agent: AgentKind): string[] {
  return [process.execPath, fileURLToPath(new URL('./cw.js', import.meta.url)), 'hook', agent];
}

/**
 * When a launch failed for want of file descriptors, says so (with the counts when they can be read); null
 * otherwise. node-pty reports only "forkpty(3) failed." whatever the cause, so a failure without an errno is
 * checked by opening as many files as a session needs (pty master and slave, our slave handle, the log).
 */
function outOfDescriptors(err: unknown): string | null {
  const code = (err as NodeJS.ErrnoException).code;
  let out = code === 'EMFILE' || code === 'ENFILE' ? code : null;
  if (!out) {
    const fds: number[] = [];
    try {
      for (let i = 0; i < 4; i++) fds.push(openSync('/dev/null', 'r'));
    } catch (e) {
      const c = (e as NodeJS.ErrnoException).code;
      if (c === 'EMFILE' || c === 'ENFILE') out = c;
    } finally {
      for (const fd of fds) closeSync(fd);
    }
  }
  if (!out) return null;
  if (out === 'ENFILE') return 'the system has too many open files (ENFILE)';
  let counts = '';
  try {
    const limit = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
    const open = readdirSync('/proc/self/fd').length;
    counts = limit ? `: ${open} open, limit ${limit}` : '';
  } catch {
    counts = ''; // reading the counts needs descriptors too; the message stands without them
  }
  return `the daemon has too many open files (EMFILE${counts})`;
}
