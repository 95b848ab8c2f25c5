// 5. Scale: (a) 200 sessions printing at once (cw, tmux + pipe-pane, 200 bare ptys); (b) one session with 50
// `cw watch` watchers plus one stalled (SIGSTOPped) watcher: the writer's throughput and the daemon's peak RSS.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  CwHome, Tmux, after, closeFd, cwPath, envNoCA, fileSize, fmt, fmtRange, fmtRatio, gated, median, mkfifo, now, openGate, pool,
  q, rssKiB, rssSampler, sleep, tempDir, track, waitFor, waitForBytes,
} from './lib.mjs';
import { generate } from './workloads.mjs';

const MB = 1e6;
const SESSIONS = 200;
const WATCHERS = 50;

function countReady(dir) {
  try {
    return readdirSync(dir).length;
  } catch {
    return 0;
  }
}

/** A fresh gate FIFO and ready-marker directory. */
function gate(dir, tag) {
  const fifo = join(dir, `gate-${tag}`);
  const ready = join(dir, `ready-${tag}`);
  mkfifo(fifo);
  mkdirSync(ready);
  return {
    fifo,
    ready,
    cleanup: () => {
      rmSync(ready, { recursive: true, force: true });
      rmSync(fifo, { force: true });
    },
  };
}

export async function scale({ quick, log }) {
  const dir = tempDir('cwb-sc-');
  const failures = [];
  const fileBytes = quick ? 256 * 1024 : 1024 * 1024;
  const w = await generate(dir, 'one.txt', 'base64', fileBytes, 7);
  const manyRuns = quick ? 1 : 2;
  let n = 0;

  // ---- (a) 200 sessions printing at once ----
  const many = { bare: [], tmux: [], cw: [] };

  const waitReady = async (g, what) => {
    const ok = await waitFor(() => countReady(g.ready) >= SESSIONS, { timeoutMs: 60_000, intervalMs: 50 });
    if (!ok) throw new Error(`scale: only ${countReady(g.ready)} of ${SESSIONS} ${what} reached the gate`);
    await sleep(200);
  };
  const verify = (what, logs, baseline = false) => {
    let lost = 0;
    let bad = 0;
    for (const l of logs) {
      const s = fileSize(l);
      if (s !== w.expected) {
        bad++;
        lost += w.expected - s;
      }
    }
    if (bad) failures.push({ baseline, text: `scale ${what}: ${bad} of ${logs.length} logs incomplete (${lost} bytes missing in total)` });
  };

  const cwMany = async () => {
    const home = new CwHome();
    const g = gate(dir, ++n);
    try {
      const pid = await home.start();
      const cmd = gated(g.fifo, `cat ${q(w.path)}`, g.ready);
      const ids = await pool(Array.from({ length: SESSIONS }), 4, () => home.launch(['sh', '-c', cmd]).then((r) => r.id));
      await waitReady(g, 'cw sessions');
      const logs = ids.map((id) => home.logPath(id));
      const rssBefore = rssKiB(pid);
      const sampler = rssSampler(pid, 50);
      const fd = await openGate(g.fifo);
      const t0 = now();
      const wall0 = Date.now();
      const b = await waitForBytes(logs, SESSIONS * w.expected, { intervalMs: 20, stallMs: 15_000 });
      const t1 = b.at;
      closeFd(fd);
      // Untimed: every session exited, with the right byte count; the last endedAt gives "all exited".
      let list = [];
      await waitFor(async () => {
        list = await home.json(['list', '--status', 'all']);
        return list.every((s) => s.state !== 'running');
      }, { timeoutMs: 30_000, intervalMs: 200 });
      const peak = sampler.stop().max;
      const running = list.filter((s) => s.state === 'running').length;
      if (running) failures.push(`scale cw: ${running} of ${SESSIONS} sessions still running 30 s after their output was complete`);
      const wrong = list.filter((s) => s.outputBytes !== w.expected).length;
      if (wrong) failures.push(`scale cw: ${wrong} sessions report outputBytes other than ${w.expected}`);
      verify('cw', logs);
      const lastEnd = Math.max(...list.map((s) => Date.parse(s.endedAt ?? 0)));
      return { s: (t1 - t0) / 1000, exited: (lastEnd - wall0) / 1000, rssBefore, peak };
    } finally {
      home.dispose();
      g.cleanup();
    }
  };

  const tmuxMany = async () => {
    const tmux = new Tmux();
    const g = gate(dir, ++n);
    const logs = Array.from({ length: SESSIONS }, (_, i) => join(dir, `t${n}-${i}.log`));
    try {
      const pid = await tmux.start();
      const cmd = gated(g.fifo, `cat ${q(w.path)}`, g.ready);
      for (let i = 0; i < SESSIONS; i += 20) {
        const args = [];
        for (let j = i; j < Math.min(SESSIONS, i + 20); j++) {
          if (args.length) args.push(';');
          args.push('new-window', '-d', '-n', `w${j}`, cmd, ';', 'pipe-pane', '-t', `main:w${j}`, '-o', `cat >> ${q(logs[j])}`);
        }
        await tmux.ok(args);
      }
      await waitReady(g, 'tmux windows');
      const rssBefore = rssKiB(pid);
      const sampler = rssSampler(pid, 50);
      const fd = await openGate(g.fifo);
      const t0 = now();
      const b = await waitForBytes(logs, SESSIONS * w.expected, { intervalMs: 20, stallMs: 15_000 });
      const t1 = b.at;
      closeFd(fd);
      const peak = sampler.stop().max;
      verify('tmux', logs, true);
      return { s: (t1 - t0) / 1000, exited: NaN, rssBefore, peak };
    } finally {
      tmux.dispose();
      g.cleanup();
      for (const l of logs) rmSync(l, { force: true });
    }
  };

  const bareMany = async () => {
    const g = gate(dir, ++n);
    const logs = Array.from({ length: SESSIONS }, (_, i) => join(dir, `b${n}-${i}.log`));
    const fds = logs.map((l) => openSync(l, 'w'));
    try {
      const cmd = gated(g.fifo, `cat ${q(w.path)}`, g.ready);
      const exits = fds.map((fd) => {
        const c = track(spawn('script', ['-qfc', cmd, '/dev/null'], { stdio: ['ignore', fd, 'ignore'], env: envNoCA() }));
        return new Promise((r) => c.once('exit', (code) => r(code)));
      });
      await waitReady(g, 'bare ptys');
      const fd = await openGate(g.fifo);
      const t0 = now();
      const codes = await Promise.all(exits);
      const t1 = now();
      closeFd(fd);
      const bad = codes.filter((c) => c !== 0).length;
      if (bad) failures.push({ baseline: true, text: `scale bare: ${bad} script processes exited non-zero` });
      verify('bare pty', logs, true);
      return { s: (t1 - t0) / 1000, exited: (t1 - t0) / 1000, rssBefore: NaN, peak: NaN };
    } finally {
      for (const fd of fds) closeFd(fd);
      g.cleanup();
      for (const l of logs) rmSync(l, { force: true });
    }
  };

  for (let r = 0; r < manyRuns; r++) {
    many.bare.push(await bareMany());
    many.tmux.push(await tmuxMany());
    many.cw.push(await cwMany());
    log(`  ${SESSIONS} at once, run ${r + 1}/${manyRuns}: bare ${fmt(many.bare.at(-1).s, 2)} s, tmux ${fmt(many.tmux.at(-1).s, 2)} s, cw ${fmt(many.cw.at(-1).s, 2)} s`);
  }

  const total = SESSIONS * w.expected;
  const tmuxS = median(many.tmux.map((x) => x.s));
  const bareS = median(many.bare.map((x) => x.s));
  const manyRows = [
    ['bare ptys (200 × `script`)', many.bare],
    ['tmux + pipe-pane (200 windows)', many.tmux],
    ['cw (200 sessions)', many.cw],
  ].map(([name, xs]) => {
    const s = xs.map((x) => x.s);
    const m = median(s);
    const rssB = median(xs.map((x) => x.rssBefore)) / 1024;
    const peak = median(xs.map((x) => x.peak)) / 1024;
    return [name, fmt(m, 2), fmtRange(s, 2), fmt(total / MB / m), fmtRatio(tmuxS / m), fmtRatio(bareS / m),
      Number.isFinite(xs[0].exited) ? fmt(median(xs.map((x) => x.exited)), 2) : '–', Number.isFinite(rssB) ? `${fmt(rssB)} → ${fmt(peak)}` : '–'];
  });

  // ---- (b) 50 watchers and a stalled one ----
  const payload = await generate(dir, 'watched.txt', 'base64', quick ? 10 * MB : 20 * MB, 11);
  const READY = 'ready\r\n';
  const watchRuns = quick ? 1 : 2;
  const watch = { none: [], stalled: [], all: [] };

  const watchRun = async (mode) => {
    const home = new CwHome();
    const g = gate(dir, ++n);
    const kids = [];
    const files = [];
    try {
      const pid = await home.start();
      const { id } = await home.launch(['sh', '-c', `echo ready; ${gated(g.fifo, `cat ${q(payload.path)}`)}`]);
      const logFile = home.logPath(id);
      const expected = READY.length + payload.expected;
      if (!(await waitFor(() => fileSize(logFile) >= READY.length, { timeoutMs: 10_000 }))) throw new Error('scale watchers: session never printed ready');
      const spawnWatcher = () => {
        const file = join(dir, `watch-${n}-${files.length}.out`);
        const fd = openSync(file, 'w');
        const c = track(spawn(process.execPath, [cwPath(), 'watch', String(id), '--tail', '5', '--raw'], { stdio: ['ignore', fd, 'pipe'], env: home.env() }));
        closeSync(fd);
        let stderr = '';
        c.stderr.on('data', (d) => (stderr += d));
        const k = { c, file, exit: new Promise((r) => c.once('exit', (code) => r(code))), stderr: () => stderr };
        files.push(file);
        kids.push(k);
        return k;
      };
      const stalled = mode === 'none' ? null : spawnWatcher();
      if (mode === 'all') for (let i = 0; i < WATCHERS; i++) spawnWatcher();
      if (kids.length) {
        const ok = await waitFor(() => kids.every((k) => fileSize(k.file) >= READY.length), { timeoutMs: 90_000, intervalMs: 50 });
        if (!ok) throw new Error(`scale watchers: only ${kids.filter((k) => fileSize(k.file) >= READY.length).length} of ${kids.length} watchers connected`);
      }
      if (stalled) stalled.c.kill('SIGSTOP');
      await sleep(300);
      const rssBefore = rssKiB(pid);
      const sampler = rssSampler(pid, 20);
      const fd = await openGate(g.fifo);
      const t0 = now();
      const b = await waitForBytes(logFile, expected, { stallMs: 15_000 });
      const t1 = b.at;
      closeFd(fd);
      if (!b.ok) failures.push(`scale watchers (${mode}): log has ${b.size} bytes, expected ${expected}`);
      // The live watchers end with the session; the stalled one is woken after that: dropped from the live stream, it
      // reads on from the log and should end with every byte too.
      const live = kids.filter((k) => k !== stalled);
      const codes = await Promise.all(live.map((k) => Promise.race([k.exit, after(120_000)])));
      const peak = sampler.stop().max;
      const hwm = rssKiB(pid, 'VmHWM');
      let stalledCode = null;
      let stalledMsg = '';
      if (stalled) {
        stalled.c.kill('SIGCONT');
        stalledCode = await Promise.race([stalled.exit, after(60_000)]);
        stalledMsg = stalled.stderr().trim().split('\n')[0] ?? '';
      }
      const complete = live.filter((k) => fileSize(k.file) === expected).length;
      const stalledComplete = stalled ? fileSize(stalled.file) === expected : null;
      const dropped = codes.filter((c) => c !== 0).length;
      const st = await home.json(['status', String(id)]);
      if (st.outputBytes !== expected) failures.push(`scale watchers (${mode}): status outputBytes ${st.outputBytes}, expected ${expected}`);
      return { mbps: payload.expected / MB / ((t1 - t0) / 1000), rssBefore, peak, hwm, live: live.length, complete, dropped, stalledCode, stalledMsg, stalledComplete };
    } finally {
      for (const k of kids) {
        try {
          k.c.kill('SIGCONT');
          k.c.kill('SIGKILL');
        } catch {}
      }
      home.dispose();
      g.cleanup();
      for (const f of files) rmSync(f, { force: true });
    }
  };

  for (let r = 0; r < watchRuns; r++) {
    for (const mode of ['none', 'stalled', 'all']) watch[mode].push(await watchRun(mode));
    log(`  watchers run ${r + 1}/${watchRuns}: writer ${['none', 'stalled', 'all'].map((m) => `${m} ${fmt(watch[m].at(-1).mbps)}`).join(', ')} MB/s; peak RSS ${fmt(watch.all.at(-1).peak / 1024)} MiB`);
  }
  const noneMed = median(watch.none.map((x) => x.mbps));
  const watchRows = [
    ['no watchers', watch.none],
    ['1 stalled watcher (SIGSTOPped)', watch.stalled],
    [`${WATCHERS} watchers + 1 stalled`, watch.all],
  ].map(([name, xs]) => {
    const m = median(xs.map((x) => x.mbps));
    const x0 = xs.at(-1);
    const stalledNote = x0.stalledCode === null ? '–' : `exit ${x0.stalledCode}, ${x0.stalledComplete ? 'complete' : 'incomplete'}${x0.stalledMsg ? `: ${x0.stalledMsg.slice(0, 80)}` : ''}`;
    return [name, fmt(m), fmtRange(xs.map((x) => x.mbps)), fmtRatio(m / noneMed),
      `${fmt(median(xs.map((x) => x.rssBefore)) / 1024)} → ${fmt(median(xs.map((x) => x.peak)) / 1024)} (max ${fmt(Math.max(...xs.map((x) => x.peak)) / 1024)})`,
      x0.live ? `${x0.complete}/${x0.live} complete, ${x0.dropped} exited non-zero` : '–', stalledNote];
  });

  return {
    title: '5. Scale',
    intro: `(a) ${SESSIONS} sessions each \`cat\` a ${fmt(fileBytes / 1024, 0)} KiB base64 file at the same moment (every shell waits on one FIFO, opened ` +
      `once all ${SESSIONS} are at it); time until every log holds every byte (${fmt(total / MB)} MB in all), median of ${manyRuns} run(s). ` +
      `(b) one session \`cat\`s ${fmt(payload.size / MB, 0)} MB of base64 lines with no watcher, with one stalled \`cw watch\` (SIGSTOPped once connected), ` +
      `and with ${WATCHERS} \`cw watch --raw\` (stdout to files, the exact bytes) plus the stalled one; writer MB/s until output.log is complete, daemon RSS sampled every 20 ms ` +
      `until the watchers exit; median of ${watchRuns} run(s). "complete" watchers wrote every byte of the session (history + live) to their file.`,
    tables: [
      {
        caption: `(a) ${SESSIONS} sessions printing at once`,
        headers: ['variant', 's median', 'min–max', 'MB/s total', 'speed × tmux', 'speed × bare', 'all exited (s, endedAt)', 'server RSS MiB before → peak'],
        rows: manyRows,
      },
      {
        caption: `(b) one writer, ${WATCHERS} watchers and a stalled one`,
        headers: ['watchers', 'writer MB/s', 'min–max', '× no watchers', 'daemon RSS MiB before → peak', 'live watchers (last run)', 'stalled watcher (last run)'],
        rows: watchRows,
      },
    ],
    targets: [],
    failures,
    notes: [
      `The daemon bounds each watcher's queue at 8 MiB (drops it from the live stream beyond, and the watcher reads on from the log), so ${WATCHERS + 1} watchers can hold at most ~${(WATCHERS + 1) * 8} MiB of queued output.`,
      'On a 2-core machine the 50 live watchers are 50 Node processes competing with the writer and the daemon for CPU, so some slowdown of the writer there is CPU contention, not flow control; the "1 stalled watcher" row isolates the stalled one.',
    ],
  };
}
