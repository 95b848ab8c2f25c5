#!/usr/bin/env node
// The capture kit: installs the pinned real agents (install.mjs), runs each offline against the fake model
// server in a real pty, drives it through its states (profiles/AGENT.mjs) and writes what the screen shows
// into tests/fixtures/screens/AGENT/ as fixtures named by their expected state. The unit tests then score
// the activity rules on them. Rerun it after `node tests/agents/install.mjs --latest` to see what a new
// release broke. Not part of `npm test`: it takes minutes and rewrites fixtures.
//
//   npm run agents:capture [-- AGENT...] [--out DIR] [--keep]
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentPty, fixtureText } from './driver.mjs';
import { agentBin, agentVersion, versions } from './install.mjs';
import { startFakeModel } from './fake-model/server.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, '..', 'fixtures', 'screens');

/**
 * What a scenario gets. `start()` launches the agent in a fresh pty (a profile's `launch` decides the
 * command, environment and configuration files); `capture()` writes the current screen as a fixture.
 */
export async function makeContext(agent, { model, out = FIXTURES, keep = false, log = () => {} } = {}) {
  const profile = await import(/* @vite-ignore */ new URL(`./profiles/${agent}.mjs`, import.meta.url).href);
  const bin = agentBin(agent);
  const version = agentVersion(agent);
  const root = mkdtempSync(join(tmpdir(), `cwcap-${agent}-`));
  const ptys = [];
  const written = [];
  const ctx = {
    agent,
    bin,
    version,
    model,
    root,
    profile,
    /** A fresh HOME for the agent and a fresh project folder, both under root. */
    dirs(name) {
      const home = join(root, name, 'home');
      const work = join(root, name, 'project');
      mkdirSync(home, { recursive: true });
      mkdirSync(work, { recursive: true });
      return { home, work };
    },
    /** Launches the agent as the profile says; opts go to profile.launch (cols, rows, trusted, extra args…). */
    async start(opts = {}) {
      const spec = await profile.launch(ctx, opts);
      const p = new AgentPty({ cols: opts.cols ?? 120, rows: opts.rows ?? 40, ...spec });
      ptys.push(p);
      return p;
    },
    /** Writes `screen` (default: p.screen()) as tests/fixtures/screens/AGENT/EXPECT-captured-NAME.txt. */
    capture(p, name, expect, note, screen = p.screen()) {
      const dir = join(out, agent);
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${expect}-captured-${name}.txt`);
      const source = `captured from ${profile.packageName ?? agent} ${version} by npm run agents:capture (${new Date().toISOString().slice(0, 10)})`;
      writeFileSync(file, fixtureText(screen, { expect, note, source }));
      written.push(file);
      log(`  wrote ${file}`);
      return file;
    },
    written,
    async cleanup() {
      for (const p of ptys) await p.kill().catch(() => {});
      if (!keep) rmSync(root, { recursive: true, force: true });
    },
  };
  return ctx;
}

async function main() {
  const args = process.argv.slice(2);
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args[outAt + 1] : FIXTURES;
  const keep = args.includes('--keep');
  const agents = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--out');
  const log = (l) => process.stderr.write(l + '\n');
  const model = await startFakeModel({ log });
  let failed = 0;
  try {
    for (const agent of agents.length ? agents : Object.keys(versions())) {
      log(`${agent} ${agentVersion(agent)}`);
      const ctx = await makeContext(agent, { model, out, keep, log });
      try {
        for (const sc of ctx.profile.scenarios) {
          log(` scenario ${sc.name}`);
          try {
            await sc.run(ctx);
          } catch (err) {
            failed++;
            log(`  FAILED: ${err.message}`);
          }
        }
      } finally {
        await ctx.cleanup();
      }
    }
  } finally {
    await model.close();
  }
  if (failed) {
    log(`${failed} scenario(s) failed`);
    process.exitCode = 1;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
