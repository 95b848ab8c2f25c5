// Claude Code, offline: an isolated HOME whose ~/.claude.json marks onboarding done (and, unless told
// otherwise, the fake API key approved), pointed at the fake model with ANTHROPIC_BASE_URL and a fake
// ANTHROPIC_API_KEY. Since 2.1.3xx it draws full-screen on the alternate screen, and the default
// permission mode is "auto" (Bash runs without asking), so the permission scenarios pass
// `--permission-mode manual`.
import { existsSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageName = '@anthropic-ai/claude-code';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, '..', '..', 'fixtures');

export const FAKE_KEY = 'sk-ant-api03-cw-capture-kit-fake-key-0123456789abcdefghij';

/** Every hook event the `hooks` scenario records. */
export const HOOK_EVENTS = ['SessionStart', 'UserPromptSubmit', 'PreToolUse', 'PostToolUse', 'PermissionRequest', 'Notification', 'Stop', 'StopFailure', 'SessionEnd'];

// A hook command: appends {t, event, stdin, env} as one JSON line to the log named in argv.
const HOOK_RECORDER = `import { appendFileSync } from 'node:fs';
let s = '';
process.stdin.setEncoding('utf8');
for await (const c of process.stdin) s += c;
let stdin;
try { stdin = JSON.parse(s); } catch { stdin = s; }
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(PATH|LANG|TERM|HOME|COLORTERM)$/.test(k)));
appendFileSync(process.argv[3], JSON.stringify({ t: Date.now(), event: process.argv[2], stdin, env }) + '\\n');
`;

/**
 * `--settings` for one run: every event in HOOK_EVENTS runs the recorder, async, appending to `log`.
 * Written into the isolated HOME (the recorder script), never into the user's files.
 */
export function hookSettings(home, log) {
  const script = join(home, 'hook-recorder.mjs');
  writeFileSync(script, HOOK_RECORDER);
  const hooks = {};
  for (const e of HOOK_EVENTS) {
    hooks[e] = [{ hooks: [{ type: 'command', command: `'${process.execPath}' '${script}' ${e} '${log}'`, async: true, timeout: 10 }] }];
  }
  return { hooks };
}

/**
 * opts:
 *   name           folder under ctx.root for this run's HOME and project (default 'main')
 *   trusted        the project folder is already trusted (default false: the trust dialog shows)
 *   keyApproved    the fake API key is already approved (default true; false: "Detected a custom API key")
 *   permissionMode passed as --permission-mode (default: the agent's own default, "auto" in 2.1.332)
 *   settings       an object passed as --settings '<json>' (hooks for one run)
 *   config         extra keys merged into ~/.claude.json
 *   args           extra command-line arguments
 */
export async function launch(ctx, opts = {}) {
  const { home, work } = ctx.dirs(opts.name ?? 'main');
  const project = realpathSync(work);
  // Claude keeps per-session scratch and its messaging sockets under TMPDIR: keep them in the run's folder.
  const tmp = join(dirname(home), 'tmp');
  mkdirSync(tmp, { recursive: true });
  const state = {
    hasCompletedOnboarding: true,
    lastOnboardingVersion: ctx.version,
    lastReleaseNotesSeen: ctx.version,
    numStartups: 1,
    autoUpdates: false,
    theme: 'dark',
    customApiKeyResponses: { approved: opts.keyApproved === false ? [] : [FAKE_KEY.slice(-20)], rejected: [] },
    projects: {
      [project]: {
        allowedTools: [],
        hasTrustDialogAccepted: !!opts.trusted,
        hasCompletedProjectOnboarding: true,
        projectOnboardingSeenCount: 1,
      },
    },
    ...opts.config,
  };
  writeFileSync(join(home, '.claude.json'), JSON.stringify(state, null, 2));
  mkdirSync(join(home, '.claude'), { recursive: true });
  const args = [
    ...(opts.permissionMode ? ['--permission-mode', opts.permissionMode] : []),
    ...(opts.settings ? ['--settings', JSON.stringify(opts.settings)] : []),
    ...(opts.args ?? []),
  ];
  return {
    file: ctx.bin,
    args,
    cwd: project,
    env: {
      PATH: process.env.PATH,
      HOME: home,
      TERM: 'xterm-256color',
      LANG: 'C.UTF-8',
      TMPDIR: tmp,
      ANTHROPIC_BASE_URL: ctx.model.url,
      ANTHROPIC_API_KEY: FAKE_KEY,
      // No update check, telemetry, error reports or other traffic beyond the model.
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
    },
  };
}

// ---- screen conditions -------------------------------------------------------------------------------

const lastLines = (s, n) => s.lines.filter((l) => l.trim()).slice(-n).join('\n');
/** The composer is empty (the NBSP Claude puts after ❯ counts as blank). */
const emptyComposer = (s) => s.lines.some((l) => /^❯[\s\u00a0]*$/.test(l));
/** Idle: the title shows ✳, an empty composer, and no interrupt hint in the footer. */
const idle = (s) => s.title.startsWith('✳') && emptyComposer(s) && !/to interrupt/.test(lastLines(s, 2));
const done = /\b\w+ for \d+[sm]/; // "✻ Cooked for 0s · done 8:20 PM"
const ready = (s) => idle(s) && /(mode on|for shortcuts)/.test(lastLines(s, 1));
const working = (s) => /^[◐◑◒◓]/.test(s.title);
const spinnerLine = (t) => /…\s*\((?:\d+[hms] )*\d+s\b/.test(t);

const SIZES = [
  { cols: 120, rows: 40 },
  { cols: 80, rows: 24 },
];

async function step(p, pred, what, timeoutMs = 30_000) {
  return p.waitFor(pred, { timeoutMs, what });
}

/** Waits until `file` holds a JSON line with `pred(entry)`; returns all entries. */
async function waitForLog(file, pred, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const entries = readLog(file);
    if (entries.some(pred)) return entries;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} in the hook log (${entries.map((e) => e.event).join(', ') || 'empty'})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function readLog(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

const describe = (e) => (e.event === 'Notification' ? `Notification(${e.stdin.notification_type})` : e.stdin?.tool_name ? `${e.event}(${e.stdin.tool_name})` : e.event);

async function clearComposer(p, text) {
  p.write('\x7f'.repeat(text.length));
  await step(p, (s) => emptyComposer(s), 'the composer to empty', 5_000);
}

// ---- scenarios -----------------------------------------------------------------------------------------

/** Untrusted folder, key not approved: the trust dialog, then the key dialog, then the first ready screen. */
async function firstStart(ctx, { cols, rows }) {
  const size = `${cols}x${rows}`;
  const p = await ctx.start({ name: `first-${size}`, cols, rows, keyApproved: false });
  await step(p, (s, t) => /Is this a project you created or one you trust\?/.test(t) && /Enter to confirm/.test(t), 'the trust dialog');
  await p.settle();
  ctx.capture(p, `trust-dialog-${size}`, 'waiting_for_input', 'first start in an untrusted folder; "No, exit" is preselected');
  p.write('\x1b[B');
  await step(p, (s, t) => /❯ Yes, I trust this folder/.test(t), 'Yes selected');
  p.write('\r');
  await step(p, (s, t) => /Detected a custom API key/.test(t) && /Enter to confirm/.test(t), 'the API key dialog');
  await p.settle();
  ctx.capture(p, `api-key-dialog-${size}`, 'waiting_for_input', 'ANTHROPIC_API_KEY set but not yet approved in ~/.claude.json; "No (recommended)" is preselected');
  p.write('\x1b[A');
  await step(p, (s, t) => /❯ Yes/.test(t), 'Yes selected');
  p.write('\r');
  await step(p, ready, 'the ready prompt');
  await p.settle();
  ctx.capture(p, `first-ready-auto-mode-notice-${size}`, 'idle', 'first ready screen after both dialogs, with the one-time "Auto mode is now the default" notice');
  await p.kill();
}

/** Default (auto) mode in a trusted folder: draft, reply, working, queued, interrupted, a running tool. */
async function session(ctx, { cols, rows }) {
  const size = `${cols}x${rows}`;
  const p = await ctx.start({ name: `session-${size}`, cols, rows, trusted: true });
  await step(p, ready, 'the ready prompt');
  await p.settle();
  ctx.capture(p, `ready-${size}`, 'idle', 'trusted folder, key pre-approved, default (auto) permission mode');

  const draft = 'a draft that is not sent yet';
  await p.type(draft, { enter: false });
  await step(p, (s, t) => t.includes(draft), 'the draft in the composer');
  await p.settle();
  ctx.capture(p, `ready-draft-${size}`, 'idle', 'text typed into the composer, not sent');
  await clearComposer(p, draft);

  await p.type('PONG');
  await step(p, (s, t) => idle(s) && /● PONG/.test(t) && done.test(t), 'the PONG reply');
  await p.settle();
  ctx.capture(p, `reply-pong-${size}`, 'idle', 'after the one-word reply PONG');

  await p.type('slow 20');
  await step(p, (s, t) => working(s) && spinnerLine(t), 'the spinner');
  ctx.capture(p, `spinner-${size}`, 'working', 'slow 20 sent; spinner running, reply not shown yet');
  await step(p, (s, t) => working(s) && /word3\b/.test(t) && spinnerLine(t), 'streamed words', 20_000);
  ctx.capture(p, `streaming-${size}`, 'working', 'slow 20: the reply streams, spinner running');
  const second = 'second message';
  await p.type(second, { enter: false });
  await step(p, (s, t) => working(s) && s.lines.some((l) => /^❯[\s\u00a0]second message/.test(l)), 'the draft while working');
  ctx.capture(p, `draft-while-working-${size}`, 'working', 'a second message typed (not sent) while the reply streams: the footer drops "esc to interrupt"');
  p.write('\r');
  await step(p, (s, t) => working(s) && /Queued/.test(t), 'the queued message');
  ctx.capture(p, `queued-message-${size}`, 'working', 'the second message queued while slow 20 streams');
  p.write('\x1b');
  await step(p, (s, t) => idle(s) && /Interrupted/.test(t) && /Fake model reply number/.test(t), 'the interrupt and the queued reply');
  await p.settle();
  ctx.capture(p, `interrupted-queued-sent-${size}`, 'idle', 'Esc during slow 20 with a queued message: interrupted, then the queued message ran');

  await p.type('slow 20');
  await step(p, (s, t) => working(s) && spinnerLine(t) && (t.match(/Interrupted/g) ?? []).length === 1, 'the second slow reply');
  await step(p, (s, t) => working(s) && /word2\b/.test(lastLines(s, 12)), 'streamed words', 20_000);
  p.write('\x1b');
  await step(p, (s, t) => idle(s) && (t.match(/Interrupted/g) ?? []).length >= 1 && !spinnerLine(lastLines(s, 8)), 'the interrupt');
  await p.settle();
  ctx.capture(p, `interrupted-${size}`, 'idle', 'Esc while slow 20 streamed');

  await p.type('run: sleep 6');
  await step(p, (s, t) => working(s) && /sleep 6/.test(lastLines(s, 12)) && /Running/.test(t), 'the running tool', 20_000);
  ctx.capture(p, `tool-running-${size}`, 'working', 'auto mode: Bash `sleep 6` runs without asking');
  await step(p, (s, t) => idle(s) && /Ran it\./.test(t), 'the tool result', 30_000);
  await p.settle();
  ctx.capture(p, `tool-ran-auto-${size}`, 'idle', 'auto mode: after the tool ran');
  await p.kill();
}

/** Manual permission mode: the Bash permission dialog, accepted, then a second one rejected with Esc. */
async function permission(ctx, { cols, rows }) {
  const size = `${cols}x${rows}`;
  const p = await ctx.start({ name: `perm-${size}`, cols, rows, trusted: true, permissionMode: 'manual' });
  await step(p, ready, 'the ready prompt');
  await p.settle();
  ctx.capture(p, `ready-manual-mode-${size}`, 'idle', 'started with --permission-mode manual');
  await p.type('run: touch made-by-agent.txt');
  await step(p, (s, t) => /Do you want to proceed\?/.test(t) && /Esc to cancel/.test(t), 'the permission dialog');
  // The mascot and the tool's bullet keep blinking under the dialog: the screen never goes quiet.
  await p.settle(700, 2_000);
  ctx.capture(p, `bash-permission-${size}`, 'waiting_for_input', 'run: touch made-by-agent.txt in manual mode; the title shows ✳ and the screen keeps animating');
  p.write('\r');
  await step(p, (s, t) => idle(s) && /Ran it\./.test(t), 'the tool result');
  await p.settle();
  ctx.capture(p, `permission-answered-${size}`, 'idle', 'after answering Yes: the tool ran, back at the prompt');

  await p.type('run: touch second.txt');
  await step(p, (s, t) => /Do you want to proceed\?/.test(t) && /touch second\.txt/.test(t), 'the second permission dialog');
  p.write('\x1b');
  await step(p, (s, t) => idle(s) && !/Do you want to proceed\?/.test(t), 'the rejected dialog to close');
  await p.settle();
  ctx.capture(p, `permission-rejected-${size}`, 'idle', 'the second permission dialog answered with Esc');
  await p.kill();
}

/** A pasted prompt that quotes a permission dialog: above the live composer it is history, not a dialog. */
async function quotedDialog(ctx) {
  const p = await ctx.start({ name: 'quoted', trusted: true });
  await step(p, ready, 'the ready prompt');
  const text = 'PONG, and what does this mean:\rDo you want to proceed?\r❯ 1. Yes\r  2. No\r\rEsc to cancel · Tab to amend';
  p.write(`\x1b[200~${text}\x1b[201~`);
  await step(p, (s, t) => /\[Pasted text #1/.test(t), 'the paste placeholder');
  await p.settle();
  ctx.capture(p, 'pasted-draft-120x40', 'idle', 'a 6-line paste, not sent: the composer shows a placeholder');
  p.write('\r');
  await step(p, (s, t) => idle(s) && /● PONG/.test(t) && done.test(t), 'the PONG reply');
  await p.settle();
  ctx.capture(p, 'quoted-dialog-in-prompt-120x40', 'idle', 'the sent prompt quotes a permission dialog (options, footer) above the live composer');
  await p.kill();
}

/** An API error from the model (the fake server answers `fail: 400`): the error line and StopFailure. */
async function apiError(ctx) {
  const p = await ctx.start({ name: 'api-error', trusted: true });
  await step(p, ready, 'the ready prompt');
  await p.type('fail: 400');
  await step(p, (s, t) => idle(s) && /API Error|error/i.test(lastLines(s, 10)), 'the API error');
  await p.settle();
  ctx.capture(p, 'api-error-120x40', 'idle', 'the model answered HTTP 400 (fake server `fail: 400`)');
  await p.kill();
}

/**
 * Hooks for one run via --settings, in an untrusted folder and manual mode: what fires while the trust dialog
 * is up, then in order for a text turn, a permission turn and an interrupt; one payload per event kind to
 * tests/fixtures/hooks/claude/EVENT.json, the hook env and ~/.claude/sessions/<pid>.json samples under
 * observed/, and the transcript of the first two turns under tests/fixtures/transcripts/claude/.
 */
async function hooks(ctx) {
  const { home } = ctx.dirs('hooks');
  const log = join(home, 'hooks.jsonl');
  const settings = hookSettings(home, log);
  const p = await ctx.start({
    name: 'hooks',
    permissionMode: 'manual',
    settings,
    // The idle_prompt notification comes after this many ms idle (default 60 s).
    config: { messageIdleNotifThresholdMs: 3000 },
  });
  const outDir = join(FIXTURES, 'hooks', 'claude');
  const observed = join(outDir, 'observed');
  mkdirSync(observed, { recursive: true });
  const registry = () => {
    const f = join(home, '.claude', 'sessions', `${p.pty.pid}.json`);
    return existsSync(f) ? JSON.parse(readFileSync(f, 'utf8')) : null;
  };
  // The registry is written on its own schedule: it can still say "busy" after the Stop hook ran. Wait
  // (bounded) for the status a sample is named after, and note how long that took.
  const saveRegistry = async (name, status) => {
    const from = Date.now();
    let r = registry();
    while (status && r?.status !== status && Date.now() - from < 5_000) {
      await new Promise((res) => setTimeout(res, 50));
      r = registry();
    }
    if (r) writeFileSync(join(observed, `session-registry-${name}.json`), JSON.stringify(r, null, 2) + '\n');
    return status ? `${r?.status ?? 'absent'} after ${Date.now() - from} ms` : (r?.status ?? 'no status field');
  };
  const seq = {};
  let mark = 0;
  const since = () => {
    const all = readLog(log);
    const part = all.slice(mark).map(describe);
    mark = all.length;
    return part;
  };

  await step(p, (s, t) => /Is this a project you created or one you trust\?/.test(t), 'the trust dialog');
  // Nothing to await: this checks that no hook fires and no registry entry appears while the dialog is up.
  await new Promise((r) => setTimeout(r, 3000));
  seq.untrusted = { hooks: since(), registry: registry() ? 'present' : 'absent' };
  p.write('\x1b[B');
  await step(p, (s, t) => /❯ Yes, I trust this folder/.test(t), 'Yes selected');
  p.write('\r');
  await step(p, ready, 'the ready prompt');
  await waitForLog(log, (e) => e.event === 'SessionStart', 'SessionStart');
  seq.trust_accepted = since();
  seq.registry_ready = await saveRegistry('fresh');

  await p.type('PONG');
  await step(p, (s, t) => idle(s) && /● PONG/.test(t), 'the PONG reply');
  await waitForLog(log, (e) => e.event === 'Stop', 'Stop');
  seq.text_turn = since();
  seq.registry_after_stop_hook = await saveRegistry('idle', 'idle');

  await p.type('run: touch made-by-agent.txt');
  await step(p, (s, t) => /Do you want to proceed\?/.test(t), 'the permission dialog');
  await waitForLog(log, (e) => e.event === 'PermissionRequest', 'PermissionRequest');
  seq.registry_after_permission_request_hook = await saveRegistry('waiting', 'waiting');
  const opened = Date.now();
  const entries = await waitForLog(log, (e) => e.event === 'Notification' && e.stdin?.notification_type === 'permission_prompt', 'Notification permission_prompt', 20_000);
  seq.permission_prompt_delay_ms = entries.find((e) => e.stdin?.notification_type === 'permission_prompt').t - opened;
  p.write('\r');
  await step(p, (s, t) => idle(s) && /Ran it\./.test(t), 'the tool result');
  await waitForLog(log, (e) => e.event === 'Stop' && /Ran it/.test(e.stdin?.last_assistant_message ?? ''), 'the second Stop');
  seq.permission_turn = since();

  // The transcript now holds a text reply, then a tool call and its result. It is written after the Stop
  // hook runs: wait for the second turn's turn_duration entry.
  const transcript = readLog(log).find((e) => e.stdin?.transcript_path)?.stdin.transcript_path;
  const tdir = join(FIXTURES, 'transcripts', 'claude');
  mkdirSync(tdir, { recursive: true });
  const saveTranscript = async (name, turns) => {
    const deadline = Date.now() + 10_000;
    let text = '';
    while (Date.now() < deadline) {
      text = existsSync(transcript) ? readFileSync(transcript, 'utf8') : '';
      if ((text.match(/"subtype":"turn_duration"/g) ?? []).length >= turns) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    writeFileSync(join(tdir, name), text);
  };
  await saveTranscript('text-then-tool.jsonl', 2);

  // idle_prompt after the (shortened) idle threshold.
  await waitForLog(log, (e) => e.event === 'Notification' && e.stdin?.notification_type === 'idle_prompt', 'Notification idle_prompt', 20_000).catch((err) => {
    seq.idle_prompt = String(err.message);
  });
  seq.idle_wait = since();

  await p.type('slow 20');
  await step(p, (s, t) => working(s) && /word2\b/.test(t), 'streamed words', 20_000);
  seq.registry_while_streaming = await saveRegistry('busy', 'busy');
  p.write('\x1b');
  await step(p, (s, t) => idle(s) && /Interrupted/.test(t), 'the interrupt');
  // Nothing to await: Stop is not expected after an interrupt; give a late one time to show.
  await new Promise((r) => setTimeout(r, 3000));
  seq.interrupt = since();
  seq.registry_after_interrupt = registry()?.status;

  await p.type('fail: 400');
  await waitForLog(log, (e) => e.event === 'StopFailure', 'StopFailure').catch((err) => {
    seq.stop_failure = String(err.message);
  });
  seq.api_error_turn = since();

  await p.type('/exit');
  await step(p, () => !!p.exited, 'the agent to exit', 15_000).catch(() => {});
  await waitForLog(log, (e) => e.event === 'SessionEnd', 'SessionEnd').catch((err) => {
    seq.session_end = String(err.message);
  });
  seq.exit = since();
  seq.registry_after_exit = registry() ? 'present' : 'absent';
  // The same session to its end: then an interrupted turn (no turn_duration) and an API error.
  await saveTranscript('text-tool-interrupt-error.jsonl', 3);

  // One real payload per event kind (the first of each; Notification by type).
  const all = readLog(log);
  const seen = new Set();
  for (const e of all) {
    const key = e.event === 'Notification' ? `Notification-${e.stdin.notification_type}` : e.event;
    if (seen.has(key)) continue;
    seen.add(key);
    writeFileSync(join(outDir, `${key}.json`), JSON.stringify(e.stdin, null, 2) + '\n');
  }
  const env = { ...all[0]?.env };
  for (const k of Object.keys(env)) if (/TOKEN|KEY/.test(k)) env[k] = '<redacted>';
  writeFileSync(join(observed, 'hook-env.json'), JSON.stringify(env, null, 2) + '\n');
  writeFileSync(join(observed, 'sequences.json'), JSON.stringify(seq, null, 2) + '\n');
}

export const scenarios = [
  ...SIZES.flatMap((sz) => [
    { name: `first-start ${sz.cols}x${sz.rows}`, run: (ctx) => firstStart(ctx, sz) },
    { name: `session ${sz.cols}x${sz.rows}`, run: (ctx) => session(ctx, sz) },
    { name: `permission ${sz.cols}x${sz.rows}`, run: (ctx) => permission(ctx, sz) },
  ]),
  { name: 'quoted-dialog', run: quotedDialog },
  { name: 'api-error', run: apiError },
  { name: 'hooks', run: hooks },
];

// For a quick look at one scenario: CLAUDE_SCENARIO=hooks node tests/agents/capture.mjs claude
if (process.env.CLAUDE_SCENARIO) {
  const want = process.env.CLAUDE_SCENARIO;
  scenarios.splice(0, scenarios.length, ...scenarios.filter((s) => s.name.startsWith(want)));
}
