// opencode offline: a custom provider on the bundled @ai-sdk/openai-compatible SDK pointed at the fake
// model (Chat Completions), in a throwaway HOME, and the scenarios that drive its full-screen TUI (and the
// `--mini` one) through its states. opencode 1.18 has no folder-trust dialog, and in its default permission
// mode runs bash inside the project without asking: it asks for commands that touch a path outside the
// project ("Access external directory"), and for every bash command when the config says `bash: "ask"`.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const packageName = 'opencode-ai';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, '..', '..', 'fixtures');

/**
 * A recording plugin: one JSON line per bus event (streaming deltas left out), appended to
 * $CW_OPENCODE_EVENTS, plus the `chat.message` hook (a prompt submitted) in the same {type, properties} shape.
 */
const PLUGIN = `import { appendFileSync } from 'node:fs';
const log = (e) => process.env.CW_OPENCODE_EVENTS && appendFileSync(process.env.CW_OPENCODE_EVENTS, JSON.stringify(e) + '\\n');
export const CwEvents = async () => ({
  event: async ({ event }) => {
    if (event.type !== 'message.part.delta') log(event);
  },
  'chat.message': async (input) => log({ type: 'chat.message', properties: input }),
});
`;

/**
 * opts: name (folder under the run root, default 'main'), trusted (no effect: 1.18 asks no trust
 * question), askBash (config `permission.bash = "ask"`), mini (`--mini` interface), events (a file: load
 * the event plugin through OPENCODE_CONFIG_CONTENT, as cw would, and write events there), args.
 */
export async function launch(ctx, opts = {}) {
  const { home, work } = ctx.dirs(opts.name ?? 'main');
  const configDir = join(home, '.config', 'opencode');
  mkdirSync(join(configDir, 'node_modules'), { recursive: true });
  // opencode npm-installs @opencode-ai/plugin into every config folder in the background unless
  // node_modules exists and the lock file already lists it: this keeps it off the network.
  writeFileSync(join(configDir, 'package-lock.json'), JSON.stringify({ packages: { '': { dependencies: { '@opencode-ai/plugin': ctx.version } } } }));
  const config = {
    $schema: 'https://opencode.ai/config.json',
    autoupdate: false,
    share: 'disabled',
    provider: {
      fake: {
        npm: '@ai-sdk/openai-compatible',
        name: 'Fake',
        options: { baseURL: `${ctx.model.url}/v1`, apiKey: 'fake-key' },
        models: { 'fake-model': { name: 'Fake Model', tool_call: true } },
      },
    },
    model: 'fake/fake-model',
    small_model: 'fake/fake-model',
  };
  if (opts.askBash) config.permission = { bash: 'ask' };
  writeFileSync(join(configDir, 'opencode.json'), JSON.stringify(config, null, 2));
  const env = {
    PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    HOME: home,
    TERM: 'xterm-256color',
    LANG: 'C.UTF-8',
    OPENCODE_DISABLE_AUTOUPDATE: '1',
    OPENCODE_DISABLE_MODELS_FETCH: '1',
    OPENCODE_DISABLE_SHARE: '1',
    OPENCODE_DISABLE_DEFAULT_PLUGINS: '1',
    OPENCODE_DISABLE_LSP_DOWNLOAD: '1',
    OPENCODE_DISABLE_CLAUDE_CODE: '1',
  };
  if (opts.events) {
    const plugin = join(dirname(home), 'cw-opencode-events.mjs');
    writeFileSync(plugin, PLUGIN);
    env.OPENCODE_CONFIG_CONTENT = JSON.stringify({ plugin: [pathToFileURL(plugin).href] });
    env.CW_OPENCODE_EVENTS = opts.events;
  }
  const args = [...(opts.mini ? ['--mini'] : []), ...(opts.args ?? [])];
  return { file: ctx.bin, args, env, cwd: work };
}

// ---------------------------------------------------------------------------------------------------
// Screen conditions

const BUSY = /esc (?:again )?(?:to )?interrupt/;
/** The bottom rows (help bar and status line): busy markers count only there, never in the transcript. */
const bottom = (s, n = 3) => s.lines.filter((l) => l.trim()).slice(-n).join('\n');
const busy = (s) => BUSY.test(bottom(s));
const idleBar = (s) => /ctrl\+p (?:commands|cmd)/.test(bottom(s)) && !busy(s);
const has = (re) => (s, t) => re.test(t);
const dialog = (s, t) => /Permission required/.test(t) && /Allow once/.test(t);

async function ready(p) {
  await p.waitFor((s, t) => /Ask anything/.test(t) && idleBar(s), { timeoutMs: 60_000, what: 'the empty prompt' });
  return p.settle();
}

/** Sends a prompt and waits until opencode has taken it (the bar turns busy or the reply is there). */
async function send(p, text, until, what) {
  await p.type(text);
  return p.waitFor(until, { timeoutMs: 30_000, what });
}

const turnDone = (re) => (s, t) => re.test(t) && idleBar(s);

/**
 * Esc twice: the first press only arms "esc again to interrupt". A second press that lands too soon is
 * sometimes dropped, so it is repeated (re-arming first when the hint has gone) until `done` holds.
 */
async function interrupt(p, done, onArmed = () => {}) {
  const armed = has(/esc again to interrupt/);
  p.write('\x1b');
  await p.waitFor(armed, { what: 'the second-press hint' });
  onArmed();
  for (let i = 0; ; i++) {
    if (!armed(p.screen(), p.text())) {
      p.write('\x1b');
      await p.waitFor((s, t) => armed(s, t) || done(s, t), { what: 'the second-press hint' });
    }
    p.write('\x1b');
    try {
      return await p.waitFor(done, { timeoutMs: 4000, what: 'the interrupt' });
    } catch (err) {
      if (i >= 3) throw err;
    }
  }
}

/**
 * Picks the dialog option `rights` presses right of the first and confirms it. The dialog drops keys that
 * arrive while it is still being drawn (one run took Reject for Allow once), so each key waits for quiet.
 */
async function choose(p, rights) {
  await p.settle(300);
  for (let i = 0; i < rights; i++) {
    p.write('\x1b[C');
    await p.settle(300);
  }
  p.write('\r');
}

/** Holds once the fake model has been asked about `text` since request number `from`. */
const modelSaw = (ctx, from, text) => () =>
  ctx.model.requests.slice(from).some((r) => Array.isArray(r.body?.messages) && JSON.stringify(r.body.messages.at(-1) ?? '').includes(text));

const sizes = [
  { tag: 'wide', cols: 120, rows: 40 },
  { tag: 'narrow', cols: 80, rows: 24 },
];

function perSize(base, run) {
  return sizes.map((z) => ({ name: `${base}-${z.tag}`, run: (ctx) => run(ctx, z) }));
}

async function withAgent(ctx, opts, fn) {
  const p = await ctx.start(opts);
  try {
    return await fn(p);
  } finally {
    await p.kill();
  }
}

// ---------------------------------------------------------------------------------------------------
// Scenarios

const home = perSize('home', (ctx, z) =>
  withAgent(ctx, { name: `home-${z.tag}`, cols: z.cols, rows: z.rows, trusted: false }, async (p) => {
    await ready(p);
    ctx.capture(p, `first-start-${z.tag}`, 'idle', 'first start in a fresh folder: 1.18 asks no trust question; the home screen with the empty prompt');
    await p.type('fix the flaky test in parser.ts', { enter: false });
    await p.waitFor(has(/fix the flaky test/), { what: 'the draft' });
    await p.settle();
    ctx.capture(p, `draft-${z.tag}`, 'idle', 'a draft typed but not sent');
  }),
);

const turns = perSize('turns', (ctx, z) =>
  withAgent(ctx, { name: `turns-${z.tag}`, cols: z.cols, rows: z.rows }, async (p) => {
    await ready(p);
    await send(p, 'PONG', turnDone(/^\s*PONG\s*$/m), 'the PONG reply');
    await p.settle();
    ctx.capture(p, `pong-${z.tag}`, 'idle', 'after a one-word reply, back at the (placeholder-less) prompt');

    await send(p, 'slow 20', (s, t) => busy(s) && /word4\b/.test(t), 'streaming');
    ctx.capture(p, `streaming-${z.tag}`, 'working', 'the model is streaming (slow 20); progress dots and "esc interrupt" in the bottom bar');
    await interrupt(p, turnDone(/interrupted/), () =>
      ctx.capture(p, `esc-once-${z.tag}`, 'working', 'Esc pressed once: "esc again to interrupt", still streaming'),
    );
    await p.settle();
    ctx.capture(p, `interrupted-${z.tag}`, 'idle', 'after Esc twice during slow 20: the turn is marked "interrupted"');

    await send(p, 'slow 8', (s, t) => busy(s) && /word2\b/.test(t), 'streaming');
    await p.type('reply with: queued answer');
    await p.waitFor((s, t) => busy(s) && /queued answer[\s\S]*QUEUED/.test(t), { what: 'the queued message' });
    ctx.capture(p, `queued-${z.tag}`, 'working', 'a second message sent while slow 8 streams: shown in the transcript with a QUEUED badge');
    await p.waitFor(turnDone(/^\s*queued answer\s*$/m), { timeoutMs: 60_000, what: 'the queued reply' });
    await p.settle();
    ctx.capture(p, `queued-done-${z.tag}`, 'idle', 'the queued message answered, back at the prompt');
  }),
);

const tools = perSize('tools', (ctx, z) =>
  withAgent(ctx, { name: `tools-${z.tag}`, cols: z.cols, rows: z.rows }, async (p) => {
    await ready(p);
    await send(p, 'run: touch made-by-agent.txt', turnDone(/Ran it\./), 'the tool run');
    await p.settle();
    ctx.capture(p, `tool-ran-no-dialog-${z.tag}`, 'idle', 'default permissions: bash inside the project runs without asking');

    // While it runs the `$` before the command turns into a braille spinner.
    await send(p, 'run: sleep 6', (s, t) => busy(s) && /[\u2801-\u28ff] sleep 6/.test(t), 'the running tool');
    ctx.capture(p, `tool-running-${z.tag}`, 'working', 'a bash tool call (sleep 6) is running: braille spinner before the command, busy bar');
    await p.waitFor(turnDone(/sleep 6[\s\S]*Ran it\./), { timeoutMs: 30_000, what: 'the tool result' });

    await send(p, 'run: touch ../outside.txt', dialog, 'the external-directory dialog');
    await p.settle();
    ctx.capture(p, `permission-external-dir-${z.tag}`, 'waiting_for_input', 'default permissions: a command touching a path outside the project asks first');
    p.write('\r');
    await p.waitFor((s, t) => !dialog(s, t) && turnDone(/outside\.txt[\s\S]*Ran it\./)(s, t), { what: 'back at the prompt' });
    await p.settle();
    ctx.capture(p, `permission-answered-${z.tag}`, 'idle', 'after "Allow once": the tool ran, the model answered, back at the prompt');
  }),
);

const askBash = perSize('ask-bash', (ctx, z) =>
  withAgent(ctx, { name: `askbash-${z.tag}`, cols: z.cols, rows: z.rows, askBash: true }, async (p) => {
    await ready(p);
    await send(p, 'run: touch made-by-agent.txt', dialog, 'the bash permission dialog');
    await p.settle();
    ctx.capture(p, `permission-bash-${z.tag}`, 'waiting_for_input', 'config permission.bash = "ask": the bash tool asks');
    p.write('\r');
    await p.waitFor(turnDone(/Ran it\./), { what: 'the answered tool' });
    await p.settle();
    ctx.capture(p, `permission-bash-answered-${z.tag}`, 'idle', 'after "Allow once": tool ran, back at the prompt');

    await send(p, 'run: touch second.txt', dialog, 'the second dialog');
    await choose(p, 1); // Allow always
    await p.waitFor(has(/Always allow[\s\S]*Confirm\s+Cancel/), { what: 'the "Allow always" confirmation' });
    await p.settle();
    ctx.capture(p, `permission-always-confirm-${z.tag}`, 'waiting_for_input', '"Allow always" asks to confirm the pattern');
    p.write('\r');
    await p.waitFor(turnDone(/touch second\.txt[\s\S]*Ran it\./), { what: 'the second tool result' });

    await send(p, 'run: rm -f third.txt', dialog, 'the third dialog');
    await choose(p, 2); // Reject
    await p.waitFor((s, t) => !dialog(s, t) && idleBar(s), { what: 'the end of the rejected turn' });
    await p.settle();
    if (/rm -f third\.txt[\s\S]*Ran it\./.test(p.text())) throw new Error('the tool ran: "Reject" was not the option chosen');
    ctx.capture(p, `permission-rejected-${z.tag}`, 'idle', 'after "Reject": the tool call is refused and the turn ends without a reply');
  }),
);

const question = perSize('question', (ctx, z) =>
  withAgent(ctx, { name: `question-${z.tag}`, cols: z.cols, rows: z.rows }, async (p) => {
    await ready(p);
    await send(p, 'ask: Which color do you want?', has(/Which color do you want\?[\s\S]*Red/), 'the question picker');
    await p.settle();
    ctx.capture(p, `question-${z.tag}`, 'waiting_for_input', 'the question tool: a picker waits for an answer');
    p.write('\r');
    await p.waitFor(turnDone(/Ran it\./), { timeoutMs: 30_000, what: 'the answered question' });
    await p.settle();
    ctx.capture(p, `question-answered-${z.tag}`, 'idle', 'after picking an answer, back at the prompt');
  }),
);

const mini = perSize('mini', (ctx, z) =>
  withAgent(ctx, { name: `mini-${z.tag}`, cols: z.cols, rows: z.rows, mini: true }, async (p) => {
    await ready(p);
    ctx.capture(p, `mini-start-${z.tag}`, 'idle', '--mini interface: start screen');
    await send(p, 'PONG', turnDone(/^\s*PONG\s*$/m), 'the PONG reply');
    await p.settle();
    ctx.capture(p, `mini-pong-${z.tag}`, 'idle', '--mini: after a one-word reply');
    // The mini UI shows the reply only once it is complete: wait for the model to be streaming it.
    const asked = ctx.model.requests.length;
    await send(p, 'slow 20', (s) => busy(s), 'the busy bar');
    await p.waitFor(modelSaw(ctx, asked, 'slow 20'), { what: 'the request for slow 20' });
    ctx.capture(p, `mini-streaming-${z.tag}`, 'working', '--mini: slow 20 is streaming (the mini UI shows the text only at the end)');
    await interrupt(p, (s, t) => /Aborted|interrupted/.test(t) && idleBar(s), () =>
      ctx.capture(p, `mini-esc-once-${z.tag}`, 'working', '--mini: Esc pressed once'),
    );
    await p.settle();
    ctx.capture(p, `mini-interrupted-${z.tag}`, 'idle', '--mini: after Esc twice');
    await send(p, 'run: touch ../outside.txt', dialog, 'the permission dialog');
    await p.settle();
    ctx.capture(p, `mini-permission-${z.tag}`, 'waiting_for_input', '--mini: external-directory permission dialog');
    p.write('\r');
    await p.waitFor(turnDone(/Ran it\./), { what: 'the tool result' });
    await p.settle();
    ctx.capture(p, `mini-permission-answered-${z.tag}`, 'idle', '--mini: after "Allow once"');
  }),
);

// ---------------------------------------------------------------------------------------------------
// The agent's own signals: the event plugin, loaded through OPENCODE_CONFIG_CONTENT.

function readEvents(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

const NOISE = /^(?:plugin\.added|catalog\.updated|reference\.updated|integration\.updated|message\.part\.delta)$/;

const hooks = {
  name: 'hooks',
  run: (ctx) => {
    const events = join(ctx.root, 'hooks-events.jsonl');
    return withAgent(ctx, { name: 'hooks', events }, async (p) => {
      await ready(p);
      const slice = (from) => readEvents(events).slice(from).filter((e) => !NOISE.test(e.type));
      const waitEvents = (pred, what) => p.waitFor(pred, { timeoutMs: 30_000, what });
      /** A turn is over once session.idle follows its first busy status. */
      const idleAfter = (from) => () => {
        const ev = slice(from);
        const b = ev.findIndex((e) => e.type === 'session.status' && e.properties?.status?.type === 'busy');
        return b >= 0 && ev.slice(b).some((e) => e.type === 'session.idle');
      };
      /** The event count once no event has arrived for 800 ms, so a turn's stragglers stay in that turn. */
      const mark = async () => {
        let n = -1;
        let since = Date.now();
        const deadline = Date.now() + 10_000;
        while (Date.now() < deadline) {
          const now = readEvents(events).length;
          if (now !== n) [n, since] = [now, Date.now()];
          else if (Date.now() - since >= 800) break;
          await new Promise((r) => setTimeout(r, 100));
        }
        return n;
      };

      let at = await mark();
      await send(p, 'PONG', turnDone(/^\s*PONG\s*$/m), 'the PONG reply');
      await waitEvents(idleAfter(at), 'session.idle after the text turn');
      await mark();
      const text = slice(at);

      at = await mark();
      await send(p, 'run: touch ../outside.txt', dialog, 'the permission dialog');
      await waitEvents(() => slice(at).some((e) => e.type === 'permission.asked'), 'permission.asked');
      p.write('\r');
      await waitEvents(idleAfter(at), 'session.idle after the permission turn');
      await mark();
      const permission = slice(at);

      at = await mark();
      await send(p, 'run: touch ../rejected.txt', dialog, 'the dialog to reject');
      await choose(p, 2); // Reject
      await waitEvents(idleAfter(at), 'session.idle after the rejection');
      await mark();
      const rejected = slice(at);
      if (!rejected.some((e) => e.type === 'permission.replied' && e.properties?.reply === 'reject')) throw new Error('"Reject" was not the option chosen');

      at = await mark();
      await send(p, 'slow 20', (s, t) => busy(s) && /word2\b/.test(t), 'streaming');
      await interrupt(p, idleAfter(at));
      await mark();
      const interrupted = slice(at);

      at = await mark();
      await send(p, 'ask: Which color do you want?', has(/Which color do you want\?[\s\S]*Red/), 'the question picker');
      await waitEvents(() => slice(at).some((e) => e.type === 'question.asked'), 'question.asked');
      p.write('\r'); // picks the first answer
      await waitEvents(idleAfter(at), 'session.idle after the question');
      await mark();
      const questionTurn = slice(at);

      at = await mark();
      await send(p, 'ask: Which size do you want?', has(/Which size do you want\?[\s\S]*Red/), 'the second question');
      await waitEvents(() => slice(at).some((e) => e.type === 'question.asked'), 'question.asked');
      p.write('\x1b'); // esc dismiss
      await waitEvents(idleAfter(at), 'session.idle after the dismissed question');
      await mark();
      const dismissed = slice(at);

      const dir = join(FIXTURES, 'hooks', 'opencode');
      mkdirSync(dir, { recursive: true });
      const firsts = new Map();
      for (const e of readEvents(events)) {
        // session.status and permission.replied: one payload per value; otherwise the first of each kind.
        const key =
          e.type === 'session.status' ? `session.status.${e.properties?.status?.type}` : e.type === 'permission.replied' ? `permission.replied.${e.properties?.reply}` : e.type;
        if (!NOISE.test(e.type) && !firsts.has(key)) firsts.set(key, e);
      }
      for (const [key, e] of firsts) writeFileSync(join(dir, `${key}.json`), JSON.stringify(e, null, 2) + '\n');
      const order = (list) => list.map((e) => (e.type === 'session.status' ? `session.status:${e.properties.status.type}` : e.type));
      const squash = (list) => list.filter((t, i) => t !== list[i - 1]);
      writeFileSync(
        join(dir, 'order.json'),
        JSON.stringify(
          {
            note: `event types in arrival order (repeats squashed, streaming deltas and plugin/catalog noise dropped), from ${packageName} ${ctx.version}`,
            textTurn: squash(order(text)),
            permissionTurn: squash(order(permission)),
            rejectedPermission: squash(order(rejected)),
            interrupt: squash(order(interrupted)),
            questionTurn: squash(order(questionTurn)),
            questionDismissed: squash(order(dismissed)),
          },
          null,
          2,
        ) + '\n',
      );
    });
  },
};

// ---------------------------------------------------------------------------------------------------
// Transcript: opencode keeps conversations in SQLite ($HOME/.local/share/opencode/opencode.db);
// `opencode export <ses_id>` prints one session as JSON.

const transcript = {
  name: 'transcript',
  run: (ctx) =>
    withAgent(ctx, { name: 'transcript' }, async (p) => {
      await ready(p);
      await send(p, 'PONG', turnDone(/^\s*PONG\s*$/m), 'the PONG reply');
      await send(p, 'run: touch made-by-agent.txt', turnDone(/Ran it\./), 'the tool result');
      await p.settle();
      const spec = await launch(ctx, { name: 'transcript' });
      const run = (args) => execFileSync(spec.file, args, { cwd: spec.cwd, env: spec.env, encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] });
      const sessions = JSON.parse(run(['session', 'list', '--format', 'json']));
      if (!sessions.length) throw new Error('no session listed');
      const dir = join(FIXTURES, 'transcripts', 'opencode');
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'session-list.json'), JSON.stringify(sessions, null, 2) + '\n');
      const exportTo = (name) => writeFileSync(join(dir, name), JSON.stringify(JSON.parse(run(['export', sessions[0].id])), null, 2) + '\n');
      exportTo('export.json');
      // The same session after an interrupted turn: the aborted reply carries error MessageAbortedError.
      await send(p, 'slow 20', (s, t) => busy(s) && /word2\b/.test(t), 'streaming');
      await interrupt(p, turnDone(/interrupted/));
      await p.settle();
      exportTo('export-interrupted.json');
      const db = join(spec.env.HOME, '.local', 'share', 'opencode', 'opencode.db');
      try {
        // The raw rows, as a reader of the database would see them (sqlite3 is optional).
        const rows = execFileSync('sqlite3', ['-json', `file:${db}?mode=ro`, "select 'message' as tbl, id, null as message_id, session_id, time_created, data from message union all select 'part', id, message_id, session_id, time_created, data from part order by time_created, tbl"], { encoding: 'utf8', timeout: 30_000 });
        const list = JSON.parse(rows || '[]').map((r) => ({ ...r, data: JSON.parse(r.data) }));
        writeFileSync(join(dir, 'db-rows.json'), JSON.stringify(list, null, 2) + '\n');
      } catch (err) {
        ctx.log?.(`  sqlite3 dump skipped: ${err.message}`);
      }
    }),
};

export const scenarios = [...home, ...turns, ...tools, ...askBash, ...question, ...mini, hooks, transcript];
