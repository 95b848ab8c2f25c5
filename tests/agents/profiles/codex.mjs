// Codex CLI, offline: a custom model provider in an isolated HOME points it at the fake model (Responses API).
// The scenarios drive it through its states and capture what 0.171 draws.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const packageName = '@openai/codex';

// The hooks scenario writes its payloads and rollout here whatever capture.mjs --out says.
const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures');
const MODEL = 'gpt-5.5';
const KEY_ENV = 'CW_FAKE_MODEL_KEY';

const toml = (s) => JSON.stringify(s); // a JSON string is a valid TOML basic string

// Hook trust for -c hooks (checked on 0.171.0): the key is `/<session-flags>/config.toml:<snake_event>:0:0`,
// the hash the SHA-256 of the handler's identity as sorted-key JSON. Codex clamps some timeouts to 3 s and a
// clamped timeout changes the hash, so 3 it is.
const HOOK_TIMEOUT_S = 3;
const snake = (e) => e.replace(/[A-Z]/g, (c, i) => (i ? '_' : '') + c.toLowerCase());
function hookHash(event, command) {
  const identity = { event_name: snake(event), hooks: [{ async: false, command, timeout: HOOK_TIMEOUT_S, type: 'command' }] };
  return `sha256:${createHash('sha256').update(JSON.stringify(identity)).digest('hex')}`;
}

/**
 * Options (besides ctx.start's cols/rows):
 *   name      dirs() name, so each scenario gets a fresh HOME and project (default 'main')
 *   trusted   project already trusted in config.toml, so no trust dialog (default false)
 *   git       `git init` the project; Codex asks for folder trust only inside a repository (default true)
 *   upgraded  mark the "Meet <new model>" notice as seen (default true)
 *   notify    argv for `-c notify=[...]` (Codex appends the JSON payload as one more argument)
 *   hooks     { EVENT: command } given as -c hooks.EVENT overrides (timeout 3 s, synchronous)
 *   hookTrust how those hooks get trusted: 'hash' (default: -c hooks.state with their trust hashes, as cw
 *             does), 'bypass' (--dangerously-bypass-hook-trust) or 'none' (Codex asks at startup)
 *   approval  approval_policy (default: Codex's own default, on-request in a trusted folder)
 *   config    extra config.toml text
 *   args      extra command-line arguments
 *   env       extra environment variables
 */
export async function launch(ctx, opts = {}) {
  const { home, work } = ctx.dirs(opts.name ?? 'main');
  if ((opts.git ?? true) && !existsSync(join(work, '.git'))) execFileSync('git', ['init', '-q', work]);
  const codexHome = join(home, '.codex');
  mkdirSync(codexHome, { recursive: true });
  const lines = [
    `model = ${toml(MODEL)}`,
    'model_provider = "fake"',
    'check_for_update_on_startup = false',
    ...(opts.approval ? [`approval_policy = ${toml(opts.approval)}`] : []),
    '',
    '[model_providers.fake]',
    'name = "fake"',
    `base_url = ${toml(`${ctx.model.url}/v1`)}`,
    'wire_api = "responses"',
    `env_key = ${toml(KEY_ENV)}`,
    'request_max_retries = 0',
    'stream_max_retries = 0',
    '',
    '[analytics]',
    'enabled = false',
    '',
    '[feedback]',
    'enabled = false',
    '',
    // Skips the one-time screen-reader probe (Codex writes this itself after the first start).
    '[tui]',
    'screen_reader_detection_done = true',
    '',
  ];
  if (opts.upgraded ?? true) lines.push('[notice.model_migrations]', `${toml(MODEL)} = "gpt-6-sol"`, '');
  if (opts.trusted) lines.push(`[projects.${toml(work)}]`, 'trust_level = "trusted"', '');
  if (opts.config) lines.push(opts.config, '');
  writeFileSync(join(codexHome, 'config.toml'), lines.join('\n'));

  // --no-daemon: no shared background server outliving the pty (-c overrides force that mode anyway).
  const args = ['--no-daemon'];
  if (opts.notify) args.push('-c', `notify=[${opts.notify.map(toml).join(',')}]`);
  if (opts.hooks) {
    const trust = opts.hookTrust ?? 'hash';
    const state = [];
    for (const [event, command] of Object.entries(opts.hooks)) {
      args.push('-c', `hooks.${event}=[{hooks=[{type="command",command=${toml(command)},timeout=${HOOK_TIMEOUT_S}}]}]`);
      state.push(`${toml(`/<session-flags>/config.toml:${snake(event)}:0:0`)}={trusted_hash=${toml(hookHash(event, command))}}`);
    }
    if (trust === 'hash') args.push('-c', `hooks.state={${state.join(',')}}`);
    if (trust === 'bypass') args.push('--dangerously-bypass-hook-trust');
  }
  args.push(...(opts.args ?? []));
  return {
    file: ctx.bin,
    args,
    cwd: work,
    env: { PATH: process.env.PATH, HOME: home, TERM: 'xterm-256color', LANG: 'C.UTF-8', [KEY_ENV]: 'sk-fake-offline', ...opts.env },
  };
}

// ---- screen conditions -------------------------------------------------------------------------------------

const BRAILLE = /[\u2800-\u28ff]/;
// The model footer (`GPT-5.5 default · /path`): the first frame shows only `? for shortcuts`, wait past it.
const FOOTER = /^ {2}GPT-\S+ \S+ · /;
/** The composer with the model footer below it: the agent is at its prompt (or typing into it). */
const atPrompt = (s) => {
  const i = s.lines.findLastIndex((l) => /^› /.test(l));
  return i >= 0 && s.lines.slice(i + 1, i + 5).some((l) => FOOTER.test(l));
};
/** A dialog's key hints end the screen (quoted dialog text higher up does not count). */
const hasDialog = (s) =>
  s.lines
    .filter((l) => l.trim())
    .slice(-3)
    .some((l) => /Press enter to confirm or esc to cancel|enter to submit|enter continue|enter\/esc confirm/.test(l));
const ready = (p, what = 'the ready prompt') => p.waitFor((s) => atPrompt(s) && !hasDialog(s) && s.title !== '' && !BRAILLE.test(s.title), { timeoutMs: 30_000, what });
const working = (s) => BRAILLE.test(s.title.slice(0, 2));

/** Starts Codex in a trusted folder and waits for its empty prompt. */
async function startReady(ctx, opts) {
  const p = await ctx.start({ trusted: true, ...opts });
  await ready(p);
  await p.settle(500);
  return p;
}

async function send(p, text) {
  await p.type(text, { enter: false });
  const head = text.slice(0, 40); // a long draft wraps
  await p.waitFor((s, t) => t.includes(head), { timeoutMs: 5000, what: `the draft "${head}"` });
  p.write('\r');
}

/** Codex's own state report, `ESC ] 7501 ; state=working:app=codex ST` (idle, working, done, blocked:…:kind=…). */
function lastOsc7501(p) {
  const all = [...p.output().matchAll(/\x1b\]7501;([^\x07\x1b]*)/g)];
  return all.length ? all[all.length - 1][1] : '';
}

/** ctx.capture plus an `osc7501:` header line with the last state Codex reported (none before the chat view). */
function capture(ctx, p, name, expect, note, screen) {
  const file = ctx.capture(p, name, expect, note, screen);
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf('\n---\n');
  writeFileSync(file, `${text.slice(0, at)}\nosc7501: ${lastOsc7501(p) || '(none)'}${text.slice(at)}`);
  return file;
}

const sizes = [
  { cols: 120, rows: 40, tag: '120' },
  { cols: 80, rows: 24, tag: '80' },
];

// ---- scenarios ---------------------------------------------------------------------------------------------

const THINKING = /^• Working \(\d+s • esc to interrupt\)/m;

/** Sends `slow 20` and waits for the pre-stream status row (the fake model holds the first token 2 s). */
async function startSlow(p) {
  await send(p, 'slow 20');
  return p.waitFor((s, t) => working(s) && THINKING.test(t), { timeoutMs: 10_000, what: 'the Working status row' });
}
const streaming = (p) => p.waitFor((s, t) => working(s) && /\bword3\b/.test(t), { timeoutMs: 15_000, what: 'the streamed reply' });

export const scenarios = [];

for (const { cols, rows, tag } of sizes) {
  scenarios.push({
    name: `first-start-${tag}`,
    async run(ctx) {
      const p = await ctx.start({ name: `first-${tag}`, cols, rows, upgraded: false });
      await p.waitFor((s, t) => /Trust this folder\?/.test(t) && /enter continue/.test(t), { what: 'the trust dialog' });
      await p.settle();
      capture(ctx, p, `trust-folder-${tag}`, 'waiting_for_input', 'first start in an untrusted git repository (a folder outside a repository gets no dialog)');
      p.write('\r');
      await p.waitFor((s, t) => /Meet GPT-/.test(t) && /enter\/esc confirm/.test(t), { what: 'the model upgrade notice' });
      await p.settle();
      capture(ctx, p, `model-upgrade-${tag}`, 'waiting_for_input', 'the "Meet <new model>" notice after trusting the folder, before the prompt appears');
      p.write('2'); // the digit picks and confirms "Use existing model"
      await ready(p);
      await p.settle(1000);
      capture(ctx, p, `welcome-${tag}`, 'idle', 'empty prompt after the first start: the welcome banner (its logo is braille art)');
    },
  });
}

for (const { cols, rows, tag } of sizes) {
  scenarios.push({
    name: `ready-${tag}`,
    async run(ctx) {
      const p = await startReady(ctx, { name: `ready-${tag}`, cols, rows });
      capture(ctx, p, `ready-${tag}`, 'idle', 'trusted folder, empty prompt');
      await p.type('a draft that is not sent', { enter: false });
      await p.waitFor((s, t) => t.includes('a draft that is not sent'), { timeoutMs: 5000, what: 'the draft' });
      await p.settle();
      capture(ctx, p, `draft-${tag}`, 'idle', 'a draft typed in the composer, not sent');
    },
  });
}

for (const { cols, rows, tag } of sizes) {
  scenarios.push({
    name: `pong-${tag}`,
    async run(ctx) {
      const p = await startReady(ctx, { name: `pong-${tag}`, cols, rows });
      await send(p, 'say PONG');
      await p.waitFor((s, t) => /^• PONG$/m.test(t) && /Worked for/.test(t), { what: 'the reply' });
      await ready(p, 'the prompt after the reply');
      await p.settle();
      capture(ctx, p, `pong-${tag}`, 'idle', 'a one-word reply, turn finished');
    },
  });
}

for (const { cols, rows, tag } of sizes) {
  scenarios.push({
    name: `working-${tag}`,
    async run(ctx) {
      const p = await startReady(ctx, { name: `working-${tag}`, cols, rows });
      capture(ctx, p, `thinking-${tag}`, 'working', 'before the first token: the status row above the composer', await startSlow(p));
      capture(ctx, p, `streaming-${tag}`, 'working', 'while the reply streams there is no status row; only the title spinner and the growing text show it', await streaming(p));
      p.write('\x1b');
      await p.waitFor((s, t) => /Conversation interrupted/.test(t), { timeoutMs: 10_000, what: 'the interrupt notice' });
      await ready(p, 'the prompt after the interrupt');
      await p.settle();
      capture(ctx, p, `interrupted-${tag}`, 'idle', 'Esc while the reply streamed');
    },
  });
}

for (const { cols, rows, tag } of sizes) {
  scenarios.push({
    name: `permission-${tag}`,
    async run(ctx) {
      const p = await startReady(ctx, { name: `perm-${tag}`, cols, rows });
      await send(p, 'run: touch made-by-agent.txt');
      await p.waitFor((s, t) => /Would you like to run the following command\?/.test(t) && /Press enter to confirm/.test(t), { what: 'the approval dialog' });
      await p.settle();
      capture(ctx, p, `exec-approval-${tag}`, 'waiting_for_input', 'default (on-request) approvals in a trusted folder; the fake model asks for sandbox_permissions=require_escalated');
      p.write('\r');
      await p.waitFor((s, t) => /Ran it\./.test(t), { what: 'the follow-up answer' });
      await ready(p, 'the prompt after the tool ran');
      await p.settle();
      capture(ctx, p, `approved-${tag}`, 'idle', 'approved once; the command ran and the turn finished');
    },
  });
}

scenarios.push({
  name: 'permission-denied-120',
  async run(ctx) {
    const p = await startReady(ctx, { name: 'denied' });
    await send(p, 'run: touch denied.txt');
    await p.waitFor((s, t) => /Press enter to confirm/.test(t), { what: 'the approval dialog' });
    await p.settle();
    p.write('\x1b');
    await ready(p, 'the prompt after Esc on the dialog');
    await p.settle();
    capture(ctx, p, 'denied-120', 'idle', 'Esc on the approval dialog cancels the command and ends the turn');
  },
});

scenarios.push({
  name: 'tool-running-120',
  async run(ctx) {
    const p = await startReady(ctx, { name: 'toolrun' });
    await send(p, 'run: sleep 8');
    await p.waitFor((s, t) => /Press enter to confirm/.test(t), { what: 'the approval dialog' });
    p.write('\r');
    const s = await p.waitFor((s, t) => working(s) && /Running sleep 8/.test(t) && !/Press enter to confirm/.test(t), { timeoutMs: 10_000, what: 'the running command' });
    capture(ctx, p, 'tool-running-120', 'working', 'an approved command runs (no model output meanwhile)', s);
    await p.waitFor((s, t) => /Ran it\./.test(t), { timeoutMs: 20_000, what: 'the end of the turn' });
  },
});

scenarios.push({
  name: 'queued-120',
  async run(ctx) {
    const p = await startReady(ctx, { name: 'queued' });
    await startSlow(p);
    await streaming(p);
    // Tab queues a message for after the turn; Enter would steer it into the running turn instead.
    await p.type('reply with: queued one', { enter: false });
    await p.waitFor((s, t) => t.includes('reply with: queued one'), { timeoutMs: 5000, what: 'the draft' });
    p.write('\t');
    const q = await p.waitFor((s, t) => working(s) && /Queued follow-up/.test(t), { timeoutMs: 5000, what: 'the queued message' });
    capture(ctx, p, 'queued-120', 'working', 'a second message queued with Tab while the reply streams', q);
    p.write('\x1b');
    await p.waitFor((s, t) => /Conversation interrupted/.test(t), { timeoutMs: 10_000, what: 'the interrupt notice' });
    await ready(p, 'the prompt after the interrupt');
    await p.settle();
    capture(ctx, p, 'interrupted-queued-120', 'idle', 'Esc with a queued message: the turn stops and the queued text returns to the composer as a draft');
  },
});

scenarios.push({
  name: 'steer-120',
  async run(ctx) {
    const p = await startReady(ctx, { name: 'steer' });
    await startSlow(p);
    await streaming(p);
    await p.type('reply with: steered', { enter: false });
    await p.waitFor((s, t) => t.includes('reply with: steered'), { timeoutMs: 5000, what: 'the draft' });
    await p.settle(300, 2000);
    capture(ctx, p, 'draft-while-working-120', 'working', 'a draft typed into the composer while the reply streams');
    p.write('\r');
    await p.waitFor((s, t) => /^• steered$/m.test(t), { timeoutMs: 15_000, what: 'the steered reply' });
    await ready(p, 'the prompt after the steered turn');
    await p.settle();
    capture(ctx, p, 'steered-120', 'idle', 'Enter while working sends the message into the running turn (steer); the streamed text is replaced');
  },
});

scenarios.push({
  name: 'quoted-dialog-120',
  async run(ctx) {
    // A dialog's text in the transcript above a live composer is history, not a dialog.
    const p = await startReady(ctx, { name: 'quoted' });
    await send(p, "run: printf '%s\\n' 'Would you like to run the following command?' '› 1. Yes, proceed (y)' '  2. No, and tell Codex what to do differently (esc)' 'Press enter to confirm or esc to cancel'");
    await p.waitFor((s, t) => /^ {2}Press enter to confirm or esc to cancel/m.test(t), { what: 'the approval dialog' });
    p.write('\r');
    await p.waitFor((s, t) => /Ran it\./.test(t), { what: 'the follow-up answer' });
    await ready(p, 'the prompt after the tool ran');
    await p.settle();
    capture(ctx, p, 'quoted-dialog-120', 'idle', 'a command printed dialog text; it sits in the transcript above the live composer');
  },
});

for (const { cols, rows, tag } of sizes) {
  scenarios.push({
    name: `question-${tag}`,
    async run(ctx) {
      const p = await startReady(ctx, { name: `question-${tag}`, cols, rows });
      p.write('\x1b[Z'); // Shift+Tab: Plan mode, the only mode that offers request_user_input
      await p.waitFor((s, t) => /Plan mode/.test(t), { timeoutMs: 5000, what: 'Plan mode' });
      await send(p, 'ask: Which fruit?');
      await p.waitFor((s, t) => /Question 1\/1/.test(t) && /enter to submit answer/.test(t), { what: 'the question form' });
      await p.settle();
      capture(ctx, p, `request-user-input-${tag}`, 'waiting_for_input', 'request_user_input in Plan mode; its hint row contains "esc to interrupt"');
      p.write('\r');
      await p.waitFor((s, t) => /Ran it\./.test(t), { what: 'the follow-up answer' });
      await ready(p, 'the prompt after the answer');
      await p.settle();
      capture(ctx, p, `answered-${tag}`, 'idle', 'question answered, turn finished (Plan mode footer)');
    },
  });
}

// ---- hooks, notify and the transcript ----------------------------------------------------------------------

const HOOK_EVENTS = ['SessionStart', 'UserPromptSubmit', 'PreModelRequest', 'PreToolUse', 'PermissionRequest', 'PostToolUse', 'Stop', 'Interrupt', 'PreCompact', 'PostCompact', 'SubagentStart', 'SubagentStop', 'SessionEnd'];

/** Every hook and notify appends `NAME<TAB>json` to `log`; the scenario adds `# phase` lines between. */
function recorders(log) {
  const q = `'${log}'`;
  const hooks = Object.fromEntries(HOOK_EVENTS.map((e) => [e, `{ printf '%s\\t' ${e}; cat; echo; } >> ${q}`]));
  const notify = ['sh', '-c', `printf 'notify\\t%s\\n' "$1" >> ${q}`, 'notify'];
  return { hooks, notify };
}

/** Shortens Codex's long built-in texts (system prompt, instructions) in the saved transcript; keeps the shape. */
function elide(v) {
  if (typeof v === 'string') return v.length > 1500 ? `${v.slice(0, 200)}[… ${v.length - 200} chars elided by the capture kit]` : v;
  if (Array.isArray(v)) return v.map(elide);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, elide(x)]));
  return v;
}

function records(log) {
  if (!existsSync(log)) return [];
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      if (l.startsWith('# ')) return { phase: l.slice(2) };
      const tab = l.indexOf('\t');
      return { name: l.slice(0, tab), payload: JSON.parse(l.slice(tab + 1)) };
    });
}

/** Waits (polling the log) until `pred(records)` holds. */
async function waitLog(log, pred, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const r = records(log);
    if (pred(r)) return r;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; log so far: ${r.map((x) => x.phase ?? x.name).join(' ')}`);
    await new Promise((res) => setTimeout(res, 200));
  }
}
const since = (r) => r.slice(r.findLastIndex((x) => x.phase));
const has = (name) => (r) => since(r).some((x) => x.name === name);

scenarios.push({
  name: 'hooks',
  async run(ctx) {
    const log = join(ctx.root, 'hooks.log');
    const phase = (m) => appendFileSync(log, `# ${m}\n`);
    const p = await ctx.start({ name: 'hooks', trusted: true, ...recorders(log) });
    phase('launch');
    await ready(p);
    await p.settle(1500);
    phase('text turn: say PONG');
    await send(p, 'say PONG');
    await waitLog(log, (r) => has('Stop')(r) && since(r).filter((x) => x.name === 'notify').length >= 2, 'Stop and notify after the text turn');
    phase('permission turn: run: touch made-by-agent.txt');
    await send(p, 'run: touch made-by-agent.txt');
    await p.waitFor((s, t) => /Press enter to confirm/.test(t), { what: 'the approval dialog' });
    await p.settle();
    phase('dialog on screen; approving');
    p.write('\r');
    await p.waitFor((s, t) => /Ran it\./.test(t), { what: 'the follow-up answer' });
    await waitLog(log, (r) => has('Stop')(r) && has('notify')(r), 'Stop and notify after the tool turn');
    phase('interrupt turn: slow 20');
    await startSlow(p);
    await streaming(p);
    phase('Esc pressed');
    p.write('\x1b');
    await p.waitFor((s, t) => /Conversation interrupted/.test(t), { timeoutMs: 10_000, what: 'the interrupt notice' });
    await waitLog(log, has('Interrupt'), 'the Interrupt hook');
    await new Promise((r) => setTimeout(r, 1500)); // anything late (a Stop or notify) would show up now
    phase('exit: Ctrl+C twice');
    p.write('\x03');
    await new Promise((r) => setTimeout(r, 300));
    p.write('\x03');
    const exited = Object.assign(() => Boolean(p.exited), { allowExit: true });
    await p.waitFor(exited, { timeoutMs: 15_000, what: 'the exit' });
    const all = await waitLog(log, has('SessionEnd'), 'SessionEnd');

    const dir = join(FIXTURES, 'hooks', 'codex');
    mkdirSync(dir, { recursive: true });
    const session = all.find((x) => x.name === 'SessionStart')?.payload.session_id;
    const seen = new Set();
    const order = [];
    for (const x of all) {
      if (x.phase) {
        order.push(`\n${x.phase}:`);
        continue;
      }
      // notify also fires for the side thread that writes the thread title: a different thread-id.
      const side = x.name === 'notify' && x.payload['thread-id'] !== session;
      const kind = side ? 'notify-title-thread' : x.name;
      order.push(`  ${kind}`);
      if (seen.has(kind)) continue;
      seen.add(kind);
      writeFileSync(join(dir, `${kind}.json`), JSON.stringify(x.payload, null, 2) + '\n');
    }
    writeFileSync(join(dir, 'order.txt'), `Hook and notify order, codex ${ctx.version}, one session (hooks and their trust via -c hooks.state, notify via -c):${order.join('\n')}\n`);

    const rollout = all.find((x) => x.name === 'SessionStart')?.payload.transcript_path;
    if (rollout && existsSync(rollout)) {
      const tdir = join(FIXTURES, 'transcripts', 'codex');
      mkdirSync(tdir, { recursive: true });
      const lines = readFileSync(rollout, 'utf8').split('\n').filter(Boolean);
      writeFileSync(join(tdir, 'rollout-text-tool-interrupt.jsonl'), lines.map((l) => JSON.stringify(elide(JSON.parse(l)))).join('\n') + '\n');
    }
  },
});

scenarios.push({
  name: 'notify-without-hook-trust',
  async run(ctx) {
    // Untrusted -c hooks bring up a review dialog at startup; declining it skips them, but notify still fires.
    const log = join(ctx.root, 'untrusted-hooks.log');
    const p = await ctx.start({ name: 'nobypass', trusted: true, hookTrust: 'none', ...recorders(log) });
    await p.waitFor((s, t) => /Hooks need review/.test(t) && /enter confirm/.test(t), { what: 'the hook review dialog' });
    await p.settle();
    capture(ctx, p, 'hooks-review-120', 'waiting_for_input', 'startup dialog when -c hooks come without their trust (no hooks.state, no bypass flag)');
    p.write('3'); // Continue without trusting (hooks won't run)
    await ready(p);
    await send(p, 'say PONG');
    const r = await waitLog(log, (x) => x.some((y) => y.name === 'notify' && y.payload['last-assistant-message'] === 'PONG'), 'notify');
    await new Promise((res) => setTimeout(res, 1000));
    const hooks = records(log).filter((x) => x.name && x.name !== 'notify');
    if (hooks.length) throw new Error(`untrusted hooks ran: ${hooks.map((x) => x.name).join(' ')}`);
    if (!r.length) throw new Error('no notify');
  },
});
