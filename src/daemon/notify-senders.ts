// Notifications, the senders: a command (the notification as JSON on stdin), a URL (an ntfy-style POST), the
// desktop (notify-send, osascript) and the terminal bell of attached clients. Each resolves with one result and
// never rejects, never waits longer than NOTIFY_SEND_TIMEOUT_MS, and never says a secret: a URL is shown with its
// credentials and token redacted, and the command's own text is never shown at all.
import { spawn } from 'node:child_process';
import { redactUrl, redactUrls } from '../common/redact.js';
import { NOTIFY_SEND_TIMEOUT_MS } from './limits.js';
import type { Notification } from './notify.js';
import type { NotifyChannelResult } from '../protocol/index.js';

export type ChannelResult = NotifyChannelResult;

/** What the command reads on stdin: the notification, with its events, as one JSON document. */
export function notificationJson(n: Notification): string {
  return JSON.stringify({
    type: n.test ? 'test' : 'notification',
    title: n.title,
    message: n.message,
    priority: n.priority,
    tags: n.tags,
    kinds: n.kinds,
    count: n.count,
    events: n.events,
  });
}

/** Characters of a failing program's stderr kept in the result (its first line). */
const STDERR_KEEP_CHARS = 200;

/**
 * Runs `program args` (or `sh -c command`) in its own process group with `input` on stdin; ok when it exits 0
 * in time. A program still running at the timeout is killed with its group, so nothing it started lingers.
 */
function run(channel: ChannelResult['channel'], file: string, args: string[], input: string | null, env: NodeJS.ProcessEnv, what: string, timeoutMs: number): Promise<ChannelResult> {
  return new Promise((resolve) => {
    let stderr = '';
    let settled = false;
    const done = (ok: boolean, detail: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ channel, ok, detail: redactUrls(detail) });
    };
    const child = spawn(file, args, { stdio: ['pipe', 'ignore', 'pipe'], detached: true, env });
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone between the timeout and the kill
      }
      done(false, `${what} did not finish within ${timeoutMs / 1000} s and was killed`);
    }, timeoutMs);
    timer.unref();
    child.on('error', (err: NodeJS.ErrnoException) => done(false, err.code === 'ENOENT' ? `${what} is not installed` : `${what}: ${err.message}`));
    child.stderr!.on('data', (b: Buffer) => {
      if (stderr.length < STDERR_KEEP_CHARS * 4) stderr += b.toString('utf8');
    });
    // A command that does not read its stdin closes the pipe early: not a failure of ours.
    child.stdin!.on('error', () => {});
    child.stdin!.end(input ?? '');
    child.on('close', (code, signal) => {
      if (code === 0) return done(true, `${what} ran`);
      const first = stderr.split('\n').find((l) => l.trim())?.trim().slice(0, STDERR_KEEP_CHARS);
      done(false, `${what} ${signal ? `ended by ${signal}` : `exited with code ${code}`}${first ? `: ${first}` : ''}`);
    });
  });
}

/** [notify] command: `sh -c COMMAND`, the JSON on stdin, the title and message also in CW_NOTIFY_TITLE and CW_NOTIFY_MESSAGE. */
export function sendCommand(command: string, n: Notification, timeoutMs = NOTIFY_SEND_TIMEOUT_MS): Promise<ChannelResult> {
  const env = { ...process.env, CW_NOTIFY_TITLE: n.title, CW_NOTIFY_MESSAGE: n.message, CW_NOTIFY_KINDS: n.kinds.join(',') };
  return run('command', '/bin/sh', ['-c', command], notificationJson(n), env, 'the notify command', timeoutMs);
}

/** Header values are bytes on the wire: printable ASCII only (names and fixed words; the message is the body). */
const asciiHeader = (s: string): string => s.replace(/[^\x20-\x7e]/g, '?');

/**
 * [notify] url: a POST as ntfy and its kin take it: the message as a plain-text body, Title, Priority and Tags
 * headers. Credentials in the URL (https://user:pass@host/topic) become a Basic Authorization header, since
 * fetch refuses a URL that carries them.
 */
export async function sendUrl(url: string, n: Notification, timeoutMs = NOTIFY_SEND_TIMEOUT_MS): Promise<ChannelResult> {
  const shown = redactUrl(url);
  try {
    const u = new URL(url);
    const headers: Record<string, string> = {
      'Content-Type': 'text/plain; charset=utf-8',
      Title: asciiHeader(n.title),
      Priority: n.priority,
      Tags: asciiHeader(n.tags.join(',')),
    };
    if (u.username || u.password) {
      headers.Authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')}`;
      u.username = '';
      u.password = '';
    }
    const res = await fetch(u, { method: 'POST', headers, body: n.message, signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
    // The body is not needed; reading it frees the connection.
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) return { channel: 'url', ok: false, detail: `POST ${shown}: HTTP ${res.status}` };
    return { channel: 'url', ok: true, detail: `POST ${shown}: HTTP ${res.status}` };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === 'TimeoutError' ? `no answer within ${timeoutMs / 1000} s` : (e.cause?.code ?? e.cause?.message ?? e.message);
    return { channel: 'url', ok: false, detail: redactUrls(`POST ${shown}: ${why}`) };
  }
}

/** AppleScript string literal. */
const appleString = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** [notify] desktop: notify-send on Linux, osascript on macOS. */
export function sendDesktop(n: Notification, timeoutMs = NOTIFY_SEND_TIMEOUT_MS, platform = process.platform): Promise<ChannelResult> {
  if (platform === 'darwin') {
    const script = `display notification ${appleString(n.message)} with title ${appleString(n.title)}`;
    return run('desktop', 'osascript', ['-e', script], null, process.env, 'osascript', timeoutMs);
  }
  if (platform === 'linux' || platform === 'freebsd' || platform === 'openbsd') {
    const args = ['--app-name=codewire', `--urgency=${n.priority === 'high' ? 'critical' : 'normal'}`, '--', n.title, n.message];
    return run('desktop', 'notify-send', args, null, process.env, 'notify-send (libnotify)', timeoutMs);
  }
  return Promise.resolve({ channel: 'desktop', ok: false, detail: `no desktop notifier on ${platform}` });
}

/** What the bell needs of a session: its clients, each an attached terminal or a watcher. */
export interface BellTarget {
  clients: Iterable<{ kind: 'attach' | 'watch'; output(buf: Uint8Array): void }>;
}

/**
 * [notify] bell: BEL, then OSC 9 with the title (a desktop notification in iTerm2, kitty, WezTerm, Windows
 * Terminal...), as output to every attached terminal: never into a program (it would read it as typed input),
 * never into the log or the screen (they are the program's own output), never to `cw watch` (a pipe).
 * It goes between two chunks of the program's output: a chunk that ended inside an escape sequence would have
 * it cut short, which a terminal shows as at most one garbled cell; BEL inside a CSI sequence is harmless.
 */
export function ringBell(sessions: Iterable<BellTarget>, n: Notification): ChannelResult {
  const text = n.title.replace(/[\x00-\x1f\x7f-\x9f;]/g, ' ').slice(0, 200);
  const bytes = Buffer.from(`\x07\x1b]9;${text}\x07`);
  let terminals = 0;
  for (const s of sessions) {
    for (const c of s.clients) {
      if (c.kind !== 'attach') continue;
      c.output(bytes);
      terminals++;
    }
  }
  return { channel: 'bell', ok: true, detail: terminals ? `rang ${terminals} attached terminal${terminals === 1 ? '' : 's'}` : 'no terminal is attached: nothing rang' };
}
