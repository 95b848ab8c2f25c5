// Black-box: the built `cw` against a daemon in a temporary CODEWIRE_HOME.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SessionInfo } from '../../src/protocol/index.js';
import { execFileSync } from 'node:child_process';
import { CW, exitOf, makeHome, mulberry32, waitFor, waitForOutput, type Home } from '../support/harness.js';
import { createHash } from 'node:crypto';

let h: Home;
beforeAll(async () => {
  h = makeHome();
  await h.ok(['start']);
});
afterAll(async () => {
  await h.cleanup();
});

const status = (ref: string): Promise<SessionInfo> => h.json<SessionInfo>(['status', ref]);
const waitEnded = (ref: string): Promise<SessionInfo> =>
  waitFor(async () => {
    const s = await status(ref);
    return s.state !== 'running' ? s : null;
  }, `session ${ref} to end`);

describe('launch', () => {
  it('prints the id alone on stdout and a message on stderr', async () => {
    const r = await h.cw(['launch', '--name', 'hello', '--', 'bash', '-c', 'echo hi-there']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\d+\n$/);
    const id = Number(r.stdout);
    expect(r.stderr).toContain(`Session ${id} (hello) launched: bash -c echo hi-there`);
    const s = await waitEnded(String(id));
    expect(s).toMatchObject({ id, name: 'hello', state: 'exited', exitCode: 0 });
    expect(await h.ok(['logs', 'hello'])).toBe('hi-there\n');
  });

  it('accepts the command without -- and passes its own options through', async () => {
    const id = (await h.ok(['launch', '--name', 'nodash', 'bash', '-c', 'echo "$0 $1"', 'x', '--flag'])).trim();
    await waitEnded(id);
    expect(await h.ok(['logs', id])).toBe('x --flag\n');
  });

  it('sets the session environment: ids, TERM, COLORTERM, and drops CLAUDECODE', async () => {
    const r = await h.cw(['launch', '--name', 'envcheck', '--env', 'FOO=bar baz', '--', 'bash', '-c', 'echo "id=$CW_SESSION_ID name=$CW_SESSION_NAME term=$TERM ct=$COLORTERM foo=$FOO cc=${CLAUDECODE-unset} ccx=${CLAUDE_CODE_ENTRYPOINT-unset} mine=$MY_VAR"'], {
      env: { CLAUDECODE: '1', CLAUDE_CODE_ENTRYPOINT: 'cli', MY_VAR: 'from-shell' },
    });
    expect(r.code).toBe(0);
    const id = r.stdout.trim();
    await waitEnded(id);
    expect(await h.ok(['logs', id])).toBe(`id=${id} name=envcheck term=xterm-256color ct=truecolor foo=bar baz cc=unset ccx=unset mine=from-shell\n`);
  });

  it('runs in --dir and at --size', async () => {
    const id = (await h.ok(['launch', '--dir', '/tmp', '--size', '77x21', '--', 'bash', '-c', 'pwd; stty size'])).trim();
    await waitEnded(id);
    expect(await h.ok(['logs', id])).toBe('/tmp\n21 77\n');
  });

  it('refuses a missing command, a missing directory, a taken or invalid name, and creates nothing', async () => {
    const before = (await h.json<SessionInfo[]>(['list'])).length;
    const missing = await h.cw(['launch', '--', 'no-such-program-xyz']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("command 'no-such-program-xyz' not found in PATH");
    const dir = await h.cw(['launch', '--dir', '/nonexistent/dir', '--', 'true']);
    expect(dir.code).toBe(1);
    expect(dir.stderr).toContain("directory '/nonexistent/dir' does not exist");
    await h.ok(['launch', '--name', 'taken', '--', 'sleep', '30']);
    const taken = await h.cw(['launch', '--name', 'taken', '--', 'true']);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/name 'taken' is already used by running session \d+/);
    const bad = await h.cw(['launch', '--name', '-bad name', '--', 'true']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("invalid name '-bad name'");
    expect(bad.stderr).toContain('hint: names are 1-64 of');
    const none = await h.cw(['launch']);
    expect(none.code).toBe(2);
    expect((await h.json<SessionInfo[]>(['list'])).length).toBe(before + 1);
    await h.ok(['kill', 'taken']);
  });
});

describe('list, status and names', () => {
  it('filters by status and tag, running first, JSON array (empty when nothing matches)', async () => {
    const a = (await h.ok(['launch', '--tag', 'grp', '--tag', 'x', '--', 'sleep', '30'])).trim();
    const b = (await h.ok(['launch', '--tag', 'grp', '--', 'true'])).trim();
    await waitEnded(b);
    const tagged = await h.json<SessionInfo[]>(['list', '--tag', 'grp']);
    expect(tagged.map((s) => String(s.id))).toEqual([a, b]);
    const running = await h.json<SessionInfo[]>(['list', '--status', 'running', '--tag', 'grp']);
    expect(running.map((s) => String(s.id))).toEqual([a]);
    expect(await h.json(['list', '--tag', 'no-such-tag'])).toEqual([]);
    const all = await h.json<SessionInfo[]>(['list']);
    const firstEnded = all.findIndex((s) => s.state !== 'running');
    expect(all.slice(firstEnded).every((s) => s.state !== 'running')).toBe(true);
    const table = await h.ok(['list']);
    expect(table.split('\n')[0]).toMatch(/^ID\s+NAME\s+STATE\s+ACTIVITY\s+AGE\s+COMMAND$/);
    await h.ok(['kill', a]);
  });

  it('status --json has every field', async () => {
    const id = (await h.ok(['launch', '--name', 'st', '--', 'sleep', '30'])).trim();
    const s = await status('@st');
    expect(s).toMatchObject({ id: Number(id), name: 'st', command: ['sleep', '30'], state: 'running', exitCode: null, cols: 120, rows: 40, clients: 0 });
    for (const k of ['cwd', 'pid', 'createdAt', 'endedAt', 'outputBytes', 'lastOutputAt', 'idleSeconds', 'activity', 'agent']) expect(s).toHaveProperty(k);
    expect(typeof s.pid).toBe('number');
    await h.ok(['kill', 'st']);
  });

  it('an unknown session is exit 1 with a hint', async () => {
    const r = await h.cw(['status', 'nope']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("session 'nope' not found");
    expect(r.stderr).toContain('cw list');
    expect(r.stdout).toBe('');
  });
});

describe('send, logs, screen, watch', () => {
  it('send types text plus Enter, --no-newline, --key and --paste', async () => {
    const id = (await h.ok(['launch', '--name', 'catv', '--', 'cat', '-v'])).trim();
    const r = await h.cw(['send', 'catv', 'line one']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Sent 9 bytes to session ${id}`);
    await h.ok(['send', 'catv', 'no-nl', '--no-newline']);
    await h.ok(['send', 'catv', '--key', 'Enter']);
    await h.ok(['send', 'catv', 'pasted', '--paste']);
    await waitFor(async () => (await h.ok(['logs', 'catv'])).includes('^[[200~pasted^[[201~'), 'paste markers in cat -v output');
    const logs = await h.ok(['logs', 'catv']);
    expect(logs).toContain('line one\nline one\n');
    expect(logs).toContain('no-nl\nno-nl\n');
    await h.ok(['send', 'catv', '--key', 'C-d']);
    expect((await waitEnded(id)).exitCode).toBe(0);
  });

  it('input larger than the pty holds arrives whole and in order while the program is not reading', { timeout: 30_000 }, async () => {
    // Raw mode, so no line discipline limit; the program reads nothing for a moment, so the pty fills up and the
    // daemon's direct writes meet EAGAIN and must queue the rest behind what is already waiting.
    const N = 300_000;
    const r = mulberry32(7);
    const text = Array.from({ length: N }, () => String.fromCharCode(0x21 + Math.floor(r() * 94))).join('');
    const want = createHash('sha256').update(text).digest('hex');
    const id = (await h.ok(['launch', '--', 'sh', '-c', `stty raw -echo; sleep 0.3; head -c ${N} | sha256sum`])).trim();
    await h.ok(['send', id, '--stdin', '--no-newline', '--no-paste'], { input: text.slice(0, N / 2) });
    await h.ok(['send', id, '--stdin', '--no-newline', '--no-paste'], { input: text.slice(N / 2) });
    expect((await waitEnded(id)).exitCode).toBe(0);
    expect(await h.ok(['logs', id])).toContain(want);
  });

  it('send --stdin and --file', async () => {
    const id = (await h.ok(['launch', '--', 'cat'])).trim();
    await h.ok(['send', id, '--stdin'], { input: 'from-stdin' });
    await waitFor(async () => (await h.ok(['logs', id])).includes('from-stdin'), 'stdin text');
    await h.ok(['send', id, '--file', join(import.meta.dirname, '../support/harness.ts')]);
    await waitFor(async () => (await h.ok(['logs', id])).includes('Black-box test harness'), 'file text');
    await h.ok(['kill', id]);
  });

  it('send to an ended session fails with a hint; a usage error is exit 2', async () => {
    const id = (await h.ok(['launch', '--', 'true'])).trim();
    await waitEnded(id);
    const r = await h.cw(['send', id, 'x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is not running');
    expect((await h.cw(['send', id, '--key', 'NoSuchKey'])).code).toBe(2);
  });

  it('logs strips ANSI unless --raw, --tail, and -f ends with the session', async () => {
    const id = (await h.ok(['launch', '--', 'bash', '-c', 'for i in 1 2 3 4 5; do printf "\\033[31mred $i\\033[0m\\n"; done'])).trim();
    await waitEnded(id);
    expect(await h.ok(['logs', id])).toBe('red 1\nred 2\nred 3\nred 4\nred 5\n');
    expect(await h.ok(['logs', id, '--tail', '2'])).toBe('red 4\nred 5\n');
    expect(await h.ok(['logs', id, '--raw', '--tail', '1'])).toBe('\x1b[31mred 5\x1b[0m\r\n');
    const f = await h.ok(['logs', id, '-f']);
    expect(f).toBe('red 1\nred 2\nred 3\nred 4\nred 5\n');

    const live = (await h.ok(['launch', '--', 'bash', '-c', 'echo first; read x; echo "got $x"'])).trim();
    const follower = h.spawn(['logs', live, '-f']);
    await waitForOutput(follower, 'first\n');
    await h.ok(['send', live, 'second']);
    const code = await exitOf(follower);
    expect(code).toBe(0);
  });

  it('screen shows the terminal as text, also after the end', async () => {
    const id = (await h.ok(['launch', '--size', '40x10', '--', 'bash', '-c', 'printf "top\\n\\033[5;10Hmiddle"; read x'])).trim();
    await waitFor(async () => (await h.ok(['screen', id])).includes('middle'), 'screen text');
    expect(await h.ok(['screen', id])).toBe('top\n\n\n\n         middle\n');
    const j = await h.json<{ cols: number; rows: number; cursor: { x: number; y: number } }>(['screen', id]);
    expect(j).toMatchObject({ cols: 40, rows: 10, cursor: { x: 15, y: 4 } });
    expect(await h.ok(['screen', id, '--ansi'])).toContain('middle');
    await h.ok(['send', id, '']);
    await waitEnded(id);
    await waitFor(async () => (await h.cw(['screen', id])).stdout.includes('middle'), 'saved screen after exit');
  });

  it('a reader that goes away early (| head) ends cw quietly with exit 0', async () => {
    const id = (await h.ok(['launch', '--', 'seq', '1', '200000'])).trim();
    await h.ok(['wait', id, '--until', 'exit', '--timeout', '20']);
    const out = execFileSync('bash', ['-c', `${JSON.stringify(process.execPath)} ${JSON.stringify(CW)} logs ${id} | head -1; echo "cw=\${PIPESTATUS[0]}"`], {
      env: h.env,
      encoding: 'utf8',
    });
    expect(out).toBe('1\ncw=0\n');
  });

  it('screen and last-message answer right after the end (they wait for the final screen save)', async () => {
    for (let i = 0; i < 3; i++) {
      const id = (await h.ok(['launch', '--', 'printf', `final-screen-${i}`])).trim();
      expect((await h.cw(['wait', id, '--until', 'exit', '--timeout', '20'])).code).toBe(0);
      const r = await h.cw(['screen', id]);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(`final-screen-${i}\n`);
    }
  });

  it('watch streams until the session ends (exit 0), prints history of ended sessions, times out with 124', async () => {
    const id = (await h.ok(['launch', '--', 'bash', '-c', 'echo one; read x; echo two'])).trim();
    const w = h.spawn(['watch', id]);
    let out = await waitForOutput(w, 'one');
    await h.ok(['send', id, 'go']);
    const code = await exitOf(w);
    expect(code).toBe(0);
    w.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const again = await h.cw(['watch', id]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('one');
    expect(again.stdout).toContain('two');
    expect(again.stderr).toContain(`session ${id} exited (code 0)`);
    const t = (await h.ok(['launch', '--', 'sleep', '30'])).trim();
    const timed = await h.cw(['watch', t, '--timeout', '1']);
    expect(timed.code).toBe(124);
    const j = await h.cw(['watch', id, '--json']);
    const lines = j.stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.slice(0, 3)).toEqual([
      { session: Number(id), name: null, line: 'one' },
      { session: Number(id), name: null, line: 'go' },
      { session: Number(id), name: null, line: 'two' },
    ]);
    expect(lines.at(-1)).toMatchObject({ event: 'exit', state: 'exited', exitCode: 0 });
    await h.ok(['kill', t]);
  });
});

describe('kill and rm', () => {
  it('kill ends the process group; state killed is never overwritten', async () => {
    const id = (await h.ok(['launch', '--name', 'trapper', '--', 'bash', '-c', 'trap "echo bye; exit 0" HUP; sleep 300 & wait'])).trim();
    await waitFor(async () => (await status(id)).pid, 'pid');
    const r = await h.cw(['kill', 'trapper']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`Session ${id} killed`);
    const s = await status(id);
    expect(s.state).toBe('killed');
    expect(s.endedAt).not.toBeNull();
    const again = await h.cw(['kill', id]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('had already ended');
    expect((await status(id)).state).toBe('killed');
  });

  it('kill escalates to SIGKILL when SIGHUP is ignored', async () => {
    const id = (await h.ok(['launch', '--', 'bash', '-c', 'trap "" HUP; echo ready; while :; do sleep 1; done'])).trim();
    await waitFor(async () => (await h.ok(['logs', id])).includes('ready'), 'ready');
    await h.ok(['kill', id]);
    expect(await status(id)).toMatchObject({ state: 'killed' });
  });

  it('kill --tag and --all', async () => {
    const a = (await h.ok(['launch', '--tag', 'k1', '--', 'sleep', '60'])).trim();
    const b = (await h.ok(['launch', '--tag', 'k2', '--', 'sleep', '60'])).trim();
    await h.ok(['kill', '--tag', 'k1']);
    expect((await status(a)).state).toBe('killed');
    expect((await status(b)).state).toBe('running');
    await h.ok(['kill', '--all']);
    expect((await status(b)).state).toBe('killed');
    expect(await h.json(['list', '--status', 'running'])).toEqual([]);
  });

  it('rm drops ended sessions and their logs; ids are never reused', async () => {
    const id = (await h.ok(['launch', '--', 'true'])).trim();
    await waitEnded(id);
    expect(existsSync(join(h.dir, 'sessions', id, 'output.log'))).toBe(true);
    const running = (await h.ok(['launch', '--', 'sleep', '60'])).trim();
    const refused = await h.cw(['rm', running]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('still running');
    await h.ok(['rm', id]);
    expect(existsSync(join(h.dir, 'sessions', id))).toBe(false);
    expect((await h.cw(['status', id])).code).toBe(1);
    await h.ok(['kill', running]);
    await h.ok(['rm', '--exited']);
    expect(await h.json(['list'])).toEqual([]);
    const next = (await h.ok(['launch', '--', 'true'])).trim();
    expect(Number(next)).toBeGreaterThan(Number(running));
  });
});
