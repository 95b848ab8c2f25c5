#!/usr/bin/env node
// Installs the real agents the capture kit and the end-to-end tests run, at the versions pinned in
// versions.json, each in its own folder under CW_AGENTS_DIR (default ~/.cache/codewire/agents). Idempotent:
// a version already installed costs one stat. `--latest` asks the registry for each agent's newest version
// and rewrites versions.json first (then rerun `npm run agents:capture` to see what a release broke).
//
//   node tests/agents/install.mjs [--latest] [agent...]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const VERSIONS_FILE = join(HERE, 'versions.json');

export function agentsDir() {
  return process.env.CW_AGENTS_DIR || join(homedir(), '.cache', 'codewire', 'agents');
}

export function versions() {
  return JSON.parse(readFileSync(VERSIONS_FILE, 'utf8'));
}

/** Absolute path of an installed agent's executable (installs it first when missing). */
export function agentBin(agent) {
  const v = versions()[agent];
  if (!v) throw new Error(`unknown agent '${agent}' (known: ${Object.keys(versions()).join(', ')})`);
  const dir = join(agentsDir(), `${agent}-${v.version}`);
  const bin = join(dir, 'node_modules', '.bin', v.bin);
  if (!existsSync(bin)) install(agent, v, dir);
  return bin;
}

export function agentVersion(agent) {
  return versions()[agent].version;
}

function install(agent, v, dir) {
  // Install into a temporary folder and rename it into place, so a killed install never leaves a half
  // folder that looks complete.
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  writeFileSync(join(tmp, 'package.json'), JSON.stringify({ private: true, name: `cw-agent-${agent}` }));
  process.stderr.write(`installing ${v.package}@${v.version} into ${dir}\n`);
  try {
    execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save', '--loglevel=error', `${v.package}@${v.version}`], {
      cwd: tmp,
      stdio: ['ignore', 'ignore', 'inherit'],
      timeout: 600_000,
    });
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(`could not install ${v.package}@${v.version}: ${err.message}. The agent tests need the npm registry (or a filled CW_AGENTS_DIR).`);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
}

function latest() {
  const all = versions();
  for (const [agent, v] of Object.entries(all)) {
    const newest = execFileSync('npm', ['view', v.package, 'version'], { encoding: 'utf8' }).trim();
    if (newest !== v.version) process.stderr.write(`${agent}: ${v.version} → ${newest}\n`);
    v.version = newest;
  }
  writeFileSync(VERSIONS_FILE, JSON.stringify(all, null, 2) + '\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  if (args.includes('--latest')) latest();
  const wanted = args.filter((a) => !a.startsWith('--'));
  for (const agent of wanted.length ? wanted : Object.keys(versions())) {
    const bin = agentBin(agent);
    process.stdout.write(`${agent} ${agentVersion(agent)} ${bin}\n`);
  }
}
