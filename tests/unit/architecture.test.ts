// The layers of the code, kept by a test: which folder of src/ may import which. A forbidden import fails here
// with the file, the import and the rule, so a boundary cannot erode one convenient import at a time.
// Known exceptions are listed with the reason they stand; the structure issue removes them one by one.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src');

/** What each layer may import from other layers of src/ (its own folder is always allowed). */
const LAYERS: Record<string, { may: readonly string[]; nodeBuiltins: boolean; why: string }> = {
  protocol: { may: [], nodeBuiltins: false, why: 'the wire contract: pure and browser-safe (the dashboard page bundles it)' },
  common: { may: ['protocol'], nodeBuiltins: true, why: 'shared by every process: nothing above it' },
  channel: { may: ['protocol', 'common'], nodeBuiltins: false, why: 'the one Channel, key table and client errors every host uses (CLI, MCP, page, fleet): browser-safe' },
  'daemon/agents': { may: ['protocol', 'common'], nodeBuiltins: true, why: 'what cw knows about each agent: data and pure readers, no daemon state' },
  daemon: { may: ['protocol', 'common', 'daemon/agents'], nodeBuiltins: true, why: 'the server: never the CLI' },
  client: { may: ['protocol', 'common', 'channel'], nodeBuiltins: true, why: 'the CLI: talks to the daemon through the channel only' },
  mcp: { may: ['protocol', 'common', 'channel'], nodeBuiltins: true, why: 'tools over the channel: handed its way to the daemon, it reads no CLI state' },
  fleet: { may: ['protocol', 'common', 'channel'], nodeBuiltins: true, why: 'the fleet node agent: a client of its own daemon, over the channel' },
  dashboard: { may: ['protocol', 'common', 'channel'], nodeBuiltins: false, why: 'the dashboard page: runs in a browser' },
  launcher: { may: [], nodeBuiltins: true, why: 'a plain CommonJS launcher, not bundled' },
};

/** Imports that cross a boundary today, each with the reason it stands (the structure issue moves them). */
const KNOWN: ReadonlyArray<readonly [from: string, to: string, why: string]> = [
  ['client/commands/daemon.ts', 'daemon/main.ts', '`cw daemon` starts the daemon in this process: the one entry into the daemon'],
  // The command is the MCP server's entry, as `cw daemon` is the daemon's: it resolves the CLI's options into a
  // channel opener and starts the server with it, so the dependency runs client → mcp only, never back.
  ['client/commands/mcp-server.ts', 'mcp/server.ts', '`cw mcp-server` runs the MCP server in this process, handing it the daemon its options name'],
  ['client/commands/mcp-server.ts', 'mcp/config.ts', '`cw mcp-server --print-config` prints its configuration'],
  ['client/commands/setup.ts', 'mcp/config.ts', '`cw setup` writes the MCP configuration that --print-config prints'],
  ['daemon/main.ts', 'fleet/node/index.ts', 'the daemon starts its fleet node agent (a client of itself) when config.toml has [nats]'],
  ['daemon/agents/screen.ts', 'daemon/screen-snapshot.ts', 'the snapshot type the agent rules read (a type only)'],
];

const CLI_ENTRY = 'cli.ts'; // src/cli.ts: the entry, may import anything

function layerOf(rel: string): string | undefined {
  if (rel.startsWith('daemon/agents/')) return 'daemon/agents';
  const top = rel.split('/')[0]!;
  return top in LAYERS ? top : undefined;
}

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (/\.(ts|mts|cjs|mjs)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** Module specifiers of a file's static and dynamic imports and re-exports (template strings are not code). */
export function importsOf(text: string): string[] {
  const code = text.replace(/`(?:\\[\s\S]|[^`\\])*`/g, '``');
  const out: string[] = [];
  const re = /(?:^|[^\w$.])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|(?:^|[^\w$.])import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[^\w$.])import\s+['"]([^'"]+)['"]|(?:^|[^\w$.])require\s*\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of code.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3] ?? m[4])!);
  return out;
}

export interface Violation {
  file: string;
  spec: string;
  rule: string;
}

/** Checks one file's imports against LAYERS and KNOWN. Exported so the test can show that it catches one. */
export function check(fileRel: string, specs: readonly string[]): Violation[] {
  if (fileRel === CLI_ENTRY) return [];
  const from = layerOf(fileRel);
  if (!from) return [{ file: fileRel, spec: '', rule: 'a file outside every known layer: add its folder to LAYERS' }];
  const rule = LAYERS[from]!;
  const out: Violation[] = [];
  for (const spec of specs) {
    if (spec.startsWith('node:') || /^(fs|path|os|net|tls|url|crypto|child_process|worker_threads|events|http|https|module|vm|util|stream)$/.test(spec)) {
      if (!rule.nodeBuiltins) out.push({ file: fileRel, spec, rule: `${from} may not use Node built-ins: ${rule.why}` });
      continue;
    }
    if (!spec.startsWith('.')) continue; // a package: its own concern
    const target = relative(SRC, resolve(SRC, dirname(fileRel), spec)).replace(/\.js$/, '.ts');
    const to = layerOf(target);
    if (!to || to === from) continue;
    if (rule.may.includes(to)) continue;
    if (KNOWN.some(([f, t]) => f === fileRel && t === target)) continue;
    out.push({ file: fileRel, spec, rule: `${from} may import only ${[from, ...rule.may].join(', ')} (${rule.why})` });
  }
  return out;
}

describe('architecture: the layers of src/', () => {
  it('no file imports across a boundary it may not cross', () => {
    const violations = sources(SRC).flatMap((f) => {
      const rel = relative(SRC, f);
      return check(rel, importsOf(readFileSync(f, 'utf8')));
    });
    expect(violations.map((v) => `${v.file} imports '${v.spec}': ${v.rule}`)).toEqual([]);
  });

  it('every known exception still exists (a removed one is taken off the list)', () => {
    for (const [from, to] of KNOWN) {
      const specs = importsOf(readFileSync(join(SRC, from), 'utf8')).map((s) => relative(SRC, resolve(SRC, dirname(from), s)).replace(/\.js$/, '.ts'));
      expect(specs, `${from} → ${to}`).toContain(to);
    }
  });

  it('fails on a forbidden import (the checker is not a no-op)', () => {
    expect(check('protocol/frame.ts', ['node:fs'])).toHaveLength(1);
    expect(check('protocol/frame.ts', ['../daemon/session.js'])).toHaveLength(1);
    expect(check('client/commands/list.ts', ['../../daemon/registry.js'])[0]?.rule).toMatch(/client may import only client, protocol, common, channel/);
    expect(check('daemon/session.ts', ['../client/run.js'])).toHaveLength(1);
    expect(check('dashboard/app.ts', ['node:path'])).toHaveLength(1);
    expect(check('daemon/agents/claude.ts', ['../registry.js'])).toHaveLength(1);
    expect(check('daemon/registry.ts', ['./agents/index.js', '../protocol/index.js', 'node:fs'])).toEqual([]);
    expect(check('mcp/link.ts', ['../client/run.js'])[0]?.rule).toMatch(/mcp may import only mcp, protocol, common, channel/);
  });

  it('reads the import forms the code uses, and not import-shaped text inside template strings', () => {
    expect(importsOf(`import a from './a.js';\nimport type { B } from '../b.js';\nexport * from './c.js';\nconst d = await import('./d.js');\nimport './e.js';\nconst f = require('./f.js');`)).toEqual(['./a.js', '../b.js', './c.js', './d.js', './e.js', './f.js']);
    expect(importsOf('const plugin = `import { spawn } from "node:child_process";`;')).toEqual([]);
  });
});
