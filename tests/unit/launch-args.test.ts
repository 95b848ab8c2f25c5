// The launch request `cw launch` and the MCP launch tool both send (common/launch-args.ts), the checks both make
// first (channel/launch-check.ts), and the wording of states and ages both print (common/session-text.ts).
import { describe, expect, it } from 'vitest';
import { launchArgs } from '../../src/common/launch-args.js';
import { checkLaunch } from '../../src/channel/launch-check.js';
import { describeState, formatAge } from '../../src/common/session-text.js';
import { ExitCode } from '../../src/channel/errors.js';
import { SEND_TEXT_MAX_BYTES, type SessionInfo } from '../../src/protocol/index.js';

const here = { env: { PATH: '/bin', TERM: 'xterm-kitty', UNSET: undefined }, cwd: '/home/me/proj' };

describe('launchArgs', () => {
  it('on this machine: the caller environment, TERM and directory go along; dir is resolved against it', () => {
    expect(launchArgs({ command: ['bash'], tags: ['a'], env: { X: '1' } }, false, here)).toEqual({
      command: ['bash'],
      tags: ['a'],
      env: { X: '1' },
      cwd: '/home/me/proj',
      baseEnv: { PATH: '/bin', TERM: 'xterm-kitty' },
      term: 'xterm-kitty',
    });
    expect(launchArgs({ command: ['x'], dir: '../web/./src' }, false, here).cwd).toBe('/home/me/web/src');
    expect(launchArgs({ command: ['x'], dir: '/srv//app/' }, false, here).cwd).toBe('/srv/app');
    expect(launchArgs({ command: ['x'] }, false, { env: {}, cwd: '/' })).toEqual({ command: ['x'], cwd: '/', baseEnv: {} });
  });

  it('on another machine: no environment, no TERM, and dir as given (absent: the daemon uses its home)', () => {
    const req = { command: ['claude'], name: 'api', prompt: 'hi', waitReady: true, hooks: false, cols: 100, rows: 30 };
    expect(launchArgs({ ...req, dir: 'rel/dir' }, true, here)).toEqual({ ...req, cwd: 'rel/dir' });
    expect(launchArgs(req, true, here)).toEqual(req);
  });
});

describe('checkLaunch', () => {
  it('refuses a name the daemon would refuse, as a usage error with the rule', () => {
    for (const name of ['', '-x', 'a b', 'x'.repeat(65), 'naïve']) {
      let err: unknown;
      try {
        checkLaunch({ name });
      } catch (e) {
        err = e;
      }
      expect(err, name).toMatchObject({ message: `invalid name '${name}'`, exitCode: ExitCode.USAGE, code: 'usage' });
    }
    for (const name of ['api', 'api-2', 'A.b_c', '9', 'x'.repeat(64)]) expect(() => checkLaunch({ name })).not.toThrow();
  });

  it('refuses a prompt longer than cw types at once, counted in UTF-8 bytes', () => {
    expect(() => checkLaunch({ prompt: 'x'.repeat(SEND_TEXT_MAX_BYTES) })).not.toThrow();
    const long = 'é'.repeat(SEND_TEXT_MAX_BYTES / 2 + 1);
    expect(() => checkLaunch({ prompt: long })).toThrow(`the prompt is ${SEND_TEXT_MAX_BYTES + 2} bytes: cw types at most ${SEND_TEXT_MAX_BYTES} bytes (1 MiB) at once`);
    expect(() => checkLaunch({})).not.toThrow();
  });
});

describe('session text', () => {
  it('formats ages in the largest whole unit', () => {
    const cases: [number, string][] = [[-5, '0s'], [0, '0s'], [59_999, '59s'], [60_000, '1m'], [3_599_999, '59m'], [3_600_000, '1h'], [86_399_999, '23h'], [86_400_000, '1d'], [10 * 86_400_000, '10d']];
    expect(cases.map(([ms]) => formatAge(ms))).toEqual(cases.map(([, s]) => s));
  });

  it('describes a state, with the exit code or signal of an exited session', () => {
    const s = (over: Partial<SessionInfo>): SessionInfo => ({ state: 'running', exitCode: null, signal: null, ...over }) as SessionInfo;
    expect([s({}), s({ state: 'killed' }), s({ state: 'exited', exitCode: 3 }), s({ state: 'exited', exitCode: null, signal: 'SIGTERM' })].map(describeState)).toEqual([
      'running',
      'killed',
      'exited (3)',
      'exited (SIGTERM)',
    ]);
  });
});
