// Notifications, the daemon's part: follows the event stream, hands what matters to the policy (notify.ts), and
// sends what it lets through to every channel of [notify] (notify-senders.ts), detached from everything else: a
// sender that hangs or fails is one line in daemon.log, and the daemon never waits on it. config.toml is read
// again when it changes, so [notify] applies without a restart (a broken file keeps the last good settings).
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { loadDaemonConfig, type NotifyConfig } from '../common/config.js';
import { redactUrls } from '../common/redact.js';
import type { EventRecord } from '../protocol/index.js';
import type { Logger } from './log.js';
import { classify, NotifyPolicy, testNotification, type Notification } from './notify.js';
import { ringBell, sendCommand, sendDesktop, sendUrl, type BellTarget, type ChannelResult } from './notify-senders.js';

/** What the notifier needs of the registry. */
export interface NotifierRegistry {
  readonly events: { on(e: 'event', f: (ev: EventRecord) => void): unknown; off(e: 'event', f: (ev: EventRecord) => void): unknown };
  sessions: Map<number, { id: number; row: { name: string | null; agent: string } }>;
  running(): BellTarget[];
}

/** Agent kinds that have no turns: a shell's or a program's "turn" is every command it runs. */
const NOT_AGENTS = new Set(['shell', 'generic']);

export class Notifier {
  private readonly _policy: NotifyPolicy;
  private _timer: NodeJS.Timeout | null = null;
  private _config: NotifyConfig | null = null;
  private _configStamp = '';
  private readonly _onEvent = (ev: EventRecord): void => this._event(ev);

  constructor(
    private readonly _home: string,
    private readonly _registry: NotifierRegistry,
    private readonly _log: Logger,
    private readonly _now: () => number = Date.now,
  ) {
    this._policy = new NotifyPolicy({ now: _now });
    _registry.events.on('event', this._onEvent);
  }

  /** [notify] as config.toml says now; null without the section. Read again only when the file changed. */
  config(): NotifyConfig | null {
    const file = join(this._home, 'config.toml');
    let stamp = 'absent';
    try {
      const st = statSync(file);
      stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
    } catch {
      // no config.toml: no notifications
    }
    if (stamp === this._configStamp) return this._config;
    this._configStamp = stamp;
    try {
      this._config = loadDaemonConfig(this._home).notify ?? null;
    } catch (err) {
      this._log.warn(`notify: config.toml not read again, the previous [notify] stays: ${redactUrls((err as Error).message)}`);
    }
    return this._config;
  }

  private _event(ev: EventRecord): void {
    const n = classify(
      ev,
      (id) => {
        const s = this._registry.sessions.get(id);
        return s ? (s.row.name ?? String(s.id)) : null;
      },
      (id) => !NOT_AGENTS.has(this._registry.sessions.get(id)?.row.agent ?? 'generic'),
    );
    if (!n) return;
    const cfg = this.config();
    if (!cfg) return;
    if (this._policy.offer(n, cfg.on) === 'queued') this._schedule();
  }

  private _schedule(): void {
    if (this._timer) clearTimeout(this._timer);
    const due = this._policy.dueAt();
    if (due === null) return;
    this._timer = setTimeout(() => {
      this._timer = null;
      const n = this._policy.take();
      if (n) void this._send(n, 'notify');
      this._schedule();
    }, Math.max(0, due - this._now()));
    this._timer.unref();
  }

  /** Sends through every configured channel; each failure is one line in daemon.log. */
  private async _send(n: Notification, what: string): Promise<ChannelResult[]> {
    const cfg = this.config();
    if (!cfg) return [];
    const sends: Promise<ChannelResult>[] = [];
    if (cfg.command) sends.push(sendCommand(cfg.command, n));
    if (cfg.url) sends.push(sendUrl(cfg.url, n));
    if (cfg.desktop) sends.push(sendDesktop(n));
    if (cfg.bell) sends.push(Promise.resolve(ringBell(this._registry.running(), n)));
    const results = await Promise.all(sends);
    for (const r of results) if (!r.ok) this._log.warn(`${what}: ${r.channel} failed: ${r.detail}`);
    return results;
  }

  /** `cw notify test`: one test notification through every channel, and how each did. */
  test(): Promise<ChannelResult[]> {
    return this._send(testNotification(new Date(this._now()).toISOString()), 'notify test');
  }

  dispose(): void {
    this._registry.events.off('event', this._onEvent);
    if (this._timer) clearTimeout(this._timer);
    this._timer = null;
  }
}
