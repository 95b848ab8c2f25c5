// 6. Agent activity: how fast a change of an agent's state reaches `cw events -f --json`.
//   a) screen → event: the fake Claude-like TUI (tests/fixtures/agents/fake-claude.mjs, --no-hooks) changes
//      its screen; a preload in that very process stamps the write that draws the new state (CLOCK_MONOTONIC,
//      which every process on the machine shares), and the bench stamps the arrival of the `activity` event at
//      a follower started before.
//   b) hook → event: a `cw hook claude UserPromptSubmit|Stop` process started with the environment of a
//      session's agent (read from /proc/PID/environ, so it carries that session's CW_SESSION_TOKEN), timed from
//      spawn to its exit and to the follower's `agent.hook` and `activity` events; with and without
//      NODE_EXTRA_CA_CERTS.
//   c) the real Claude Code (pinned by the capture kit) against the kit's fake model, in a trusted folder, once
//      with `--no-hooks` and once with cw's hooks: the time of a short turn, interleaved turn by turn.
// A report, like every section: nothing here fails on a timing, only on errors (a hook that prints or fails).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import {
  CwHome, ORIGINAL_CA, ROOT, fmt, fmtRange, fmtRatio, median, run, sleep, tempDir, track,
} from './lib.mjs';
import { cwPath } from './lib.mjs';

/** Monotonic milliseconds (CLOCK_MONOTONIC: comparable across processes on this machine). */
const hr = () => Number(process.hrtime.bigint()) / 1e6;

const FAKE_CLAUDE = join(ROOT, 'tests', 'fixtures', 'agents', 'fake-claude.mjs');

// Loaded into the fake TUI with NODE_OPTIONS=--require: stamps each full redraw whose state differs from the
// previous one (working: the "esc to interrupt" footer; waiting: the permission dialog; else idle), taken
// just before the write to the pty, and appends it to CWB_STAMPS after the write.
const STAMPER = `'use strict';
const fs = require('node:fs');
const file = process.env.CWB_STAMPS;
if (file) {
  const orig = process.stdout.write.bind(process.stdout);
  let last = null;
  process.stdout.write = function (chunk, ...rest) {
    const hr = Number(process.hrtime.bigint()) / 1e6;
    const wall = Date.now();
    const r = orig(chunk, ...rest);
    const s = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (s.startsWith('\\x1b[H\\x1b[2J')) {
      const state = s.includes('Do you want to proceed?') ? 'waiting_for_input' : s.includes('esc to interrupt') ? 'working' : 'idle';
      if (state !== last) {
        last = state;
        fs.appendFileSync(file, JSON.stringify({ state, hr, wall }) + '\\n');
      }
    }
    return r;
  };
}
`;

/** `cw events -f --json`, each event stamped with its arrival (hr) at this process. */
class Follower {
  constructor(home) {
    this.events = [];
    this.waiters = [];
    this.child = track(spawn(process.execPath, [cwPath(), 'events', '-f', '--json'], { env: home.env(), stdio: ['ignore', 'pipe', 'pipe'] }));
    let buf = '';
    this.child.stdout.setEncoding('utf8');
    this.child.stdout.on('data', (d) => {
      const t = hr();
      buf += d;
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (!line.trim()) continue;
        try {
          this.events.push({ ev: JSON.parse(line), t });
        } catch {
          continue; // not an event line
        }
      }
      for (const w of [...this.waiters]) w();
    });
    this.child.stderr.resume();
  }
  mark() {
    return this.events.length;
  }
  /** The first event from index `from` on with pred(ev), or null after timeoutMs. */
  waitFor(pred, from, timeoutMs = 30_000) {
    return new Promise((resolve) => {
      let timer = null;
      const check = () => {
        for (let i = from; i < this.events.length; i++) {
          if (pred(this.events[i].ev)) {
            this.waiters.splice(this.waiters.indexOf(check), 1);
            clearTimeout(timer);
            resolve({ ...this.events[i], index: i });
            return true;
          }
        }
        return false;
      };
      this.waiters.push(check);
      if (check()) return;
      timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(check), 1);
        resolve(null);
      }, timeoutMs);
    });
  }
  stop() {
    try {
      this.child.kill('SIGKILL');
    } catch {}
  }
}

const isActivity = (sid, activity) => (e) => e.type === 'activity' && e.sessionId === sid && e.data?.activity === activity;
const isHook = (sid, event) => (e) => e.type === 'agent.hook' && e.sessionId === sid && e.data?.event === event;

function readStamps(file) {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

const stat = (a) => [fmt(median(a), 0), fmtRange(a, 0)];

export async function activity({ quick, log }) {
  const N = quick ? 3 : 10;
  const NT = quick ? 3 : 20; // real Claude turns per variant (more than N: a turn is short and its spread wide)
  const failures = [];
  const notes = [];
  const tables = [];
  const startedAt = new Date().toISOString();
  const loadStart = loadavg().map((x) => x.toFixed(2)).join(' ');
  const dir = tempDir('cwb-act-');
  const home = new CwHome();
  let follower = null;
  const cwOk = async (args, opts) => {
    const r = await home.cw(args, opts);
    if (r.code !== 0) throw new Error(`cw ${args.join(' ')} exited ${r.code}: ${r.stderr.trim()}`);
    return r;
  };
  try {
    await home.start();
    follower = new Follower(home);
    await sleep(300); // the follower has subscribed long before the first session exists

    // ---- a) screen → event ---------------------------------------------------------------------------
    const preload = join(dir, 'stamp.cjs');
    writeFileSync(preload, STAMPER);
    const rowsA = {
      working: { label: 'idle → working (after `cw send`: the spinner and "esc to interrupt" footer drawn)', screen: [], daemon: [], send: [] },
      idle: { label: 'working → idle (end of turn: "✻ Worked for 1s" drawn, spinner gone)', screen: [], daemon: [], send: [] },
      waiting_for_input: { label: 'working → waiting_for_input (the permission dialog drawn)', screen: [], daemon: [], send: [] },
    };
    const sendMs = [];
    let A = 0;
    let stamps = '';
    /** Waits for the activity event, pairs it with the TUI's stamp of that state drawn after `after` (hr). */
    const measure = async (row, from, after, tSend) => {
      const hit = await follower.waitFor(isActivity(A, row), from, 15_000);
      if (!hit) throw new Error(`fake Claude session ${A}: no ${row} activity event`);
      const st = readStamps(stamps).find((s) => s.state === row && s.hr >= after);
      if (!st) throw new Error(`fake Claude session ${A}: the TUI never drew ${row} (stamps file ${stamps})`);
      rowsA[row].screen.push(hit.t - st.hr);
      rowsA[row].daemon.push(Date.parse(hit.ev.at) - st.wall);
      rowsA[row].send.push(hit.t - tSend);
      return { hit, st };
    };
    log(`  a) screen → event: fake Claude TUI, ${N} runs of a turn and a permission dialog...`);
    for (let r = 0; r < N; r++) {
      // A fresh TUI each run: the fake asks permission once per process.
      stamps = join(dir, `stamps-${r}.jsonl`);
      let m = follower.mark();
      const la = await cwOk(['launch', '--agent', 'claude', '--no-hooks', '--env', `NODE_OPTIONS=--require=${preload}`, '--env', `CWB_STAMPS=${stamps}`, '--', 'node', FAKE_CLAUDE]);
      A = Number(la.stdout.trim());
      if (!(await follower.waitFor(isActivity(A, 'idle'), m, 15_000))) throw new Error(`fake Claude session ${A} never became idle`);
      await sleep(300);
      // A plain turn: idle → working → idle.
      m = follower.mark();
      let t0 = hr();
      const s1 = await cwOk(['send', String(A), `hello number ${r}`]);
      sendMs.push(s1.ms);
      const w = await measure('working', m, t0, t0);
      await measure('idle', w.hit.index + 1, w.st.hr, t0);
      await sleep(300);
      // A turn that asks permission: idle → working → waiting_for_input.
      m = follower.mark();
      t0 = hr();
      await cwOk(['send', String(A), `please ask permission ${r}`]);
      const w2 = await measure('working', m, t0, t0);
      await measure('waiting_for_input', w2.hit.index + 1, w2.st.hr, t0);
      await cwOk(['kill', String(A)]);
      await cwOk(['rm', String(A)]).catch(() => {});
    }
    const rowsTable = Object.values(rowsA).map((x) => [x.label, ...stat(x.screen), fmt(median(x.daemon), 0), fmt(median(x.send), 0), x.screen.length]);
    tables.push({
      caption: 'a) Screen change → `activity` event (fake Claude-like TUI, --no-hooks)',
      headers: ['transition', 'screen → follower ms median', 'min–max', 'screen → daemon recorded (ms, median)', '`cw send` start → follower (ms, median)', 'n'],
      rows: rowsTable,
    });

    // ---- b) hook → event ------------------------------------------------------------------------------
    let m = follower.mark();
    const lb = await cwOk(['launch', '--agent', 'claude', '--', 'node', FAKE_CLAUDE]);
    const B = Number(lb.stdout.trim());
    if (!(await follower.waitFor(isActivity(B, 'idle'), m, 15_000))) throw new Error(`fake Claude session ${B} (hooks) never became idle`);
    const stB = JSON.parse((await cwOk(['status', String(B), '--json'])).stdout);
    const environ = Object.fromEntries(
      readFileSync(`/proc/${stB.pid}/environ`, 'utf8').split('\0').filter(Boolean).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
    );
    if (!environ.CW_SESSION_TOKEN) throw new Error(`session ${B}'s process ${stB.pid} has no CW_SESSION_TOKEN`);
    const transcript = join(dir, 'transcript.jsonl');
    const payload = (event, extra) =>
      JSON.stringify({ session_id: '00000000-cw-bench-0000-000000000000', transcript_path: transcript, cwd: ROOT, permission_mode: 'default', hook_event_name: event, ...extra });
    const envs = ORIGINAL_CA ? [['unset', false], ['set', true]] : [['unset', false]];
    const hb = {};
    for (const [name] of envs) hb[name] = { wall: [], wallStop: [], hook: [], act: [], hookStop: [], actStop: [] };
    const hook = async (withCA, event, extra) => {
      const env = { ...environ };
      if (withCA) env.NODE_EXTRA_CA_CERTS = ORIGINAL_CA;
      else delete env.NODE_EXTRA_CA_CERTS;
      const t0 = hr();
      const res = await run(process.execPath, [cwPath(), 'hook', 'claude', event], { env, input: payload(event, extra), timeoutMs: 15_000 });
      if (res.code !== 0 || res.stdout !== '' || res.stderr !== '') {
        failures.push(`cw hook claude ${event} (CA ${withCA ? 'set' : 'unset'}): exit ${res.code}, stdout ${JSON.stringify(res.stdout.slice(0, 80))}, stderr ${JSON.stringify(res.stderr.slice(0, 80))} (must exit 0 and print nothing)`);
      }
      return { t0, res };
    };
    log(`  b) hook → event: ${N} runs × ${envs.length} environments of UserPromptSubmit then Stop...`);
    for (let r = 0; r < N; r++) {
      for (const [name, withCA] of r % 2 ? [...envs].reverse() : envs) {
        const h = hb[name];
        m = follower.mark();
        const u = await hook(withCA, 'UserPromptSubmit', { prompt: `bench ${r}` });
        h.wall.push(u.res.ms);
        const eh = await follower.waitFor(isHook(B, 'UserPromptSubmit'), m, 10_000);
        const ea = await follower.waitFor(isActivity(B, 'working'), m, 10_000);
        if (!eh || !ea) throw new Error(`session ${B}: UserPromptSubmit hook gave ${eh ? '' : 'no agent.hook event '}${ea ? '' : 'no working activity event'}`);
        h.hook.push(eh.t - u.t0);
        h.act.push(ea.t - u.t0);
        m = follower.mark();
        const s = await hook(withCA, 'Stop', { stop_hook_active: false, last_assistant_message: 'ok' });
        h.wallStop.push(s.res.ms);
        const sh = await follower.waitFor(isHook(B, 'Stop'), m, 10_000);
        const sa = await follower.waitFor(isActivity(B, 'idle'), m, 10_000);
        if (!sh || !sa) throw new Error(`session ${B}: Stop hook gave ${sh ? '' : 'no agent.hook event '}${sa ? '' : 'no idle activity event'}`);
        h.hookStop.push(sh.t - s.t0);
        h.actStop.push(sa.t - s.t0);
        await sleep(100);
      }
    }
    const hookRows = [];
    for (const [name] of envs) {
      const h = hb[name];
      hookRows.push([`UserPromptSubmit: \`cw hook\` process wall time (spawn → exit)`, name, ...stat(h.wall)]);
      hookRows.push([`UserPromptSubmit: spawn → \`agent.hook\` at the follower`, name, ...stat(h.hook)]);
      hookRows.push([`UserPromptSubmit: spawn → \`activity\` working at the follower`, name, ...stat(h.act)]);
      hookRows.push([`Stop: \`cw hook\` process wall time (spawn → exit)`, name, ...stat(h.wallStop)]);
      hookRows.push([`Stop: spawn → \`agent.hook\` at the follower`, name, ...stat(h.hookStop)]);
      hookRows.push([`Stop: spawn → \`activity\` idle at the follower (includes the 0.7 s idle settle)`, name, ...stat(h.actStop)]);
    }
    tables.push({ caption: 'b) `cw hook claude EVENT` → events (fake Claude TUI with hooks, its screen idle and still)', headers: ['measure', 'NODE_EXTRA_CA_CERTS', 'ms median', 'min–max'], rows: hookRows });
    await cwOk(['kill', String(B)]);

    // ---- c) the real Claude Code, hooks vs --no-hooks ---------------------------------------------------
    let realRows = null;
    try {
      realRows = await realClaude({ home, follower, cwOk, dir, NT, log, tables, notes, failures });
    } catch (err) {
      notes.push(`c) not measured: ${String(err?.message ?? err).split('\n')[0]}`);
      log(`  c) skipped: ${err?.stack ?? err}`);
    }

    const aw = rowsA.working.screen;
    const ai = rowsA.idle.screen;
    const aq = rowsA.waiting_for_input.screen;
    const sum = [
      ['a) screen → event: idle → working', aw],
      ['a) screen → event: working → idle', ai],
      ['a) screen → event: working → waiting_for_input', aq],
      ...envs.flatMap(([name]) => [
        [`b) UserPromptSubmit: cw hook wall time, CA ${name}`, hb[name].wall],
        [`b) UserPromptSubmit: spawn → agent.hook, CA ${name}`, hb[name].hook],
        [`b) UserPromptSubmit: spawn → activity working, CA ${name}`, hb[name].act],
      ]),
      ...(realRows ?? []),
    ];
    log(`  ${'summary (ms)'.padEnd(56)} median   min–max`);
    for (const [label, a] of sum) log(`  ${label.padEnd(56)} ${fmt(median(a), 0).padStart(6)}   ${fmtRange(a, 0)}`);
    return {
      title: '6. Agent activity: screen and hooks → events',
      intro: `Run on ${startedAt} (${cpus()[0]?.model ?? 'unknown CPU'}, ${cpus().length} cores, node ${process.version}; load average at start ${loadStart}, at end ${loadavg().map((x) => x.toFixed(2)).join(' ')}) by \`node bench/run.mjs${quick ? ' --quick' : ''} --only activity\`. ` +
        `One cw daemon; a \`cw events -f --json\` follower started before any session; every time is CLOCK_MONOTONIC, which the fake TUI, the bench and the follower's arrival share. ` +
        `a) \`cw launch --agent claude --no-hooks -- node tests/fixtures/agents/fake-claude.mjs\` (FAKE_WORK_MS 800), loaded with a --require preload that stamps, inside the TUI's own process, the write that first draws each new state; ` +
        `"screen → follower" is from that write to the arrival of the \`activity\` event at the follower; "screen → daemon recorded" is from the write (Date.now()) to the event's \`at\`; "\`cw send\` start → follower" includes the send CLI (median ${fmt(median(sendMs), 0)} ms) and the paste-then-Enter pause. ${N} runs: one plain turn and one permission turn each. ` +
        `b) \`cw hook claude EVENT\` run by the bench with the environment of the session's agent process (read from /proc/PID/environ: its CW_SESSION_TOKEN and CODEWIRE_HOME) and a Claude-shaped JSON payload on stdin, as Claude Code runs it; ` +
        `the session's screen (the fake TUI, launched with hooks) stays idle, so the \`activity\` events come from the hook alone. ${N} runs per environment, interleaved; every hook must exit 0 and print nothing.`,
      tables,
      failures,
      notes,
    };
  } finally {
    follower?.stop();
    home.dispose();
  }
}

/** c) The real Claude Code against the capture kit's fake model: a short turn with and without cw's hooks. */
async function realClaude({ home, follower, cwOk, dir, NT, log, tables, notes, failures }) {
  let profile;
  const profilePath = join(ROOT, 'tests', 'agents', 'profiles', 'claude.mjs');
  for (let waited = 0; ; waited++) {
    try {
      profile = await import(`${profilePath}?t=${Date.now()}`);
      if (typeof profile.launch === 'function') break;
    } catch (err) {
      if (waited >= 30) throw new Error(`the Claude profile (tests/agents/profiles/claude.mjs) is not ready: ${err.message}`);
    }
    if (waited >= 30) throw new Error('the Claude profile (tests/agents/profiles/claude.mjs) has no launch()');
    log('  c) waiting for tests/agents/profiles/claude.mjs (re-checked every minute)...');
    await sleep(60_000);
  }
  const { agentBin, agentVersion } = await import(join(ROOT, 'tests', 'agents', 'install.mjs'));
  const { startFakeModel } = await import(join(ROOT, 'tests', 'agents', 'fake-model', 'server.mjs'));
  const bin = agentBin('claude');
  const version = agentVersion('claude');
  const model = await startFakeModel();
  const root = join(dir, 'claude');
  const ctx = {
    agent: 'claude', bin, version, model, root,
    dirs(name) {
      const h = join(root, name, 'home');
      const work = join(root, name, 'project');
      mkdirSync(h, { recursive: true });
      mkdirSync(work, { recursive: true });
      return { home: h, work };
    },
  };
  const sessions = [];
  try {
    const variants = [
      { key: 'nohooks', label: '`--no-hooks`', flags: ['--no-hooks'] },
      { key: 'hooks', label: 'with hooks', flags: [] },
    ];
    for (const v of variants) {
      const spec = await profile.launch(ctx, { name: v.key, trusted: true });
      const envArgs = Object.entries(spec.env).flatMap(([k, val]) => ['--env', `${k}=${val}`]);
      const m = follower.mark();
      // Launched from the machine's environment (NODE_EXTRA_CA_CERTS as exported): the agent and its hooks inherit it.
      const r = await cwOk(['launch', '--agent', 'claude', ...v.flags, '--dir', spec.cwd, ...envArgs, '--', spec.file, ...spec.args], { withCA: true });
      v.id = Number(r.stdout.trim());
      sessions.push(v.id);
      if (!(await follower.waitFor(isActivity(v.id, 'idle'), m, 90_000))) {
        const scr = await home.cw(['screen', String(v.id)]);
        throw new Error(`Claude Code ${version} (${v.label}) never showed its ready prompt; screen: ${scr.stdout.trim().split('\n').slice(-6).join(' | ')}`);
      }
      v.hooksStatus = JSON.parse((await cwOk(['status', String(v.id), '--json'])).stdout).hooks;
      Object.assign(v, { wait: [], since: [], event: [], stop: [], ups: [], missed: [], lastOut: [], req: [], reqCount: [], turns: 0, seenWorking: 0 });
    }
    // Every request the fake model receives, stamped on arrival (the whole body read).
    const arrivals = [];
    const push = model.requests.push.bind(model.requests);
    model.requests.push = (...items) => {
      for (const it of items) arrivals.push({ t: hr(), path: it?.path });
      return push(...items);
    };
    const status = async (id) => JSON.parse((await cwOk(['status', String(id), '--json'])).stdout);
    const turn = async (v, record) => {
      const m = follower.mark();
      const firstReq = arrivals.length;
      const wall0 = Date.now();
      const t0 = hr();
      await cwOk(['send', String(v.id), 'reply with: ok']);
      const w = await home.cw(['wait', String(v.id), '--until', 'idle', '--timeout', '120']);
      const t1 = hr();
      if (w.code !== 0) throw new Error(`cw wait ${v.id} --until idle exited ${w.code}: ${w.stderr.trim()}`);
      const stopEv = v.key === 'hooks' ? await follower.waitFor(isHook(v.id, 'Stop'), m, 15_000) : null;
      const upsEv = v.key === 'hooks' ? follower.events.slice(m).find((e) => isHook(v.id, 'UserPromptSubmit')(e.ev)) : null;
      // The agent's own end of turn: its last output, once the screen has been still for 1 s (untimed polls).
      let last = (await status(v.id)).lastOutputAt;
      for (let i = 0; i < 20; i++) {
        await sleep(1000);
        const now = (await status(v.id)).lastOutputAt;
        if (now === last) break;
        last = now;
      }
      const workingEv = follower.events.slice(m).find((e) => isActivity(v.id, 'working')(e.ev));
      const idleEv = follower.events.slice(m).find((e) => isActivity(v.id, 'idle')(e.ev));
      const reqs = arrivals.slice(firstReq);
      const lm = await home.cw(['last-message', String(v.id)]);
      if (lm.code !== 0 || lm.stdout.trim() !== 'ok') failures.push(`real Claude (${v.label}): last-message after "reply with: ok" was ${JSON.stringify(lm.stdout.trim().slice(0, 60))} (exit ${lm.code})`);
      if (v.key === 'hooks' && !stopEv) failures.push(`real Claude (${v.label}): no Stop agent.hook event within 15 s of the turn`);
      if (!record) return;
      v.turns++;
      v.wait.push(t1 - t0);
      if (last) v.lastOut.push(Date.parse(last) - wall0);
      if (reqs.length) v.req.push(reqs[0].t - t0);
      v.reqCount.push(reqs.length);
      if (workingEv) v.seenWorking++;
      if (idleEv) {
        v.event.push(idleEv.t - t0);
        v.since.push(Date.parse(idleEv.ev.data.since) - wall0);
      }
      if (stopEv) v.stop.push(stopEv.t - t0);
      if (upsEv) v.ups.push(upsEv.t - t0);
      if (!workingEv) v.missed.push({ ups: upsEv ? upsEv.t - t0 : NaN, lastOut: Date.parse(last) - wall0 });
      log(`    ${v.key}: request ${fmt(reqs[0]?.t - t0, 0)}, last output ${fmt(Date.parse(last) - wall0, 0)}, idle since ${idleEv ? fmt(Date.parse(idleEv.ev.data.since) - wall0, 0) : '–'}, wait ${fmt(t1 - t0, 0)}, UserPromptSubmit hook ${upsEv ? fmt(upsEv.t - t0, 0) : '–'}, Stop hook ${stopEv ? fmt(stopEv.t - t0, 0) : '–'} ms; ${reqs.length} request(s)${workingEv ? '' : '; never seen working'}`);
    };
    log(`  c) real Claude Code ${version}: a warm-up turn each, then ${NT} turns each, interleaved...`);
    for (const v of variants) await turn(v, false);
    for (let r = 0; r < NT; r++) {
      for (const v of r % 2 ? [...variants].reverse() : variants) {
        await turn(v, true);
        await sleep(300);
      }
    }
    const [a, b] = variants;
    const row = (label, x, y) => {
      const mx = median(x);
      const my = median(y);
      return [label, fmt(mx, 0), fmtRange(x, 0), fmt(my, 0), fmtRange(y, 0), Number.isFinite(mx) && Number.isFinite(my) ? `${my - mx >= 0 ? '+' : ''}${fmt(my - mx, 0)}` : '–', fmtRatio(my / mx)];
    };
    tables.push({
      caption: `c) The real Claude Code ${version} (fake model, trusted folder): a turn of "reply with: ok", ${a.label} (\`cw status\`: ${a.hooksStatus}) vs ${b.label} (${b.hooksStatus})`,
      headers: ['measure (from `cw send` start)', `${a.label} ms median`, 'min–max', `${b.label} ms median`, 'min–max', 'hooks − no hooks (ms)', 'hooks / no hooks'],
      rows: [
        row('→ the first request at the fake model (the prompt submitted; UserPromptSubmit fires here)', a.req, b.req),
        row("→ the agent's last output of the turn (`lastOutputAt`, read once the screen was still for 1 s)", a.lastOut, b.lastOut),
        row("→ the idle event's `since` (the daemon's first sight of the idle screen)", a.since, b.since),
        row('→ the `activity` idle event at the follower', a.event, b.event),
        row('→ `cw wait --until idle` returns (the turn as a script sees it)', a.wait, b.wait),
        ['→ the UserPromptSubmit `agent.hook` event at the follower', '–', '–', fmt(median(b.ups), 0), fmtRange(b.ups, 0), '', ''],
        ['→ the Stop `agent.hook` event at the follower', '–', '–', fmt(median(b.stop), 0), fmtRange(b.stop, 0), '', ''],
        ['turns the daemon saw working / turns', `${a.seenWorking}/${a.turns}`, '', `${b.seenWorking}/${b.turns}`, '', '', ''],
        ['model requests per turn (median)', fmt(median(a.reqCount), 0), fmtRange(a.reqCount, 0), fmt(median(b.reqCount), 0), fmtRange(b.reqCount, 0), '', ''],
      ],
    });
    const summary = [
      ['c) real Claude turn, send → last output, --no-hooks', a.lastOut],
      ['c) real Claude turn, send → last output, hooks', b.lastOut],
      ['c) real Claude turn, send → cw wait returns, --no-hooks', a.wait],
      ['c) real Claude turn, send → cw wait returns, hooks', b.wait],
    ];
    notes.push(`c) ${NT} turns per variant after one warm-up turn each, alternating which variant goes first; both sessions run side by side in one daemon, launched from the machine's environment (NODE_EXTRA_CA_CERTS ${ORIGINAL_CA ? 'set' : 'unset'}), each with its own HOME from tests/agents/profiles/claude.mjs. Every reply was checked with \`cw last-message\`.`);
    for (const v of variants) {
      if (v.seenWorking < v.turns) {
        const late = v.missed.filter((x) => x.ups >= x.lastOut).length;
        const hookNote = v.key === 'hooks'
          ? `; in ${late} of them the UserPromptSubmit hook reached cw only after the turn's last output (hook at ${v.missed.map((x) => fmt(x.ups, 0)).join(', ')} ms, last output at ${v.missed.map((x) => fmt(x.lastOut, 0)).join(', ')} ms after the send); a working hook does not hold against a done line (explicit idle) on the screen`
          : ` (last output at ${v.missed.map((x) => fmt(x.lastOut, 0)).join(', ')} ms after the send)`;
        notes.push(`c) ${v.label}: ${v.turns - v.seenWorking} of ${v.turns} turns were never seen working (no \`activity\` event at all): the whole turn fell between two screen samples${hookNote}; \`cw wait --until idle\` then returned only at its 3 s "no reaction" fallback (the max of that row).`);
      }
    }
    return summary;
  } finally {
    for (const id of sessions) await home.cw(['kill', String(id)]).catch(() => {});
    await model.close();
  }
}
