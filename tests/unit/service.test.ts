// `cw service install`'s files: the systemd unit and the launchd plist, byte for byte, and the names and quoting
// they rest on. The command itself, with systemctl stood in for, is in tests/e2e/service.test.ts.
import { describe, expect, it } from 'vitest';
import {
  homeSuffix,
  launchdLabel,
  launchdPlist,
  parseLaunchctlPrint,
  parseLinger,
  systemdEnvironment,
  systemdUnit,
  systemdUnitName,
  systemdWord,
  type ServiceSpec,
} from '../../src/client/service-files.js';

const spec: ServiceSpec = {
  home: '/home/ann/.codewire',
  node: '/usr/bin/node',
  cli: '/opt/codewire/dist/cw.js',
  args: ['daemon'],
  env: [
    ['CODEWIRE_HOME', '/home/ann/.codewire'],
    ['PATH', '/home/ann/.local/bin:/usr/bin:/bin'],
  ],
};

describe('names', () => {
  it('the default home gets the plain name; another home a name of its own', () => {
    expect(homeSuffix('/home/ann/.codewire', '/home/ann/.codewire')).toBe('');
    expect(systemdUnitName('')).toBe('codewire.service');
    expect(launchdLabel('')).toBe('codewire.daemon');
    // sha256('/srv/cw-b') starts af50608a.
    expect(homeSuffix('/srv/cw-b', '/home/ann/.codewire')).toBe('srv-cw-b-af50608a');
    expect(systemdUnitName('srv-cw-b-af50608a')).toBe('codewire-srv-cw-b-af50608a.service');
    expect(launchdLabel('srv-cw-b-af50608a')).toBe('codewire.daemon.srv-cw-b-af50608a');
  });

  it('two homes that slug alike still differ; a long path keeps its end', () => {
    const a = homeSuffix('/srv/cw.b', '/d');
    const b = homeSuffix('/srv/cw-b', '/d');
    expect(a.replace(/-[0-9a-f]{8}$/, '')).toBe(b.replace(/-[0-9a-f]{8}$/, ''));
    expect(a).not.toBe(b);
    const long = homeSuffix(`/very/${'deep/'.repeat(20)}project-home`, '/d');
    expect(long).toMatch(/^[A-Za-z0-9][A-Za-z0-9-]{0,39}-[0-9a-f]{8}$/);
    expect(long).toContain('project-home');
  });
});

describe('systemd quoting', () => {
  it('leaves plain words alone; doubles % and $; quotes blanks, quotes and backslashes', () => {
    expect(systemdWord('/usr/bin/node')).toBe('/usr/bin/node');
    expect(systemdWord('/opt/a%b/$x')).toBe('/opt/a%%b/$$x');
    expect(systemdWord('/home/ann/my tools/cw.js')).toBe('"/home/ann/my tools/cw.js"');
    expect(systemdWord('a"b\\c')).toBe('"a\\"b\\\\c"');
    expect(systemdWord('')).toBe('""');
    expect(() => systemdWord('a\nb')).toThrow(/line break/);
  });

  it('quotes Environment= lines and doubles % there', () => {
    expect(systemdEnvironment('PATH', '/a b:/c')).toBe('Environment="PATH=/a b:/c"');
    expect(systemdEnvironment('X', '50%"q"')).toBe('Environment="X=50%%\\"q\\""');
  });
});

describe('the files', () => {
  it('systemd user unit', () => {
    expect(systemdUnit(spec)).toBe(
      [
        '# Written by `cw service install`; `cw service uninstall` removes it.',
        '[Unit]',
        'Description=codewire daemon (cw) for /home/ann/.codewire',
        '',
        '[Service]',
        'Type=simple',
        'Environment="CODEWIRE_HOME=/home/ann/.codewire"',
        'Environment="PATH=/home/ann/.local/bin:/usr/bin:/bin"',
        'ExecStart=/usr/bin/node /opt/codewire/dist/cw.js daemon',
        'Restart=on-failure',
        'RestartSec=2',
        'KillMode=mixed',
        'TimeoutStopSec=15',
        '',
        '[Install]',
        'WantedBy=default.target',
        '',
      ].join('\n'),
    );
  });

  it('launchd agent', () => {
    expect(launchdPlist('codewire.daemon', { ...spec, home: '/Users/ann/.codewire', env: [['CODEWIRE_HOME', '/Users/ann/a&b']] })).toBe(
      [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
        '<!-- Written by `cw service install`; `cw service uninstall` removes it. -->',
        '<plist version="1.0">',
        '<dict>',
        '  <key>Label</key>',
        '  <string>codewire.daemon</string>',
        '  <key>ProgramArguments</key>',
        '  <array>',
        '    <string>/usr/bin/node</string>',
        '    <string>/opt/codewire/dist/cw.js</string>',
        '    <string>daemon</string>',
        '  </array>',
        '  <key>EnvironmentVariables</key>',
        '  <dict>',
        '    <key>CODEWIRE_HOME</key>',
        '    <string>/Users/ann/a&amp;b</string>',
        '  </dict>',
        '  <key>RunAtLoad</key>',
        '  <true/>',
        '  <key>KeepAlive</key>',
        '  <dict>',
        '    <key>SuccessfulExit</key>',
        '    <false/>',
        '  </dict>',
        '</dict>',
        '</plist>',
        '',
      ].join('\n'),
    );
  });
});

describe('reading the managers', () => {
  it('loginctl Linger', () => {
    expect(parseLinger('Linger=no\n')).toBe('no');
    expect(parseLinger('Linger=yes')).toBe('yes');
    expect(parseLinger('Failed to get user: User ID 1000 is not logged in or lingering\n')).toBe('unknown');
  });

  it('launchctl print', () => {
    const text = 'gui/501/codewire.daemon = {\n\tactive count = 1\n\tpath = /Users/ann/Library/LaunchAgents/codewire.daemon.plist\n\tstate = running\n\n\tprogram = /usr/local/bin/node\n\tpid = 4242\n}\n';
    expect(parseLaunchctlPrint(text)).toEqual({ running: true, pid: 4242 });
    expect(parseLaunchctlPrint('gui/501/codewire.daemon = {\n\tstate = not running\n}\n')).toEqual({ running: false, pid: null });
  });
});
