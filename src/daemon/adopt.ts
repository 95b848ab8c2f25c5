// Taking over a session from the previous daemon (handover.ts): its row is in the database, its program runs, its
// pty descriptors were kept across the exec. What is rebuilt here: the screen (the serialized one replayed into a
// new terminal), the log (appended to, as before), the activity monitor, what the agent said through its hooks,
// and the output the previous daemon had read but not delivered, which goes out first.
import { sessionDir } from '../common/paths.js';
import { ActivityMonitor } from './activity-monitor.js';
import { DirectPty, type Reaper } from './direct-pty.js';
import { isAgentKind } from './agents/detect.js';
import type { HandedSession } from './handover.js';
import type { LaunchContext } from './launch.js';
import { SCREEN_SCROLLBACK_LINES } from './limits.js';
import type { HandoverAddon } from './native.js';
import { OutputLog } from './output-log.js';
import type { Screen } from './screen.js';
import type { Session } from './session.js';

/** The activity monitor of a session: inference from its screen, weighed against its agent's hooks. */
export function monitorActivity(ctx: Pick<LaunchContext, 'activityChanged' | 'recordEvent'>, session: Session, screen: Screen, startedAt: number): ActivityMonitor {
  return new ActivityMonitor(
    isAgentKind(session.row.agent) ? session.row.agent : 'generic',
    screen,
    () => ({ lastOutputAt: session.lastOutputMs || startedAt, pid: session.pid, alive: session.running, ...(session.signals.hint ? { hint: session.signals.hint } : {}) }),
    (c) => ctx.activityChanged(session, c),
    (note, screenSays, hint) => ctx.recordEvent(session.id, 'activity.disagreement', { note, inferred: screenSays, hook: hint.activity, hookReason: hint.reason }),
  );
}

/** Makes `session` (a running row) live again on the handed-over pty. Throws when its log cannot be opened. */
export function adoptSession(ctx: LaunchContext, session: Session, h: HandedSession, addon: HandoverAddon, reaper: Reaper): void {
  const id = session.id;
  const log = new OutputLog(sessionDir(ctx.paths, id), ctx.logRotateBytes, (m) => ctx.hooks.logError(session, m));
  const screen = ctx.screens.open(id, h.cols, h.rows, SCREEN_SCROLLBACK_LINES, {
    parsed: (n) => session.screenParsed(n),
    respond: (d) => session.screenResponse(d),
  });
  // The screen as it was: a replay of cells, cursor and modes; it asks the terminal nothing, so nothing answers.
  if (h.screen) screen.write(Buffer.from(h.screen, 'utf8'));
  session.signals.turnStartedAt = h.turnStartedAt;
  session.signals.wiring = h.wiring;
  if (h.lastMessage) session.signals.lastMessage = h.lastMessage;
  const pty = new DirectPty(
    h,
    addon,
    reaper,
    (buf, reused) => session.handleOutput(buf, reused),
    (e) => session.handleExit(e),
  );
  session.start({ pty, log, screen, activity: monitorActivity(ctx, session, screen, Date.now()) });
  // Before anything the pty yields (that comes in a later turn of the loop).
  for (const b of h.pending) session.handleOutput(Buffer.from(b, 'base64'));
}
