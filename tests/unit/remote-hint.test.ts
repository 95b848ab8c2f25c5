// Over --server, a daemon's hints name the server in the commands they suggest; never a credential.
import { describe, expect, it } from 'vitest';
import { isDaemonError, serverArgument, withServer } from '../../src/client/remote-hint.js';

describe('hints over --server', () => {
  it('puts --server NAME into every backquoted cw command', () => {
    expect(withServer('run `cw list` to see sessions', 'box')).toBe('run `cw --server box list` to see sessions');
    expect(withServer('see `cw screen 3`, or `cw wait 3` for the turn to end', 'box')).toBe('see `cw --server box screen 3`, or `cw --server box wait 3` for the turn to end');
    expect(withServer("a session is named '123': use `@123` to mean it", 'box')).toBe("a session is named '123': use `@123` to mean it");
  });

  it('leaves text alone without a server, or when it names one already', () => {
    expect(withServer('run `cw list`', undefined)).toBe('run `cw list`');
    expect(withServer('run `cw --server gpu list`', 'box')).toBe('run `cw --server gpu list`');
  });

  it('names a URL without its credentials, quoted when a shell needs it', () => {
    expect(serverArgument('ws://127.0.0.1:9100')).toBe('ws://127.0.0.1:9100');
    expect(serverArgument('wss://me:s3cret@box.example:9100')).toBe('wss://box.example:9100');
    expect(serverArgument('wss://box.example:9100/?token=s3cret')).toBe("'wss://box.example:9100/?token=***'");
    expect(withServer('run `cw list`', 'wss://me:s3cret@box:9100')).toBe('run `cw --server wss://box:9100 list`');
  });

  it("rewrites only the daemon's own errors, not the client's (token, TLS, reachability)", () => {
    expect(isDaemonError('not_found')).toBe(true);
    for (const c of ['no_token', 'auth', 'tls', 'unreachable', 'usage', 'error', 'version_mismatch']) expect(isDaemonError(c), c).toBe(false);
  });
});
