// The `cw` launcher (dist/cw.js) runs the CLI bundle through V8's code cache. A missing, stale, corrupt or
// unwritable cache must only cost speed: every run still works and prints the same thing.
import { afterEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../support/harness.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A copy of the launcher and the CLI bundle, without a cache. `cw version` needs nothing from node_modules. */
function copyDist(): string {
  const dir = mkdtempSync('/tmp/cwl-');
  dirs.push(dir);
  for (const f of ['cw.js', 'cw-main.js', 'package.json']) copyFileSync(join(ROOT, 'dist', f), join(dir, f));
  return dir;
}

function run(dir: string, args: string[] = ['version']): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(dir, 'cw.js'), ...args], { timeout: 20_000, encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const cacheOf = (dir: string): string => join(dir, 'cw-main.cache');

describe('the code cache of the cw launcher', () => {
  it('is written by the first run and used, not rewritten, by the next', { timeout: 30_000 }, async () => {
    const dir = copyDist();
    const first = await run(dir);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(/^cw \S+ \(protocol \d+, node /);
    const written = statSync(cacheOf(dir));
    expect(written.size).toBeGreaterThan(10_000);
    const second = await run(dir);
    expect(second).toEqual(first);
    // V8 accepted it: the launcher rewrites the cache only when there is none or it was rejected.
    expect(statSync(cacheOf(dir)).mtimeMs).toBe(written.mtimeMs);
  });

  it('survives a corrupt cache and replaces it', { timeout: 30_000 }, async () => {
    const dir = copyDist();
    const expected = await run(dir);
    const garbage = Buffer.alloc(4096, 0x5a);
    writeFileSync(cacheOf(dir), garbage);
    expect(await run(dir)).toEqual(expected);
    expect(readFileSync(cacheOf(dir)).equals(garbage)).toBe(false);
    expect(await run(dir)).toEqual(expected);
  });

  it('works when the cache cannot be written, and leaves no temporary files', { timeout: 30_000 }, async () => {
    const dir = copyDist();
    mkdirSync(cacheOf(dir)); // a directory where the file would go: reading and renaming onto it both fail
    const r = await run(dir, ['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: cw');
    expect(r.stderr).toBe('');
    expect(readdirSync(dir).sort()).toEqual(['cw-main.cache', 'cw-main.js', 'cw.js', 'package.json']);
  });

  it('lets many first runs at once all succeed and leave one valid cache', { timeout: 60_000 }, async () => {
    const dir = copyDist();
    const runs = await Promise.all(Array.from({ length: 8 }, () => run(dir)));
    for (const r of runs) expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    const before = statSync(cacheOf(dir)).mtimeMs;
    expect((await run(dir)).code).toBe(0);
    expect(statSync(cacheOf(dir)).mtimeMs).toBe(before);
  });
});
