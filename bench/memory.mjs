// 3. Memory: cw daemon RSS with 1, 10, 100 idle sessions (bash at its prompt) against the tmux server's RSS with
// 1, 10, 100 windows running the same bash; the per-session increment of each.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import {
  CwHome, Tmux, fmt, fmtRange, fmtRatio, median, pool, rssKiB, sleep, waitFor,
} from './lib.mjs';

const COUNTS = [1, 10, 100];
const BASH = ['bash', '--norc', '--noprofile'];

/** Median of a few RSS samples a little apart, once the process has settled. */
async function settledRss(pid, settleMs) {
  await sleep(settleMs);
  const xs = [];
  for (let i = 0; i < 5; i++) {
    xs.push(rssKiB(pid));
    await sleep(150);
  }
  return median(xs);
}

/** The tail of a file as text (to see whether a shell has printed its prompt). */
function tail(path, n = 16) {
  try {
    const fd = openSync(path, 'r');
    try {
      const size = fstatSync(fd).size;
      const buf = Buffer.alloc(Math.min(n, size));
      readSync(fd, buf, 0, buf.length, size - buf.length);
      return buf.toString('latin1');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}
const PROMPT = /[$#] $/;

// Idle: bash at its prompt, nothing in the scrollback. Filled: 4000 lines of 80 random base64 characters first,
// so both keep a full 2000-line history, then bash at its prompt.
const FILLED = `head -c 240000 /dev/urandom | base64 -w 80; exec ${BASH.join(' ')}`;

export async function memory({ quick, log }) {
  const runs = quick ? 1 : 2;
  // Idle means idle for a while, as an agent waiting on a person is: the full run measures 25 s after the prompts
  // (cw hibernates an idle screen after 5 s and V8 hands the freed pages back some 10 s later). --quick measures
  // after 1 s, while the screens are still awake. BENCH_MEMORY_SETTLE_MS overrides both.
  const settleMs = Number(process.env.BENCH_MEMORY_SETTLE_MS) || (quick ? 1000 : 25_000);
  const failures = [];
  const data = { idle: { cw: [], tmux: [] }, filled: { cw: [], tmux: [] } };

  const cwRun = async (mode) => {
    const home = new CwHome();
    try {
      const pid = await home.start();
      const base = await settledRss(pid, 500);
      const out = { base };
      let have = 0;
      const cmd = mode === 'idle' ? BASH : ['sh', '-c', FILLED];
      for (const n of COUNTS) {
        await pool(Array.from({ length: n - have }), 4, () => home.launch(cmd));
        have = n;
        const ready = await waitFor(() => home.sessionIds().every((id) => PROMPT.test(tail(home.logPath(id)))), { timeoutMs: 60_000, intervalMs: 50 });
        if (!ready) failures.push(`memory cw (${mode}): not every bash printed its prompt with ${n} sessions`);
        out[n] = await settledRss(pid, settleMs);
      }
      return out;
    } finally {
      home.dispose();
    }
  };

  const tmuxRun = async (mode) => {
    const tmux = new Tmux();
    try {
      const cmd = mode === 'idle' ? `exec ${BASH.join(' ')}` : FILLED;
      const pid = await tmux.start(cmd, { remainOnExit: false });
      const out = { base: NaN };
      let have = 1;
      for (const n of COUNTS) {
        for (let i = have; i < n; i += 25) {
          const args = [];
          for (let j = i; j < Math.min(n, i + 25); j++) args.push(...(args.length ? [';'] : []), 'new-window', '-d', cmd);
          await tmux.ok(args);
        }
        have = n;
        const ready = await waitFor(async () => {
          const r = await tmux.t(['list-panes', '-a', '-F', '#{cursor_x} #{history_size}']);
          const xs = r.stdout.trim().split('\n').map((l) => l.split(' ').map(Number));
          return xs.length === n && xs.every(([x, h]) => x > 0 && (mode === 'idle' || h > 0));
        }, { timeoutMs: 60_000, intervalMs: 100 });
        if (!ready) failures.push({ baseline: true, text: `memory tmux (${mode}): not every bash printed its prompt with ${n} windows` });
        out[n] = await settledRss(pid, settleMs);
      }
      return out;
    } finally {
      tmux.dispose();
    }
  };

  for (let r = 0; r < runs; r++) {
    for (const mode of quick ? ['idle'] : ['idle', 'filled']) {
      data[mode].cw.push(await cwRun(mode));
      data[mode].tmux.push(await tmuxRun(mode));
      const c = data[mode].cw.at(-1);
      const t = data[mode].tmux.at(-1);
      log(`  ${mode} run ${r + 1}/${runs}: cw ${COUNTS.map((n) => fmt(c[n] / 1024)).join('/')} MiB, tmux ${COUNTS.map((n) => fmt(t[n] / 1024)).join('/')} MiB`);
    }
  }

  const perSession = (o) => (o[100] - o[1]) / 99;
  const table = (mode) => {
    const rows = [];
    const summary = {};
    for (const [name, label] of [['cw', 'cw daemon'], ['tmux', 'tmux server']]) {
      const xs = data[mode][name];
      const cells = COUNTS.map((n) => `${fmt(median(xs.map((o) => o[n])) / 1024)} (${fmtRange(xs.map((o) => o[n] / 1024))})`);
      const inc = xs.map(perSession);
      summary[name] = median(inc);
      rows.push([label, name === 'cw' ? fmt(median(xs.map((o) => o.base)) / 1024) : '–', ...cells, `${fmt(median(inc))} (${fmtRange(inc)})`]);
    }
    const ratio = summary.cw / summary.tmux;
    rows.push(['cw / tmux', '', ...COUNTS.map((n) => fmtRatio(median(data[mode].cw.map((o) => o[n])) / median(data[mode].tmux.map((o) => o[n])))), fmtRatio(ratio)]);
    return { rows, summary, ratio };
  };
  const idle = table('idle');
  const filled = quick ? null : table('filled');
  const headers = ['server', 'no sessions', '1 session', '10 sessions', '100 sessions', 'KiB per session'];

  return {
    title: '3. Memory',
    intro: `Resident memory (VmRSS) of the cw daemon and of the tmux server, in MiB, with sessions/windows running \`bash --norc --noprofile\` ` +
      `at its prompt (120x40; cw's scrollback is 2000 lines, tmux's history-limit is its default 2000). Median of 5 samples after ${settleMs} ms of quiet; ` +
      `median (min–max) over ${runs} run(s). Per-session increment = (RSS at 100 − RSS at 1) / 99, in KiB. The daemon's "no sessions" column is right after \`cw start\`. ` +
      'Idle: nothing printed but the prompt (what the issue asks). Filled (for context; not in --quick): each session first prints 4000 lines of 80 base64 ' +
      'characters, so every scrollback holds its full 2000 lines.',
    tables: [
      { caption: 'idle sessions (bash at its prompt)', headers, rows: idle.rows },
      ...(filled ? [{ caption: 'sessions with a full 2000-line scrollback, then bash at its prompt', headers, rows: filled.rows }] : []),
    ],
    targets: [{
      name: 'per-session daemon memory ≤ 2× tmux per-pane increment (idle)', ratio: idle.ratio, limit: 2, cmp: '<=',
      detail: `cw ${fmt(idle.summary.cw, 0)} KiB vs tmux ${fmt(idle.summary.tmux, 0)} KiB per session${filled ? `; with full scrollback ${fmt(filled.summary.cw, 0)} vs ${fmt(filled.summary.tmux, 0)} KiB (${fmtRatio(filled.ratio)})` : ''}`,
    }],
    failures,
  };
}
