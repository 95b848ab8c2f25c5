// Reviving sessions: `cw restart`, restart policies (`cw launch --restart`), and sessions found lost when the
// daemon starts (`[daemon] revive_lost`). A revival is a new session (a new id) launched like the old one: same
// command, directory, environment, name, tags and size; a recognised agent resumes its own conversation. The
// name moves to the new session, the two are linked both ways (restartedFrom / restartedAs), and each revival
// is a `session.revived` event.
import { ErrorCode, type RestartResult } from '../protocol/index.js';
import { isAgent } from './agents/index.js';
import { isAgentKind } from './agents/detect.js';
import { planRestart } from './conversation.js';
import { CwError, invalid } from './errors.js';
import type { LaunchArgs } from './launch.js';
import { RESTART_RESET_AFTER_MS } from './limits.js';
import type { Logger } from './log.js';
import type { Registry } from './registry.js';
import { decideRestart } from './restart-policy.js';
import type { Session } from './session.js';
import type { Store } from './store.js';

/** Why a session is revived, as the `session.revived` event says. */
export type ReviveReason = 'manual' | 'policy' | 'lost' | 'task';

/** `[daemon] revive_lost` in config.toml: which sessions found lost at start are revived (`--restart always` ones are, whatever it says). */
export type ReviveLost = 'none' | 'agents' | 'all';

export class Reviver {
  /** Restarts a policy has scheduled, by the id of the session that ended. */
  private readonly _timers = new Map<number, NodeJS.Timeout>();
  /** Quick failures in a row before each session a policy restarted (restart-policy.ts). */
  private readonly _failures = new Map<number, number>();

  constructor(
    private readonly _registry: Registry,
    private readonly _store: Store,
    private readonly _log: Logger,
    private readonly _reviveLost: ReviveLost,
  ) {
    _registry.events.on('ended', (s: Session) => this._ended(s));
    _registry.events.on('removed', (s: Session) => this._cancel(s.id));
  }

  /**
   * Starts `old` again as a new session and links the two. Refused while it runs (the caller kills it first for
   * `--force`) and when it was restarted already (its successor is the one to restart).
   */
  restart(old: Session, reason: ReviveReason, failures = 0): RestartResult {
    const r = old.row;
    if (old.running) throw invalid(`session ${old.id} is still running`, `\`cw restart --force ${old.id}\` ends it and starts it again; or \`cw kill ${old.id}\` first`);
    if (r.restartedAs !== null) throw invalid(`session ${old.id} was already restarted as session ${r.restartedAs}`, `restart that one: \`cw restart ${r.restartedAs}\``);
    const taken = r.name === null ? undefined : this._registry.running().find((s) => s.row.name === r.name);
    if (taken) {
      throw new CwError(ErrorCode.NAME_TAKEN, `cannot restart session ${old.id} as '${r.name}': running session ${taken.id} has that name now`, `end that one first (\`cw kill ${taken.id}\`)`);
    }
    this._cancel(old.id);
    const spec = this._store.launchSpec(old.id);
    const plan = planRestart(r, spec.env ?? process.env);
    const notes = [plan.note, spec.env ? null : "its environment was not recorded (launched by an older cw): it starts with the daemon's"].filter((n): n is string => n !== null);
    const note = notes.length ? notes.join('; ') : null;
    const args: LaunchArgs = {
      command: plan.command,
      cwd: r.cwd,
      tags: [...r.tags],
      // The recorded environment is what the program got, TERM included: it goes in whole, over nothing.
      env: spec.env ?? {},
      ...(spec.env ? { baseEnv: {} } : {}),
      cols: old.launchCols,
      rows: old.launchRows,
      ...(isAgentKind(r.agent) ? { agent: r.agent } : {}),
      ...(r.name !== null ? { name: r.name } : {}),
      waitReady: false,
      hooks: spec.hooks,
      restart: r.restartPolicy,
    };
    let s: Session;
    try {
      s = this._registry.launch(args, { restartedFrom: old.id });
    } catch (err) {
      // The launch's own hint speaks of `cw launch` options a restart does not take.
      if (err instanceof CwError) throw new CwError(err.code, `cannot restart session ${old.id}: ${err.message}`, 'launch it anew with `cw launch`, changing what no longer holds');
      throw err;
    }
    try {
      this._store.linkRestart(old.id, s.id);
    } catch (err) {
      // The new session runs; only the link is missing from the database (a full disk): said, not undone.
      this._log.warn(`database write failed (link of session ${old.id} to its restart ${s.id}): ${(err as { code?: string }).code ?? (err as Error).message}`);
    }
    r.restartedAs = s.id;
    r.name = null;
    if (reason === 'policy') this._failures.set(s.id, failures);
    this._registry.recordEvent(s.id, 'session.revived', { from: old.id, to: s.id, reason, resumed: plan.resumed !== null, conversation: plan.resumed, ...(note ? { note } : {}) });
    this._log.info(`session ${old.id} restarted as session ${s.id} (${reason})${plan.resumed ? `, resuming conversation ${plan.resumed}` : ''}${note ? `: ${note}` : ''}`);
    return { session: s.info(), previous: old.id, resumed: plan.resumed, note };
  }

  /**
   * Sessions the daemon found lost as it started (it died while they ran, or the machine rebooted): one line in
   * daemon.log, and those `[daemon] revive_lost` picks (or whose own policy is `always`) are revived once the
   * daemon is up.
   */
  lostAtStart(ids: readonly number[]): void {
    if (!ids.length) return;
    const picked = ids
      .map((id) => this._registry.sessions.get(id))
      .filter((s): s is Session => s !== undefined && (s.row.restartPolicy === 'always' || this._reviveLost === 'all' || (this._reviveLost === 'agents' && isAgent(s.row.agent))));
    const head = `sessions ${ids.join(', ')} were running when the previous daemon died: marked lost`;
    if (!picked.length) {
      this._log.info(`${head} (${ids.length}); \`cw restart ID\` revives one, or set [daemon] revive_lost = "agents" or "all" in config.toml to revive them when the daemon starts`);
      return;
    }
    this._log.info(`${head}; reviving ${picked.map((s) => s.id).join(', ')} ([daemon] revive_lost = "${this._reviveLost}"${picked.some((s) => s.row.restartPolicy === 'always') ? ', or --restart always' : ''})`);
    // Once the daemon is up (the rest of its start runs first): a revival is a launch like any other.
    setImmediate(() => {
      for (const s of picked) this._tryRestart(s, 'lost');
    });
  }

  /** A policy's restart or a lost session's revival: nobody waits on a reply, so a failure is an event and a log line. */
  private _tryRestart(s: Session, reason: ReviveReason, failures = 0): void {
    try {
      this.restart(s, reason, failures);
    } catch (err) {
      const message = err instanceof CwError && err.hint ? `${err.message} (${err.hint})` : (err as Error).message;
      this._log.warn(`session ${s.id} could not be restarted (${reason}): ${message}`);
      this._registry.recordEvent(s.id, 'session.revive.failed', { reason, message });
    }
  }

  /** A session ended: its restart policy decides (restart-policy.ts). */
  private _ended(s: Session): void {
    const r = s.row;
    const before = this._failures.get(s.id) ?? 0;
    this._failures.delete(s.id);
    if (r.restartPolicy === 'never') return;
    const ranMs = Math.max(0, Date.parse(r.endedAt ?? new Date().toISOString()) - Date.parse(r.createdAt));
    const d = decideRestart(r.restartPolicy, { state: r.state, exitCode: r.exitCode, signal: r.signal, ranMs }, before);
    if (d.action === 'none') return;
    const how = r.signal ? `died of ${r.signal}` : `exited with code ${r.exitCode}`;
    if (d.action === 'give-up') {
      const message = `session ${s.id} ${how}: ${d.failures} quick failures in a row (each run shorter than ${RESTART_RESET_AFTER_MS / 1000}s), not restarted again; \`cw restart ${s.id}\` tries once more`;
      this._log.warn(message);
      this._registry.recordEvent(s.id, 'session.revive.gave-up', { policy: r.restartPolicy, failures: d.failures, exitCode: r.exitCode, signal: r.signal, message });
      return;
    }
    this._registry.recordEvent(s.id, 'session.revive.scheduled', { policy: r.restartPolicy, inMs: d.delayMs, failures: d.failures, exitCode: r.exitCode, signal: r.signal });
    this._log.info(`session ${s.id} ${how}: restarting it in ${d.delayMs} ms (--restart ${r.restartPolicy}, ${d.failures} quick failures in a row)`);
    const timer = setTimeout(() => {
      this._timers.delete(s.id);
      // Removed, or restarted by hand meanwhile: nothing left to do.
      if (this._registry.sessions.get(s.id) !== s || s.row.restartedAs !== null) return;
      this._tryRestart(s, 'policy', d.failures);
    }, d.delayMs);
    timer.unref();
    this._timers.set(s.id, timer);
  }

  private _cancel(id: number): void {
    const t = this._timers.get(id);
    if (t) clearTimeout(t);
    this._timers.delete(id);
  }

  dispose(): void {
    for (const t of this._timers.values()) clearTimeout(t);
    this._timers.clear();
  }
}
