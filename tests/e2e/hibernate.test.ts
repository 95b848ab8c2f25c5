// Black-box: an idle session's headless terminal hibernates (CODEWIRE_SCREEN_HIBERNATE_MS makes it quick) and
// nothing shows it: `cw screen`, `cw screen --ansi`, `cw attach`'s restore and `cw last-message` read the same,
// and output after the hibernation lands on the same screen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pty from 'node-pty';
import xh from '@xterm/headless';
import { CW, makeHome, waitFor, type Home } from '../support/harness.js';

interface ScreenResult {
  cols: number;
  rows: number;
  cursor: { x: number; y: number };
  text: string;
}

let h: Home;
beforeAll(async () => {
  h = makeHome({ CODEWIRE_SCREEN_HIBERNATE_MS: '200' });
  await h.ok(['start']);
});
afterAll(async () => {
  await h.cleanup();
});

const daemonLog = (): string => readFileSync(join(h.dir, 'daemon.log'), 'utf8');

const logCount = (what: 'hibernated' | 'revived', id: string): number => daemonLog().split(`screen of session ${id} ${what}`).length - 1;

const screen = (id: string, ansi = false): Promise<ScreenResult> => h.json<ScreenResult>(['screen', id, ...(ansi ? ['--ansi'] : [])]);

/** Waits for one more hibernation of the session's terminal than `before`. */
async function hibernated(id: string, before: number): Promise<number> {
  return waitFor(() => (logCount('hibernated', id) > before ? logCount('hibernated', id) : 0), `session ${id}'s screen to hibernate`, 15_000);
}

describe('screen hibernation', () => {
  it('keeps the exact screen, scrollback and modes of an idle session, and takes new output after it', async () => {
    const id = (await h.ok(['launch', '--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile'])).trim();
    await waitFor(async () => (await screen(id)).text === '$ ', 'the prompt');
    // Colours (bold right after dim), wide characters, 300 lines of scrollback, bracketed paste (bash turns it on).
    await h.ok(['send', id, `printf '\\e[1;31mred\\e[0m \\e[2mdim\\e[22;1mbold\\e[0m 日本語\\n'; seq 1 300`]);
    await waitFor(async () => (await screen(id)).text.endsWith('\n300\n$ '), 'the output of seq');
    const text = await screen(id);
    const ansi = await screen(id, true);
    const lines = await h.json<{ text: string }>(['last-message', id]);
    expect(ansi.text).toContain('\x1b[?2004h');

    // (The daemon's periodic save of the screen may wake it too: revivals are not counted exactly.)
    let n = await hibernated(id, 0);
    expect(await screen(id)).toEqual(text);
    n = await hibernated(id, n);
    // `cw screen --ansi` is what `cw attach` restores from (with scrollback): it needs the terminal, and wakes it.
    expect(await screen(id, true)).toEqual(ansi);
    expect(logCount('revived', id)).toBeGreaterThan(0);
    n = await hibernated(id, n);
    expect(await h.json<{ text: string }>(['last-message', id])).toEqual(lines);
    n = await hibernated(id, n);

    // New output lands after the old screen, in place.
    await h.ok(['send', id, 'echo after-$((6*7))']);
    const after = await waitFor(async () => {
      const s = await screen(id);
      return s.text.endsWith('after-42\n$ ') ? s : null;
    }, 'the new output');
    expect(after.text).toBe(`${text.text.split('\n').slice(2).join('\n')}echo after-$((6*7))\nafter-42\n$ `);
    expect(after.cursor).toEqual({ x: 2, y: text.cursor.y });
  }, 60_000);

  it('restores an attaching terminal exactly from a hibernated screen', async () => {
    const id = (await h.ok(['launch', '--env', 'PS1=$ ', '--', 'bash', '--norc', '--noprofile'])).trim();
    await waitFor(async () => (await screen(id)).text === '$ ', 'the prompt');
    await h.ok(['send', id, `printf '\\e[44mblue to the end\\e[K\\e[0m\\n\\e[2mdim\\e[22;1mbold\\e[0m\\n'; seq 1 20`]);
    await waitFor(async () => (await screen(id)).text.endsWith('\n20\n$ '), 'the output');
    const before = await screen(id);
    await hibernated(id, logCount('hibernated', id));

    // The user's terminal: `cw attach --read-only` (which leaves the session's size alone) in a real pty,
    // mirrored into a headless terminal of the same size.
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(h.env)) if (v !== undefined) env[k] = v;
    env.TERM = 'xterm-256color';
    const user = new xh.Terminal({ cols: 120, rows: 40, allowProposedApi: true, scrollback: 1000 });
    const proc = pty.spawn(process.execPath, [CW, 'attach', '--read-only', '--quiet', id], { name: 'xterm-256color', cols: 120, rows: 40, cwd: process.cwd(), env });
    proc.onData((d) => user.write(d));
    try {
      const shown = (): Promise<string[]> =>
        new Promise((r) =>
          user.write('', () => {
            const b = user.buffer.active;
            const rows: string[] = [];
            for (let y = 0; y < user.rows; y++) rows.push(b.getLine(b.baseY + y)?.translateToString(true) ?? '');
            r(rows);
          }),
        );
      const rows = await waitFor(async () => {
        const r = await shown();
        return r.join('\n').includes('\n20\n$ ') ? r : null;
      }, 'the restored screen in the attached terminal');
      let end = rows.length;
      while (end > 0 && rows[end - 1]!.trim() === '') end--;
      expect(rows.slice(0, end).join('\n')).toBe(before.text);
      const b = user.buffer.active;
      expect([b.cursorX, b.cursorY]).toEqual([before.cursor.x, before.cursor.y]);
      // Attributes came through: dim, and the blue fill to the end of its row. (Not the bold right after it:
      // the restore is the serialize addon's, which writes that change as SGR 1;22, and 22 ends both.)
      const dimRow = rows.indexOf('dimbold');
      expect(dimRow).toBeGreaterThan(0);
      expect(b.getLine(b.baseY + dimRow)!.getCell(0)!.isDim()).toBeTruthy();
      const blueRow = rows.indexOf('blue to the end');
      expect(blueRow).toBeGreaterThan(0);
      expect(b.getLine(b.baseY + blueRow)!.getCell(119)!.getBgColor()).toBe(4);
    } finally {
      proc.kill('SIGKILL');
      user.dispose();
    }
  }, 60_000);

  it('gives the memory of hibernated full scrollbacks back to the system', async () => {
    // Four sessions fill their 2000-line scrollbacks (~3 MiB of rows each in the screen worker), then go quiet.
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) {
      ids.push((await h.ok(['launch', '--', 'sh', '-c', 'head -c 240000 /dev/urandom | base64 -w 80; exec sleep 3600'])).trim());
    }
    for (const id of ids) {
      await waitFor(async () => (await screen(id)).text.trim().split('\n').length > 30, `session ${id}'s output`);
      await hibernated(id, 0); // (it may have gone to sleep already: 200 ms after its output)
    }
    // After they sleep, the worker collects its heap and the daemon trims the C heap: the log says by how much.
    const released = /memory released after (\d+) screen\(s\) slept or closed: .* rss ([\d.]+) → ([\d.]+) MiB/g;
    const drop = await waitFor(
      () => {
        let best = 0;
        for (const m of daemonLog().matchAll(released)) best = Math.max(best, Number(m[2]) - Number(m[3]));
        return best >= 4 ? best : 0;
      },
      'a memory release giving back at least 4 MiB',
      30_000,
    );
    expect(drop).toBeGreaterThanOrEqual(4);
    expect(daemonLog()).not.toContain('stays resident');
    // The screens still read the same after it.
    expect((await screen(ids[0]!)).text.trim().split('\n').length).toBeGreaterThan(30);
  }, 90_000);
});
