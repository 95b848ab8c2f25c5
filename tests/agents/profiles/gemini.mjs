// Gemini CLI, offline: an isolated HOME whose ~/.gemini/settings.json picks API-key auth and turns off
// auto-update and usage statistics; GOOGLE_GEMINI_BASE_URL points the API client at the fake model (plain
// http is allowed only for loopback) and GEMINI_API_KEY is a fake key.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageName = '@google/gemini-cli';

/**
 * @param {*} ctx the capture context
 * @param {{ name?: string, trusted?: boolean, hooksLog?: string, settings?: object, args?: string[], env?: Record<string,string> }} opts
 *   trusted: the project folder is already in trustedFolders.json (default false: the trust question comes up).
 *   hooksLog: a hook on every event, each appending {event, argv, env, payload} as a JSON line to this file. The
 *     hooks go into the fake HOME's settings, or with hooksDefaultsDir into GEMINI_CLI_SYSTEM_DEFAULTS_PATH there.
 *   settings: top-level keys replacing those of the fake HOME's settings.json. args/env: extra arguments/variables.
 */
export async function launch(ctx, opts = {}) {
  const { home, work } = ctx.dirs(opts.name ?? 'main');
  const gemini = join(home, '.gemini');
  mkdirSync(gemini, { recursive: true });
  const hooks = opts.hooksLog ? hookSettings(join(home, '..', 'cw-hooks'), opts.hooksLog) : undefined;
  const settings = {
    security: { auth: { selectedType: 'gemini-api-key' } },
    general: { enableAutoUpdate: false, enableAutoUpdateNotification: false },
    privacy: { usageStatisticsEnabled: false },
    telemetry: { enabled: false },
    ...(hooks && !opts.hooksDefaultsDir ? { hooks } : {}),
    ...(opts.settings ?? {}),
  };
  writeFileSync(join(gemini, 'settings.json'), JSON.stringify(settings, null, 2));
  if (opts.trusted) writeFileSync(join(gemini, 'trustedFolders.json'), JSON.stringify({ [work]: 'TRUST_FOLDER' }, null, 2));

  const env = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    GEMINI_API_KEY: 'fake-gemini-key',
    GOOGLE_GEMINI_BASE_URL: ctx.model.url,
    ...(opts.env ?? {}),
  };
  if (hooks && opts.hooksDefaultsDir) {
    // The per-run layer. Gemini skips it (with a "Security Warning" line) unless the file and every folder
    // above it are owned by root and not group/world-writable: so only root can use it, and never under /tmp.
    mkdirSync(opts.hooksDefaultsDir, { recursive: true, mode: 0o700 });
    const file = join(opts.hooksDefaultsDir, 'system-defaults.json');
    writeFileSync(file, JSON.stringify({ hooks }, null, 2), { mode: 0o600 });
    env.GEMINI_CLI_SYSTEM_DEFAULTS_PATH = file;
  }
  return { file: ctx.bin, args: opts.args ?? [], env, cwd: work };
}

export const HOOK_EVENTS = ['SessionStart', 'SessionEnd', 'BeforeAgent', 'AfterAgent', 'BeforeModel', 'AfterModel', 'BeforeToolSelection', 'BeforeTool', 'AfterTool', 'PreCompress', 'Notification'];

/** A hook on every event running a small logger script (written into `dir`) that appends to `logFile`. */
function hookSettings(dir, logFile) {
  mkdirSync(dir, { recursive: true });
  mkdirSync(dirname(logFile), { recursive: true });
  const script = join(dir, 'hook.mjs');
  // Prints nothing (stdout must be JSON or empty) and always exits 0.
  writeFileSync(
    script,
    `import { appendFileSync } from 'node:fs';
let s = '';
process.stdin.on('data', (d) => (s += d));
process.stdin.on('end', () => {
  let payload = s;
  try { payload = JSON.parse(s); } catch {}
  const pick = ['CW_SESSION_TOKEN', 'CW_PANE', 'GEMINI_SESSION_ID', 'GEMINI_PROJECT_DIR', 'GEMINI_CWD', 'GEMINI_API_KEY'];
  const env = Object.fromEntries(pick.map((k) => [k, process.env[k] ?? null]));
  appendFileSync(${JSON.stringify(logFile)}, JSON.stringify({ at: Date.now(), event: process.argv[2], argv: process.argv.slice(2), env, payload }) + '\\n');
});
`,
  );
  const hooks = {};
  for (const ev of HOOK_EVENTS) {
    const entry = { hooks: [{ type: 'command', name: `cw-${ev}`, command: `"${process.execPath}" "${script}" ${ev}`, timeout: 5000 }] };
    hooks[ev] = [ev === 'Notification' ? { matcher: 'ToolPermission', ...entry } : entry];
  }
  return hooks;
}

// ---- scenarios ----

const TRUST = /Do you trust the files in this folder\?/;
const PROMPT = /Type your message or @path\/to\/file/;
const PERMISSION = /Allow execution of|Allow once/;
const ready = (s) => s.title.includes('◇') && !/esc to cancel/.test(s.lines.join('\n'));
const waitReady = (p, what = 'the ready prompt', timeoutMs = 45_000) => p.waitFor((s, t) => ready(s) && PROMPT.test(t), { what, timeoutMs });

/** Time since the agent last wrote anything, for captures taken mid-output (the fixtures default to a quiet screen). */
function trackOutput(p) {
  p.lastOutputAt = Date.now();
  p.pty.onData(() => (p.lastOutputAt = Date.now()));
  return p;
}

/** ctx.capture, plus a quietMs header line when the capture was taken while the agent was still writing. */
function capture(ctx, p, name, expect, note, { screen = p.screen(), quietMs } = {}) {
  const file = ctx.capture(p, name, expect, note, screen);
  if (quietMs !== undefined) {
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.replace(/^(cursor: .*)$/m, `$1\nquietMs: ${quietMs}`));
  }
  return file;
}

const sinceOutput = (p) => Math.max(0, Date.now() - p.lastOutputAt);

/**
 * Types a prompt and sends it. Gemini turns an Enter processed within 30 ms of a typed key into a newline
 * (bufferFastReturn), which a busy event loop can cause even 150 ms later: so wait for the text to show,
 * press Enter, and press it once more if the prompt was not taken.
 */
async function submit(p, text, { paste = false } = {}) {
  const probe = text.slice(0, 24);
  await p.type(text, { enter: false, paste });
  await p.waitFor((s, t) => t.includes(probe), { what: `the typed text ${JSON.stringify(probe)}`, timeoutMs: 10_000 });
  await p.settle(300, 3000);
  const composer = (s) => {
    const lines = s.lines;
    let top = -1;
    for (let i = lines.length - 1; i >= 0; i--) if (/^\s*▄{8,}\s*$/.test(lines[i])) { top = i; break; }
    return top < 0 ? '' : lines.slice(top + 1, top + 4).join('\n');
  };
  const taken = Object.assign((s) => !composer(s).includes(probe), { allowExit: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    p.write('\r');
    try {
      await p.waitFor(taken, { what: 'the prompt to be sent', timeoutMs: 4000 });
      return;
    } catch {
      /* Enter was read as a newline or dropped: once more */
    }
  }
  throw new Error(`gemini did not take the prompt ${JSON.stringify(text)}\n${p.text()}`);
}

/** First start in an untrusted folder: the Ready title comes first, then a bare composer frame, then the trust box. */
async function firstStart(ctx, cols, rows) {
  const tag = `${cols}`;
  const p = trackOutput(await ctx.start({ name: `first-${tag}`, cols, rows }));
  let early = null;
  const watch = () => {
    const s = p.screen();
    const t = s.lines.join('\n');
    if (!early && s.title.includes('Ready') && PROMPT.test(t) && !TRUST.test(t)) early = { screen: s, quietMs: sinceOutput(p) };
  };
  p._listeners.add(watch);
  await p.waitFor((s, t) => TRUST.test(t) && /Don't trust/.test(t), { what: 'the trust question', timeoutMs: 45_000 });
  p._listeners.delete(watch);
  // Still starting up (no header yet), not a ready prompt: ~100 ms later the trust box replaces it.
  if (early)
    capture(ctx, p, `pretrust-ready-title-${tag}`, 'working', 'first start, untrusted folder: the title already says Ready and a bare composer (no header yet) shows for ~100 ms, then the trust box replaces it', early);
  await p.settle();
  capture(ctx, p, `trust-${tag}`, 'waiting_for_input', 'first start in an untrusted folder: the folder trust question (title says Ready)');
  p.write('\r'); // 1. Trust folder: the CLI restarts itself
  await p.waitFor((s, t) => /restarting to apply the trust changes/.test(t), { what: 'the restart notice', timeoutMs: 15_000 }).catch(() => {});
  await p.waitFor((s, t) => ready(s) && PROMPT.test(t) && !TRUST.test(t.split('restarting')[1] ?? t), { what: 'the prompt after trusting', timeoutMs: 45_000 });
  await p.settle(1000);
  capture(ctx, p, `after-trust-${tag}`, 'idle', 'after answering "Trust folder": the CLI restarted itself and shows an empty prompt');
  await p.kill();
}

/** "Don't trust": the session goes on in restricted mode (footer says untrusted; permission boxes lose "for this session"). */
async function untrusted(ctx, cols, rows) {
  const tag = `${cols}`;
  const p = trackOutput(await ctx.start({ name: `untrusted-${tag}`, cols, rows }));
  await p.waitFor((s, t) => TRUST.test(t) && /Don't trust/.test(t), { what: 'the trust question', timeoutMs: 45_000 });
  await p.settle();
  p.write('3');
  await waitReady(p);
  await p.settle(1000);
  capture(ctx, p, `untrusted-ready-${tag}`, 'idle', 'answered "Don\'t trust": restricted mode, empty prompt');
  await submit(p, 'run: touch made-by-agent.txt');
  await p.waitFor((s, t) => PERMISSION.test(t), { what: 'the permission box', timeoutMs: 30_000 });
  await p.settle();
  capture(ctx, p, `untrusted-permission-${tag}`, 'waiting_for_input', 'untrusted folder: shell permission box with two options');
  p.write('\x1b');
  await p.waitFor((s, t) => ready(s) && /Request cancelled/.test(t), { what: 'the cancelled tool', timeoutMs: 15_000 });
  await p.settle();
  capture(ctx, p, `permission-denied-${tag}`, 'idle', 'Esc on the permission box: tool shown as cancelled, "Request cancelled.", empty prompt');
  await p.kill();
}

/** The turn states in a trusted folder. */
async function turns(ctx, cols, rows) {
  const tag = `${cols}`;
  const p = trackOutput(await ctx.start({ name: `turns-${tag}`, cols, rows, trusted: true }));
  let early = null;
  const watch = () => {
    const s = p.screen();
    const t = s.lines.join('\n');
    if (!early && PROMPT.test(t) && !/Gemini CLI v/.test(t)) early = { screen: s, quietMs: sinceOutput(p) };
  };
  p._listeners.add(watch);
  await waitReady(p);
  await p.waitFor((s, t) => /Gemini CLI v/.test(t), { what: 'the header', timeoutMs: 15_000 });
  p._listeners.delete(watch);
  if (early) capture(ctx, p, `startup-bare-composer-${tag}`, 'working', 'trusted folder, starting up: the composer is drawn about a second before the header', early);
  await p.settle(1000);
  capture(ctx, p, `ready-${tag}`, 'idle', 'trusted folder, fresh start: empty prompt');

  await p.type('a draft that is not sent yet', { enter: false });
  await p.waitFor((s, t) => /a draft that is not sent yet/.test(t), { what: 'the draft', timeoutMs: 10_000 });
  await p.settle();
  capture(ctx, p, `draft-${tag}`, 'idle', 'a draft typed in the composer, not sent');
  p.write('\x15'); // Ctrl+U clears the draft
  await p.waitFor((s, t) => !/a draft that is not sent yet/.test(t), { what: 'the cleared draft', timeoutMs: 10_000 });

  await submit(p, 'please answer PONG');
  await p.waitFor((s, t) => ready(s) && /✦ PONG/.test(t), { what: 'the PONG reply', timeoutMs: 30_000 });
  await p.settle();
  capture(ctx, p, `pong-${tag}`, 'idle', 'after a one-word reply');

  await submit(p, 'slow 20');
  await p.waitFor((s, t) => /word4/.test(t) && /esc to cancel|esc to/.test(t), { what: 'streaming text', timeoutMs: 30_000 });
  capture(ctx, p, `streaming-${tag}`, 'working', 'model streaming a reply (slow 20): spinner row, title Working', { quietMs: sinceOutput(p) });
  p.write('\x1b');
  await p.waitFor((s, t) => ready(s) && /Request cancelled/.test(t), { what: 'the cancelled reply', timeoutMs: 15_000 });
  await p.settle();
  capture(ctx, p, `interrupted-${tag}`, 'idle', 'Esc while streaming: "Request cancelled.", empty prompt');

  await submit(p, 'slow 20');
  await p.waitFor((s, t) => /word2/.test(t) && s.title.includes('✦'), { what: 'streaming text', timeoutMs: 30_000 });
  await submit(p, 'a queued second message');
  await p.waitFor((s, t) => /Queued/.test(t), { what: 'the queued message', timeoutMs: 10_000 });
  capture(ctx, p, `queued-${tag}`, 'working', 'a second message typed and sent while the first still streams: shown under "Queued"', { quietMs: sinceOutput(p) });
  p.write('\x1b'); // cancels the stream; the queued message is then sent by itself
  await p.waitFor((s, t) => ready(s) && /Fake model reply number/.test(t), { what: 'the queued message answered', timeoutMs: 30_000 });
  await p.settle();

  await submit(p, 'run: touch made-by-agent.txt');
  await p.waitFor((s, t) => PERMISSION.test(t), { what: 'the permission box', timeoutMs: 30_000 });
  await p.settle();
  capture(ctx, p, `permission-${tag}`, 'waiting_for_input', 'shell tool permission box (default approval mode)');
  p.write('\r'); // 1. Allow once
  await p.waitFor((s, t) => ready(s) && /Ran it\./.test(t), { what: 'the answer after the tool', timeoutMs: 30_000 });
  await p.settle();
  capture(ctx, p, `permission-answered-${tag}`, 'idle', 'after "Allow once": the tool ran, the model answered, empty prompt');

  await submit(p, 'run: sleep 8');
  await p.waitFor((s, t) => PERMISSION.test(t), { what: 'the permission box', timeoutMs: 30_000 });
  await p.settle();
  p.write('\r');
  await p.waitFor((s, t) => !PERMISSION.test(t) && (s.title.includes('✦') || s.title.includes('⏲')), { what: 'the running tool', timeoutMs: 15_000 });
  await new Promise((r) => setTimeout(r, 1500)); // let the tool box show its elapsed time
  capture(ctx, p, `tool-running-${tag}`, 'working', 'after "Allow once" on `sleep 8`: the shell command is running', { quietMs: sinceOutput(p) });
  await p.waitFor((s, t) => ready(s) && /Shell sleep 8[\s\S]*✦ Ran it\./.test(t), { what: 'the answer after sleep', timeoutMs: 30_000 });
  await p.kill();
}

/**
 * Gemini's other boxes: its ask_user question, the write_file "Apply this change?" box, and a shell command
 * waiting for keyboard input. (Prompts avoid "?": typed into an empty composer it opens the shortcuts help.)
 */
async function dialogs(ctx, cols, rows) {
  const tag = `${cols}`;
  const p = trackOutput(await ctx.start({ name: `dialogs-${tag}`, cols, rows, trusted: true }));
  await waitReady(p);
  await p.settle(1000);

  await submit(p, 'ask: Which colour do you like');
  await p.waitFor((s, t) => /Answer Questions/.test(t) && /Enter a custom value/.test(t), { what: 'the question box', timeoutMs: 30_000 });
  await p.settle();
  capture(ctx, p, `ask-user-${tag}`, 'waiting_for_input', "the model's ask_user tool: a multiple-choice question box");
  p.write('\r');
  await p.waitFor((s, t) => ready(s) && /Ran it\./.test(t), { what: 'the answer after the question', timeoutMs: 30_000 });
  await p.settle();
  capture(ctx, p, `ask-user-answered-${tag}`, 'idle', 'after picking an answer in the question box');

  await submit(p, 'write: notes.txt hello there');
  await p.waitFor((s, t) => /Apply this change/.test(t), { what: 'the edit box', timeoutMs: 30_000 });
  await p.settle();
  capture(ctx, p, `apply-change-${tag}`, 'waiting_for_input', 'write_file permission: "Apply this change?" box with the new content');
  p.write('\r');
  await p.waitFor((s, t) => ready(s) && /WriteFile[\s\S]*✦ Ran it\./.test(t), { what: 'the answer after the write', timeoutMs: 30_000 });

  // A dialog quoted by a tool's output, above the live composer: history, not a question. Pasted: a typed `?`
  // opens the shortcuts help.
  await submit(p, "run: printf '%s\\n' 'Allow execution of [Shell]?' '● 1. Allow once' '  2. Allow for this session' '  3. No, suggest changes (esc)'", { paste: true });
  await p.waitFor((s, t) => PERMISSION.test(t), { what: 'the permission box', timeoutMs: 30_000 });
  await p.settle();
  p.write('\r');
  await p.waitFor((s, t) => ready(s) && /Shell printf[\s\S]*✦ Ran it\./.test(t), { what: 'the answer after printf', timeoutMs: 30_000 });
  await p.settle();
  capture(ctx, p, `quoted-dialog-${tag}`, 'idle', "a shell command's output quotes a permission box; the turn is over and the composer is empty");

  await submit(p, "run: read -p 'Your name: ' n; echo hi $n");
  await p.waitFor((s, t) => PERMISSION.test(t), { what: 'the permission box', timeoutMs: 30_000 });
  await p.settle();
  p.write('\r');
  await p.waitFor((s, t) => /awaiting input/.test(t), { what: 'the shell input hint', timeoutMs: 30_000 });
  await p.settle();
  capture(ctx, p, `shell-awaiting-input-${tag}`, 'waiting_for_input', 'an allowed shell command waits for keyboard input ("Shell awaiting input"); the title still says Working');
  await p.kill();
}

/** ui.useBackgroundColor false (a user setting): the composer is drawn between plain rows, not ▄/▀ bands. */
async function noBackground(ctx, cols, rows) {
  const tag = `nobg-${cols}`;
  const p = trackOutput(await ctx.start({ name: tag, cols, rows, trusted: true, settings: { ui: { useBackgroundColor: false } } }));
  await waitReady(p);
  await p.settle(1000);
  capture(ctx, p, `ready-${tag}`, 'idle', 'ui.useBackgroundColor false: empty prompt');
  await p.type('a draft that is not sent yet', { enter: false });
  await p.waitFor((s, t) => /a draft that is not sent yet/.test(t), { what: 'the draft', timeoutMs: 10_000 });
  await p.settle();
  capture(ctx, p, `draft-${tag}`, 'idle', 'ui.useBackgroundColor false: a draft typed, not sent');
  p.write('\x15');
  await p.waitFor((s, t) => !/a draft that is not sent yet/.test(t), { what: 'the cleared draft', timeoutMs: 10_000 });
  await submit(p, 'slow 20');
  await p.waitFor((s, t) => /word4/.test(t) && /esc to/.test(t), { what: 'streaming text', timeoutMs: 30_000 });
  capture(ctx, p, `streaming-${tag}`, 'working', 'ui.useBackgroundColor false: model streaming a reply', { quietMs: sinceOutput(p) });
  p.write('\x1b');
  await p.waitFor((s, t) => ready(s) && /Request cancelled/.test(t), { what: 'the cancelled reply', timeoutMs: 15_000 });
  await submit(p, 'run: touch made-by-agent.txt');
  await p.waitFor((s, t) => PERMISSION.test(t), { what: 'the permission box', timeoutMs: 30_000 });
  await p.settle();
  capture(ctx, p, `permission-${tag}`, 'waiting_for_input', 'ui.useBackgroundColor false: shell permission box');
  p.write('\r');
  await p.waitFor((s, t) => ready(s) && /Ran it\./.test(t), { what: 'the answer after the tool', timeoutMs: 30_000 });
  await p.settle();
  capture(ctx, p, `permission-answered-${tag}`, 'idle', 'ui.useBackgroundColor false: the tool ran, the model answered');
  await p.kill();
}

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');
const readLog = (file) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
/** Temp paths vary per run: one placeholder keeps the fixtures stable. */
const scrub = (ctx, text) => text.split(ctx.root).join('/tmp/cwcap-gemini-XXXXXX');

/**
 * Hooks on every event (in the fake HOME's settings; see launch) with CW_SESSION_TOKEN and CW_PANE set, through a
 * text turn, an allowed and a denied permission, an interrupt and /quit; then an untrusted start and a run with
 * environment redaction on. Writes one payload per event to tests/fixtures/hooks/gemini/EVENT.json and the
 * observed orders to sequences.json.
 */
async function hooks(ctx) {
  const dir = join(FIXTURES, 'hooks', 'gemini');
  mkdirSync(dir, { recursive: true });
  const env = { CW_SESSION_TOKEN: 'cw-token-123', CW_PANE: 'pane-7' };
  const log = join(ctx.root, 'hooks', 'main.jsonl');
  const p = await ctx.start({ name: 'hooks', trusted: true, hooksLog: log, env });
  const seq = {};
  let mark = 0;
  const step = (name) => {
    const all = readLog(log);
    seq[name] = all.slice(mark).map((e) => e.event + (e.payload?.notification_type ? `(${e.payload.notification_type})` : ''));
    mark = all.length;
  };
  await waitReady(p);
  await p.settle(1000);
  step('startup');
  await submit(p, 'please answer PONG');
  await p.waitFor((s, t) => ready(s) && /✦ PONG/.test(t), { what: 'the PONG reply', timeoutMs: 30_000 });
  await p.settle(1500);
  step('text turn');
  await submit(p, 'run: touch made-by-agent.txt');
  await p.waitFor((s, t) => PERMISSION.test(t), { what: 'the permission box', timeoutMs: 30_000 });
  await p.settle(1500);
  step('permission turn, until the box is up');
  p.write('\r');
  await p.waitFor((s, t) => ready(s) && /Ran it\./.test(t), { what: 'the answer after the tool', timeoutMs: 30_000 });
  await p.settle(1500);
  step('permission turn, after "Allow once"');
  await submit(p, 'slow 20');
  await p.waitFor((s, t) => /word3/.test(t), { what: 'streaming text', timeoutMs: 30_000 });
  p.write('\x1b');
  await p.waitFor((s, t) => ready(s) && /Request cancelled/.test(t), { what: 'the cancelled reply', timeoutMs: 15_000 });
  await p.settle(1500);
  step('interrupt (Esc while streaming)');
  await submit(p, 'run: touch other.txt');
  await p.waitFor((s, t) => PERMISSION.test(t), { what: 'the permission box', timeoutMs: 30_000 });
  await p.settle();
  p.write('\x1b');
  await p.waitFor((s, t) => ready(s) && /-  Shell touch other\.txt/.test(t), { what: 'the denied tool', timeoutMs: 15_000 });
  await p.settle(1500);
  step('permission denied (Esc on the box)');
  await submit(p, '/quit');
  const exited = Object.assign(() => !!p.exited, { allowExit: true });
  await p.waitFor(exited, { what: 'exit after /quit', timeoutMs: 20_000 });
  await new Promise((r) => setTimeout(r, 1500)); // SessionEnd hooks are not awaited by the CLI
  step('/quit');

  const all = readLog(log);
  for (const ev of HOOK_EVENTS) {
    const e = all.find((x) => x.event === ev);
    if (e) writeFileSync(join(dir, `${ev}.json`), scrub(ctx, JSON.stringify(e.payload, null, 2)) + '\n');
  }
  const tokenSeen = all.every((e) => e.env.CW_SESSION_TOKEN === env.CW_SESSION_TOKEN);

  // Untrusted folder: no hook runs, not even SessionStart.
  const ulog = join(ctx.root, 'hooks', 'untrusted.jsonl');
  const u = await ctx.start({ name: 'hooks-untrusted', hooksLog: ulog, env });
  await u.waitFor((s, t) => TRUST.test(t) && /Don't trust/.test(t), { what: 'the trust question', timeoutMs: 45_000 });
  await u.settle(1500);
  u.write('3');
  await waitReady(u);
  await u.settle(1000);
  await submit(u, 'please answer PONG');
  await u.waitFor((s, t) => ready(s) && /✦ PONG/.test(t), { what: 'the PONG reply', timeoutMs: 30_000 });
  await u.settle(1500);
  seq['untrusted folder ("Don\'t trust"), start and a text turn'] = readLog(ulog).map((e) => e.event);
  await u.kill();

  // Environment redaction on: names with TOKEN/KEY/SECRET… are dropped from the hook's environment.
  const rlog = join(ctx.root, 'hooks', 'redacted.jsonl');
  const r = await ctx.start({ name: 'hooks-redacted', trusted: true, hooksLog: rlog, env, settings: { security: { auth: { selectedType: 'gemini-api-key' }, environmentVariableRedaction: { enabled: true } } } });
  await waitReady(r);
  await r.settle(1500);
  await r.kill();
  await new Promise((res) => setTimeout(res, 1500));
  seq['SIGTERM'] = readLog(rlog).slice(1).map((e) => e.event);
  const redacted = readLog(rlog)[0]?.env ?? {};

  const summary = {
    note: `captured from ${packageName} ${ctx.version}: hook events in the order they fired (AfterModel fires once per streamed chunk)`,
    sequences: seq,
    env: {
      'CW_SESSION_TOKEN reaches hooks (default settings)': tokenSeen,
      'with security.environmentVariableRedaction.enabled': { CW_SESSION_TOKEN: redacted.CW_SESSION_TOKEN, CW_PANE: redacted.CW_PANE, GEMINI_API_KEY: redacted.GEMINI_API_KEY },
      'set by Gemini for hooks': Object.keys(all[0]?.env ?? {}).filter((k) => k.startsWith('GEMINI_') && k !== 'GEMINI_API_KEY' && all[0].env[k] !== null),
    },
  };
  writeFileSync(join(dir, 'sequences.json'), scrub(ctx, JSON.stringify(summary, null, 2)) + '\n');
}

/**
 * A short session (a text reply, then a tool call and its result) and its transcript file; then the same file
 * after an Esc while the reply streams, and after an Esc on a permission box (Gemini rewrites its history then).
 */
async function transcript(ctx) {
  const p = await ctx.start({ name: 'transcript', trusted: true });
  await waitReady(p);
  await p.settle(1000);
  await submit(p, 'please answer PONG');
  await p.waitFor((s, t) => ready(s) && /✦ PONG/.test(t), { what: 'the PONG reply', timeoutMs: 30_000 });
  await p.settle();
  await submit(p, 'run: touch made-by-agent.txt');
  await p.waitFor((s, t) => PERMISSION.test(t), { what: 'the permission box', timeoutMs: 30_000 });
  await p.settle();
  p.write('\r');
  await p.waitFor((s, t) => ready(s) && /Ran it\./.test(t), { what: 'the answer after the tool', timeoutMs: 30_000 });
  await p.settle(1500);
  // ~/.gemini/tmp/<project folder name>/chats/session-<YYYY-MM-DDTHH-MM>-<first 8 of the session id>.jsonl
  const base = join(ctx.root, 'transcript', 'home', '.gemini', 'tmp');
  const files = readdirSync(base).flatMap((proj) => {
    const chats = join(base, proj, 'chats');
    return existsSync(chats) ? readdirSync(chats).filter((f) => f.endsWith('.jsonl')).map((f) => join(chats, f)) : [];
  });
  if (files.length !== 1) throw new Error(`expected one transcript under ${base}, found ${files.length}`);
  const dir = join(FIXTURES, 'transcripts', 'gemini');
  mkdirSync(dir, { recursive: true });
  const save = (name) => writeFileSync(join(dir, name), scrub(ctx, readFileSync(files[0], 'utf8')));
  save('text-then-tool.jsonl');

  await submit(p, 'slow 20');
  await p.waitFor((s, t) => /word3/.test(t), { what: 'streaming text', timeoutMs: 30_000 });
  p.write('\x1b');
  await p.waitFor((s, t) => ready(s) && /Request cancelled/.test(t), { what: 'the cancelled reply', timeoutMs: 15_000 });
  await p.settle(1500);
  save('then-cancelled.jsonl');

  await submit(p, 'run: touch other.txt');
  await p.waitFor((s, t) => PERMISSION.test(t), { what: 'the permission box', timeoutMs: 30_000 });
  await p.settle();
  p.write('\x1b');
  await p.waitFor((s, t) => ready(s) && /-  Shell touch other\.txt/.test(t), { what: 'the denied tool', timeoutMs: 15_000 });
  await p.settle(1500);
  save('then-denied.jsonl');

  writeFileSync(
    join(dir, 'README.md'),
    `# Gemini CLI transcripts\n\nCaptured from ${packageName} ${ctx.version} by \`node tests/agents/capture.mjs gemini\` (scenario \`transcript\`), one session\nwritten at \`~/.gemini/tmp/<project folder name>/chats/session-<YYYY-MM-DDTHH-MM>-<id8>.jsonl\` (the name comes from\n\`~/.gemini/projects.json\`), copied at three moments:\n\n- \`text-then-tool.jsonl\`: a text reply (PONG), then a shell call, allowed once, and the answer after its result.\n- \`then-cancelled.jsonl\`: then Esc while a reply streams (an \`info\` record "Request cancelled.", then \`$set.messages\`).\n- \`then-denied.jsonl\`: then Esc on a permission box (the history is rewritten: re-appended records, \`tokens: null\`).\n\nJSON lines: a header \`{sessionId, projectHash, startTime, lastUpdated, kind}\`, message records\n\`{id, timestamp, type: "user"|"gemini"|"info", content, …}\` (a record is written again when it grows, e.g. with\n\`toolCalls\`, under the same id) and \`{"$set": {...}}\` patches of the header or the whole message list.\n`,
  );
  await p.kill();
}

export const scenarios = [
  { name: 'first-start-120', run: (ctx) => firstStart(ctx, 120, 40) },
  { name: 'first-start-80', run: (ctx) => firstStart(ctx, 80, 24) },
  { name: 'untrusted-120', run: (ctx) => untrusted(ctx, 120, 40) },
  { name: 'turns-120', run: (ctx) => turns(ctx, 120, 40) },
  { name: 'turns-80', run: (ctx) => turns(ctx, 80, 24) },
  { name: 'dialogs-120', run: (ctx) => dialogs(ctx, 120, 40) },
  { name: 'dialogs-80', run: (ctx) => dialogs(ctx, 80, 24) },
  { name: 'no-background-120', run: (ctx) => noBackground(ctx, 120, 40) },
  { name: 'hooks', run: hooks },
  { name: 'transcript', run: transcript },
];
