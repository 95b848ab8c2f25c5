// The dashboard keeps its port across daemon restarts: `[ui] port` in config.toml, else the port used last
// (remembered in the home), else a free one. Real daemons, real listeners on loopback; no browser needed.
import { afterEach, describe, expect, it } from 'vitest';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { freePort, makeHome, type Home } from '../support/harness.js';

const homes: Home[] = [];
const blockers: Server[] = [];
afterEach(async () => {
  for (const b of blockers.splice(0)) await new Promise((r) => b.close(r));
  for (const h of homes.splice(0)) await h.cleanup();
});

function home(): Home {
  const h = makeHome();
  homes.push(h);
  return h;
}

async function uiPort(h: Home): Promise<number> {
  const r = await h.cw(['ui', '--json', '--no-open']);
  expect(r.code, r.stderr).toBe(0);
  return Number(/:(\d+)\/$/.exec((JSON.parse(r.stdout) as { url: string }).url)![1]);
}

/** Holds a loopback port, as another program would. */
function occupy(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, '127.0.0.1', () => resolve());
    blockers.push(s);
  });
}

describe('the dashboard port', () => {
  it('is the same after a daemon restart; a port taken meanwhile is replaced and the new one remembered', { timeout: 60_000 }, async () => {
    const h = home();
    const first = await uiPort(h);
    expect(readFileSync(join(h.dir, 'ui-port'), 'utf8')).toBe(`${first}\n`);
    expect(statSync(join(h.dir, 'ui-port')).mode & 0o777).toBe(0o600);
    await h.ok(['stop']);
    expect(await uiPort(h)).toBe(first);
    // Another program took it while the daemon was down: a free one instead, remembered from then on.
    await h.ok(['stop']);
    await occupy(first);
    const second = await uiPort(h);
    expect(second).not.toBe(first);
    expect(readFileSync(join(h.dir, 'ui-port'), 'utf8')).toBe(`${second}\n`);
  });

  it('is [ui] port from config.toml when set; that port taken is an error that says which setting to change', { timeout: 60_000 }, async () => {
    const h = home();
    const port = await freePort();
    writeFileSync(join(h.dir, 'config.toml'), `[ui]\nport = ${port}\n`, { mode: 0o600 });
    expect(await uiPort(h)).toBe(port);
    await h.ok(['stop']);
    await occupy(port);
    const r = await h.cw(['ui', '--json', '--no-open']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`cannot listen for the dashboard on 127.0.0.1:${port} ([ui] port in config.toml): EADDRINUSE`);
    expect(r.stderr).toMatch(/^hint: free that port, or change or remove \[ui\] port/m);
  });

  it('refuses a [ui] port that is not a port, naming the key', { timeout: 30_000 }, async () => {
    const h = home();
    writeFileSync(join(h.dir, 'config.toml'), `[ui]\nport = 70000\n`, { mode: 0o600 });
    const r = await h.cw(['start']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('ui.port');
  });
});
