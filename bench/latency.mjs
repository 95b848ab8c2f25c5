// 2. CLI latency: wall time (spawn → exit) of cw commands against tmux's and against the Node floor (node running
// a one-file script that makes one request over a Unix socket), with 1 and 100 idle sessions, with and without
// NODE_EXTRA_CA_CERTS in the environment.
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  BENCH_DIR, CwHome, ORIGINAL_CA, Tmux, envNoCA, envWithCA, fmt, fmtRange, fmtRatio, median, pool, run, tempDir,
} from './lib.mjs';
import { cwPath } from './lib.mjs';

export async function latency({ quick, log }) {
  const N = quick ? 8 : 30;
  const dir = tempDir('cwb-lat-');
  const sockPath = join(dir, 'echo.sock');
  const server = createServer((c) => c.on('data', (d) => c.write(d)));
  await new Promise((r) => server.listen(sockPath, r));
  const failures = [];
  const homes = {};
  const tmuxes = {};
  try {
    for (const count of [1, 100]) {
      log(`  setting up cw and tmux with ${count} idle session(s)...`);
      const home = (homes[count] = new CwHome());
      await home.start();
      await pool(Array.from({ length: count }), 4, () => home.launch(['sleep', '3600']));
      const tmux = (tmuxes[count] = new Tmux());
      await tmux.start('exec sleep 3600');
      // tmux ls lists sessions: give it as many sessions as cw has, in one client call per 25.
      for (let i = 1; i < count; i += 25) {
        const args = [];
        for (let j = i; j < Math.min(count, i + 25); j++) args.push(...(args.length ? [';'] : []), 'new-session', '-d', '-s', `s${j}`, 'exec sleep 3600');
        await tmux.ok(args);
      }
    }

    const envs = ORIGINAL_CA ? [['without', false], ['with', true]] : [['without', false]];
    const variants = [];
    const node = process.execPath;
    for (const [envName, withCA] of envs) {
      const env = (extra) => (withCA ? envWithCA(extra) : envNoCA(extra));
      variants.push({ group: 'floor', name: 'node floor (`node floor.cjs SOCK`: one Unix-socket request, CommonJS)', count: '–', envName, cmd: node, args: [join(BENCH_DIR, 'floor.cjs'), sockPath], env: env() });
      variants.push({ group: 'floor-esm', name: 'the same as an ES module (`node floor.mjs SOCK`)', count: '–', envName, cmd: node, args: [join(BENCH_DIR, 'floor.mjs'), sockPath], env: env() });
      variants.push({ group: 'node0', name: '`node -e 0` (bare Node start)', count: '–', envName, cmd: node, args: ['-e', '0'], env: env() });
      variants.push({ group: 'cw version', name: '`cw version` (CLI start-up, no daemon request)', count: '–', envName, cmd: node, args: [cwPath(), 'version'], env: env(homes[1].extra) });
      for (const count of [1, 100]) {
        const home = homes[count];
        const hEnv = env(home.extra);
        const cw = (name, args) => variants.push({ group: `cw ${name}`, name: `cw ${name}`, count, envName, cmd: node, args: [cwPath(), ...args], env: hEnv });
        cw('list', ['list']);
        cw('status', ['status', '1']);
        cw('send', ['send', '1', 'x']);
        cw('screen', ['screen', '1']);
        const t = tmuxes[count];
        const tm = (name, args) => variants.push({ group: `tmux ${name}`, name: `tmux ${name}`, count, envName, cmd: 'tmux', args: t.args(args), env: env() });
        tm('ls', ['ls']);
        tm('send-keys', ['send-keys', '-t', 'main', 'x', 'Enter']);
        tm('capture-pane', ['capture-pane', '-p', '-t', 'main']);
      }
    }

    log(`  ${variants.length} commands × ${N} runs, interleaved...`);
    for (const v of variants) v.ms = [];
    for (let r = 0; r < N; r++) {
      for (const v of variants) {
        const res = await run(v.cmd, v.args, { env: v.env, timeoutMs: 30_000 });
        if (res.code !== 0) {
          const text = `latency ${v.name} (${v.count} sessions, ${v.envName} CA): exited ${res.code}: ${res.stderr.trim().split('\n')[0]}`;
          failures.push(v.group.startsWith('cw') ? text : { baseline: true, text });
          continue;
        }
        v.ms.push(res.ms);
      }
      if ((r + 1) % Math.max(1, Math.floor(N / 4)) === 0) log(`  run ${r + 1}/${N}`);
    }

    const find = (group, count, envName) => variants.find((v) => v.group === group && v.count === count && v.envName === envName);
    const tables = [];
    const targets = [];
    for (const [envName] of envs) {
      const floor = median(find('floor', '–', envName).ms);
      const floorEsm = median(find('floor-esm', '–', envName).ms);
      const rows = [];
      for (const v of variants.filter((x) => x.envName === envName)) {
        const m = median(v.ms);
        rows.push([v.name, v.count, fmt(m), fmtRange(v.ms), fmtRatio(m / floor)]);
      }
      tables.push({
        caption: `NODE_EXTRA_CA_CERTS ${envName === 'with' ? `set (${ORIGINAL_CA})` : 'unset'}`,
        headers: ['command', 'sessions', 'ms median', 'min–max', '× node floor'],
        rows,
      });
      for (const name of ['list', 'send']) {
        for (const count of [1, 100]) {
          const m = median(find(`cw ${name}`, count, envName).ms);
          targets.push({
            name: `cw ${name} ≤ 1.3× Node floor (${count} session${count > 1 ? 's' : ''}, CA ${envName})`,
            ratio: m / floor, limit: 1.3, cmp: '<=',
            detail: `${fmt(m)} ms vs floor ${fmt(floor)} ms (vs the ES-module floor, ${fmt(floorEsm)} ms: ${fmtRatio(m / floorEsm)})`,
          });
        }
      }
    }
    // A comparison table: cw command / tmux counterpart, without the CA bundle.
    const cmpRows = [];
    for (const count of [1, 100]) {
      for (const [c, t] of [['list', 'ls'], ['send', 'send-keys'], ['screen', 'capture-pane']]) {
        const a = median(find(`cw ${c}`, count, 'without').ms);
        const b = median(find(`tmux ${t}`, count, 'without').ms);
        cmpRows.push([`cw ${c} / tmux ${t}`, count, fmt(a), fmt(b), fmtRatio(a / b)]);
      }
    }
    tables.push({ caption: 'cw against its tmux counterpart (CA unset)', headers: ['pair', 'sessions', 'cw ms', 'tmux ms', 'cw / tmux'], rows: cmpRows });

    return {
      title: '2. CLI latency',
      intro: `Wall time from spawn to exit of each command, ${N} runs each, all commands interleaved run by run. ` +
        'The node floor is `node bench/floor.cjs SOCK`: Node starts, connects to a Unix-socket echo server run by the bench, ' +
        'writes 5 bytes, reads the reply and exits; it is CommonJS, like the cw CLI bundle, so no ES module loader starts (the same script as an ' +
        'ES module, `floor.mjs`, is shown too and is a few ms slower). cw sessions and tmux sessions run `sleep 3600`; send targets session 1 / `main`.',
      tables,
      targets,
      failures,
      notes: ORIGINAL_CA ? [] : ['NODE_EXTRA_CA_CERTS was not set on this machine: only the "unset" variant was measured.'],
    };
  } finally {
    server.close();
    for (const h of Object.values(homes)) h.dispose();
    for (const t of Object.values(tmuxes)) t.dispose();
  }
}
