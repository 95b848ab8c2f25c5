// Bundles the CLI and the daemon with esbuild, so `cw list` starts fast, and the web dashboard.
import { build } from 'esbuild';
import { readFileSync, rmSync, chmodSync, copyFileSync, writeFileSync, existsSync, statSync, mkdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

/**
 * commander loads child_process at start for git-style executable subcommands, which cw does not use; loading it
 * costs every `cw` run a few milliseconds. This makes that require happen on first use instead.
 */
const lazyChildProcessInCommander = {
  name: 'lazy-child-process-in-commander',
  setup(b) {
    b.onLoad({ filter: /commander[\\/]lib[\\/]command\.js$/ }, (args) => {
      const src = readFileSync(args.path, 'utf8');
      const eager = "const childProcess = require('node:child_process');";
      if (!src.includes(eager)) throw new Error(`${args.path}: the child_process require changed; update scripts/build.mjs`);
      const lazy = "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };";
      return { contents: src.replace(eager, lazy), loader: 'js' };
    });
  },
};

/** The CLI bundle's size budget: every `cw` run reads it. Above this, something cold was pulled into it. */
const CLI_BUNDLE_MAX_BYTES = 512 * 1024;

const MODULE_URL = "var __cwMeta={get url(){return require('url').pathToFileURL(__filename).href}};";
/**
 * The CLI bundle is written already wrapped the way Node wraps a CommonJS module, as one function expression that
 * dist/cw.js compiles with vm.Script: wrapping it at run time copied the whole source (a quarter megabyte) once more
 * on every start. Not loadable with require(); only the launcher runs it.
 */
const CLI_WRAPPER = '(function (exports, require, module, __filename, __dirname) {';

const common = {
  outdir: 'dist',
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // Native addons and big runtime-only libraries stay in node_modules; the daemon loads them lazily.
  external: ['node-pty', 'better-sqlite3', '@xterm/headless', '@xterm/addon-serialize'],
  define: { __CW_VERSION__: JSON.stringify(pkg.version), 'import.meta.url': '__cwMeta.url' },
  // The sources are ES modules that find files beside themselves with import.meta.url; CommonJS has __filename.
  // A getter, so a run that never asks (most `cw` runs) never loads node:url.
  banner: { js: MODULE_URL },
  sourcemap: 'linked',
  // Less source to read at every start; names stay, so stack traces still name their functions.
  minifyWhitespace: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
  plugins: [lazyChildProcessInCommander],
};

/**
 * What short commands never run, bundled apart and loaded on first use: the daemon, the MCP server, the WebSocket
 * client for --server, the NATS client for the fleet. Keeping them out of the CLI's bundle keeps what every `cw` run
 * reads and deserialises small (about a quarter of the whole). Each is self-contained: it has its own copy of the
 * shared modules it needs, so nothing but plain data and errors crosses between bundles (ClientError is recognised
 * across copies; see src/client/errors.ts).
 */
const COLD = {
  'cw-daemon': 'src/daemon/main.ts',
  'cw-mcp': 'src/mcp/server.ts',
  'cw-remote': 'src/client/remote.ts',
  'cw-fleet': 'src/client/fleet-requester.ts',
  'cw-cockpit': 'src/client/cockpit/cockpit.ts',
};
const coldImports = {
  name: 'cold-bundles',
  setup(b) {
    const byPath = new Map(Object.entries(COLD).map(([out, src]) => [new URL(`../${src}`, import.meta.url).pathname, out]));
    b.onResolve({ filter: /\.js$/ }, (args) => {
      if (args.namespace === 'cold') return { path: args.path, external: true };
      if (!args.path.startsWith('.')) return undefined;
      const abs = new URL(args.path.replace(/\.js$/, '.ts'), `file://${args.resolveDir}/`).pathname;
      const out = byPath.get(abs);
      return out ? { path: out, namespace: 'cold' } : undefined;
    });
    // A stand-in module that require()s the bundle at run time. (An external import() would stay an import() in
    // the output, which a script compiled through vm cannot run.)
    b.onLoad({ filter: /.*/, namespace: 'cold' }, (args) => ({ contents: `module.exports = require('./${args.path}.js');`, loader: 'js' }));
  },
};

// The CLI, loaded by dist/cw.js through V8's code cache (see src/launcher/cw.cjs for why CommonJS).
await build({
  ...common,
  entryPoints: { 'cw-main': 'src/cli.ts' },
  banner: { js: CLI_WRAPPER + MODULE_URL },
  footer: { js: '})' },
  plugins: [...common.plugins, coldImports],
  metafile: true,
}).then((r) => {
  const bytes = Object.values(r.metafile.outputs).find((o) => o.entryPoint === 'src/cli.ts')?.bytes ?? 0;
  if (bytes > CLI_BUNDLE_MAX_BYTES) throw new Error(`dist/cw-main.js is ${bytes} bytes (limit ${CLI_BUNDLE_MAX_BYTES}): did a cold module become a static import?`);
});
await build({ ...common, entryPoints: { ...COLD, 'screen-worker': 'src/daemon/screen-worker.ts' } });
writeFileSync(new URL('../dist/package.json', import.meta.url), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
copyFileSync(new URL('../src/launcher/cw.cjs', import.meta.url), new URL('../dist/cw.js', import.meta.url));
// The text `cw setup` puts into agents' instruction files, read beside the CLI bundle.
mkdirSync(new URL('../dist/agents-setup', import.meta.url));
copyFileSync(new URL('../src/agents-setup/instructions.md', import.meta.url), new URL('../dist/agents-setup/instructions.md', import.meta.url));
chmodSync(new URL('../dist/cw.js', import.meta.url), 0o755);

// Native addons, compiled with node-gyp when missing or older than their source, then copied beside the daemon
// bundle. Without a compiler the daemon still works, with less: each says what it lacks.
//  - native/memtrim: malloc_trim (see memtrim.c); without it memory freed by hibernated screens stays resident.
//  - native/handover: execve keeping descriptors, reaping inherited children, resizing by descriptor (see
//    handover.c); without it `cw daemon restart` refuses and says why, and sessions end with `cw stop` as before.
for (const [name, lacking] of [
  ['memtrim', 'the daemon runs without giving freed screen memory back'],
  ['handover', '`cw daemon restart` cannot keep sessions'],
]) {
  const dir = new URL(`../native/${name}/`, import.meta.url).pathname;
  const out = `${dir}build/Release/${name}.node`;
  const newest = Math.max(...[`${name}.c`, 'binding.gyp'].map((f) => statSync(dir + f).mtimeMs));
  if (!existsSync(out) || statSync(out).mtimeMs < newest) {
    // npm hands its own node-gyp to scripts it runs; otherwise the one on PATH.
    const gyp = process.env.npm_config_node_gyp;
    const r = gyp
      ? spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: dir, encoding: 'utf8' })
      : spawnSync('node-gyp', ['rebuild'], { cwd: dir, encoding: 'utf8' });
    if (r.status !== 0) {
      console.warn(`warning: native/${name} did not build (${r.error?.message ?? `node-gyp exited ${r.status}`}); ${lacking}\n${(r.stderr ?? '').split('\n').slice(-8).join('\n')}`);
    }
  }
  if (existsSync(out)) copyFileSync(out, new URL(`../dist/${name}.node`, import.meta.url));
}

// The web dashboard (served by the daemon from dist/web): a browser bundle with xterm.js and its CSS, no CDN.
await build({
  entryPoints: { app: 'src/dashboard/app.ts', 'app-style': 'src/dashboard/style.css' },
  outdir: 'dist/web',
  entryNames: '[name]',
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  define: { __CW_VERSION__: JSON.stringify(pkg.version) },
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
copyFileSync(new URL('../src/dashboard/index.html', import.meta.url), new URL('../dist/web/index.html', import.meta.url));

// A first run writes the CLI's code cache (see src/launcher/cw.cjs), so the first real command is as fast as the rest.
const warm = spawnSync(process.execPath, [new URL('../dist/cw.js', import.meta.url).pathname, 'version'], { encoding: 'utf8' });
if (warm.status !== 0) throw new Error(`dist/cw.js does not run: ${warm.stderr}`);
