// Bundles the CLI (and, as lazily loaded chunks, the daemon) with esbuild, so `cw list` starts fast.
import { build } from 'esbuild';
import { readFileSync, rmSync, chmodSync, copyFileSync } from 'node:fs';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

await build({
  entryPoints: { cw: 'src/cli.ts', 'screen-worker': 'src/daemon/screen-worker.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Native addons and big runtime-only libraries stay in node_modules; the daemon loads them lazily.
  external: ['node-pty', 'better-sqlite3', '@xterm/headless', '@xterm/addon-serialize'],
  define: { __CW_VERSION__: JSON.stringify(pkg.version) },
  // CommonJS dependencies (commander) call require() for Node built-ins; give ESM chunks a real one.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __cwCreateRequire } from 'node:module';\nconst require = __cwCreateRequire(import.meta.url);" },
  chunkNames: '[name]-[hash]',
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});
chmodSync(new URL('../dist/cw.js', import.meta.url), 0o755);

// The web dashboard (served by the daemon from dist/web): a browser bundle with xterm.js and its CSS, no CDN.
await build({
  entryPoints: { app: 'src/web/app.ts', 'app-style': 'src/web/style.css' },
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
copyFileSync(new URL('../src/web/index.html', import.meta.url), new URL('../dist/web/index.html', import.meta.url));
