// 4. Keystroke round trip: one character written into an outer pty until it comes back on that pty, through
// `cw attach`, through `tmux attach`, and with no multiplexer (the outer pty runs the program itself).
// The program is `cat` with the tty in raw mode without echo, so the character travels to the program and back.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pty from 'node-pty';
import { CwHome, Tmux, cwPath, envNoCA, fmt, fmtRange, fmtRatio, median, now, percentile, sleep, tempDir, track } from './lib.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));

const PROGRAM = 'stty raw -echo; exec cat';
const CHARS = 'abcdefghijklmnopqrstuvwxyz';
// Escape sequences (CSI, OSC, two-byte ESC) are removed before looking for the typed character.
const ESCAPES = /\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[()*+][0-9A-Za-z]|\x1b[=>78DEHMNOZc]/g;

class Outer {
  constructor(name, file, args, env) {
    this.name = name;
    this.p = pty.spawn(file, args, { name: 'xterm-256color', cols: 120, rows: 40, env });
    track({ kill: () => this.p.kill('SIGKILL'), once: () => {} });
    this.buf = '';
    this.lastData = now();
    this.waiter = null;
    this.p.onData((d) => {
      this.buf += d;
      this.lastData = now();
      if (this.waiter) this.waiter();
    });
    this.exited = false;
    this.p.onExit(() => (this.exited = true));
  }
  /** Waits until nothing arrived for `quietMs` (at most `maxMs`). */
  async quiet(quietMs = 300, maxMs = 5000) {
    const t0 = now();
    while (now() - this.lastData < quietMs && now() - t0 < maxMs) await sleep(20);
  }
  /** Writes `ch` and resolves with the ms until `ch` shows up in the output (escape sequences ignored), or null. */
  key(ch, timeoutMs = 3000) {
    this.buf = '';
    return new Promise((res) => {
      let timer = null;
      const done = (v) => {
        this.waiter = null;
        clearTimeout(timer);
        res(v);
      };
      const t0 = now();
      this.waiter = () => {
        if (this.buf.replace(ESCAPES, '').includes(ch)) done(now() - t0);
      };
      timer = setTimeout(() => done(null), timeoutMs);
      this.p.write(ch);
    });
  }
  kill() {
    try {
      this.p.kill();
    } catch {}
  }
}

export async function keys({ quick, log }) {
  const K = quick ? 60 : 200;
  const WARMUP = 10;
  const failures = [];
  const home = new CwHome();
  // The same attach with keystrokes through the daemon (config.toml [attach] direct_input = false): what direct
  // input saves, measured in the same run.
  const viaDaemon = new CwHome();
  writeFileSync(join(viaDaemon.dir, 'config.toml'), '[attach]\ndirect_input = false\n', { mode: 0o600 });
  const tmux = new Tmux();
  const outers = [];
  try {
    await home.start();
    await viaDaemon.start();
    const { id } = await home.launch(['sh', '-c', PROGRAM]);
    const { id: id2 } = await viaDaemon.launch(['sh', '-c', PROGRAM]);
    await tmux.start(PROGRAM);
    // The Node floor: the same path as cw attach (client process, Unix socket, daemon process, pty, log) with
    // nothing else: no framing, screen, activity or flow control. What any Node multiplexer pays per keystroke.
    const dir = tempDir('cwb-kf-');
    const sock = join(dir, 's');
    const floorServer = track(spawn(process.execPath, [join(HERE, 'keys-floor-server.cjs'), sock, join(dir, 'log')], { stdio: ['ignore', 'pipe', 'inherit'], env: envNoCA() }));
    await once(floorServer.stdout, 'data');
    outers.push(new Outer('direct pty (no multiplexer)', 'sh', ['-c', PROGRAM], envNoCA()));
    outers.push(new Outer('tmux attach', 'tmux', tmux.args(['attach', '-t', 'main']), envNoCA()));
    outers.push(new Outer('Node floor (pty + Unix socket relay, two Node processes)', process.execPath, [join(HERE, 'keys-floor-client.cjs'), sock], envNoCA()));
    outers.push(new Outer('one Node process relaying (no daemon)', process.execPath, [join(HERE, 'keys-relay.cjs')], envNoCA()));
    outers.push(new Outer('cw attach, input through the daemon', process.execPath, [cwPath(), 'attach', String(id2)], viaDaemon.env()));
    outers.push(new Outer('cw attach', process.execPath, [cwPath(), 'attach', String(id)], home.env()));
    const CW_I = outers.length - 1;
    const VIA_I = outers.length - 2;
    const FLOOR_I = 2;
    for (const o of outers) {
      await o.quiet();
      let ok = false;
      for (let i = 0; i < 5 && !ok; i++) ok = (await o.key('Q', 2000)) !== null;
      if (!ok) throw new Error(`keys: ${o.name} never echoed a probe character`);
      await o.quiet(100);
    }
    log(`  ${K} keystrokes per variant (+${WARMUP} warm-up), interleaved...`);
    const ms = outers.map(() => []);
    let lost = outers.map(() => 0);
    for (let k = 0; k < K + WARMUP; k++) {
      const ch = CHARS[k % CHARS.length];
      for (let i = 0; i < outers.length; i++) {
        const v = await outers[i].key(ch);
        if (v === null) lost[i]++;
        else if (k >= WARMUP) ms[i].push(v);
        await sleep(5);
      }
    }
    outers.forEach((o, i) => {
      if (lost[i]) failures.push({ baseline: i !== CW_I, text: `keys ${o.name}: ${lost[i]} keystroke(s) never came back within 3 s` });
    });
    const tmuxMed = median(ms[1]);
    const rows = outers.map((o, i) => [o.name, fmt(median(ms[i]), 2), fmt(percentile(ms[i], 90), 2), fmtRange(ms[i], 2), fmtRatio(median(ms[i]) / tmuxMed)]);
    const cwMed = median(ms[CW_I]);
    const floorMed = median(ms[FLOOR_I]);
    return {
      title: '4. Keystroke round trip',
      intro: `One character written into an outer pty (node-pty, 120x40) until it is read back from that pty, ${K} keystrokes per variant after ${WARMUP} warm-up, ` +
        'interleaved keystroke by keystroke, 5 ms apart. The program is `sh -c \'stty raw -echo; exec cat\'` (cat echoes; the tty does not). ' +
        'cw attach: the outer pty runs `cw attach ID` (keystrokes written straight into the session\'s pty, the echo through the daemon); ' +
        '"input through the daemon": the same with `[attach] direct_input = false`; tmux: `tmux attach`; direct: the outer pty runs the program itself.',
      tables: [{ headers: ['path', 'median ms', 'p90 ms', 'min–max ms', '× tmux'], rows }],
      notes: ['The Node floor runs bench/keys-floor-server.cjs (node-pty + log + Unix socket) and bench/keys-floor-client.cjs (raw stdin ↔ socket): ' +
        'the least two Node processes cost on this path, for telling what is cw\'s own overhead from what is Node\'s.',
        'One Node process relaying runs bench/keys-relay.cjs: one process holds the pty and relays the terminal, nothing else. Two Node wake-ups per ' +
        'keystroke, the fewest any design with a Node process on each side of the program can have (keys in, echo out).'],
      targets: [{
        name: 'keystroke round trip through cw attach ≤ tmux attach', ratio: cwMed / tmuxMed, limit: 1, cmp: '<=',
        detail: `cw ${fmt(cwMed, 2)} ms vs tmux ${fmt(tmuxMed, 2)} ms median (p90 ${fmt(percentile(ms[CW_I], 90), 2)} vs ${fmt(percentile(ms[1], 90), 2)}); ` +
          `the Node floor for this path is ${fmt(floorMed, 2)} ms (${fmtRatio(floorMed / tmuxMed)} tmux), cw is ${fmtRatio(cwMed / floorMed)} of it; ` +
          `with input through the daemon cw is ${fmt(median(ms[VIA_I]), 2)} ms (${fmtRatio(median(ms[VIA_I]) / tmuxMed)} tmux)`,
      }],
      failures,
    };
  } finally {
    for (const o of outers) o.kill();
    home.dispose();
    viaDaemon.dispose();
    tmux.dispose();
  }
}
