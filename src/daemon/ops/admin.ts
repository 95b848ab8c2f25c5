// Administration ops: ping, whoami, stop, daemon-restart, ui (the dashboard's login URL, starting the WebSocket listener if needed).
import type { Session } from '../session.js';
import { webLogin } from '../http/index.js';
import { VERSION } from '../../common/version.js';
import type { DaemonContext, Family } from './types.js';

export type AdminOp = 'ping' | 'whoami' | 'stop' | 'daemon-restart' | 'ui';

export function adminOps(ctx: DaemonContext): Family<AdminOp> {
  const { registry } = ctx;
  return {
    ping: () => ({ pong: true }),

    whoami: (_c, _raw, _req, who) => {
      const me = who.identity();
      return me.kind === 'session' ? { kind: 'session', session: me.session.info() } : { kind: 'operator', label: me.label };
    },

    // Reply first, then stop once the reply has left.
    stop: () => {
      setImmediate(() => ctx.stop());
      return { stopping: true, sessions: registry.running().map((s: Session) => s.info()).length };
    },

    // Ready first (a failure is the reply, nothing changed), then the reply, then the hand-over.
    'daemon-restart': async () => {
      const r = await ctx.restart();
      setImmediate(() => setImmediate(() => r.go()));
      return { restarting: true, sessions: r.sessions, fromVersion: VERSION, toVersion: r.toVersion, pid: process.pid };
    },

    ui: async () => webLogin(await ctx.ensureListener()),
  };
}
