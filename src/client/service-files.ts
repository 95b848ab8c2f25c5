// What `cw service install` writes: a systemd user unit (Linux) or a launchd agent (macOS) that runs the daemon
// in the foreground. Pure text from plain inputs, so tests compare it byte for byte (tests/unit/service.test.ts).
import { crypto } from '../common/builtins.js';

/** What the service runs, with absolute paths: the same node and cw that run now. */
export interface ServiceSpec {
  /** The CODEWIRE_HOME the daemon serves. */
  home: string;
  /** process.execPath. */
  node: string;
  /** dist/cw.js. */
  cli: string;
  /** The arguments after cw.js: a foreground daemon. */
  args: string[];
  /** Environment the daemon gets besides the service manager's own: CODEWIRE_HOME and PATH, in this order. */
  env: [name: string, value: string][];
}

/**
 * '' for the default home (~/.codewire), else a suffix naming the home: its path as a slug (its last 40
 * characters, the distinctive end) and 8 hex digits of its hash (two paths that slug alike stay apart).
 */
export function homeSuffix(home: string, defaultHome: string): string {
  if (home === defaultHome) return '';
  const slug = home.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(-40).replace(/^-+/, '');
  const hash = crypto().createHash('sha256').update(home).digest('hex').slice(0, 8);
  return slug ? `${slug}-${hash}` : hash;
}

/** codewire.service, or codewire-<suffix>.service for another home (so two homes can have two services). */
export function systemdUnitName(suffix: string): string {
  return suffix ? `codewire-${suffix}.service` : 'codewire.service';
}

/** codewire.daemon, or codewire.daemon.<suffix> for another home. */
export function launchdLabel(suffix: string): string {
  return suffix ? `codewire.daemon.${suffix}` : 'codewire.daemon';
}

/**
 * One word of a systemd command line: `%` is a specifier and `$` a variable in ExecStart, so both are doubled;
 * a word with blanks, quotes or backslashes is double-quoted with C-style escapes.
 */
export function systemdWord(word: string): string {
  if (/[\n\r]/.test(word)) throw new Error(`a line break cannot go into a systemd unit: ${JSON.stringify(word)}`);
  const plain = word.replace(/%/g, '%%').replace(/\$/g, '$$$$');
  return /[\s"'\\;]/.test(plain) || plain === '' ? `"${plain.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"` : plain;
}

/** An Environment= line: quoted, with `%` doubled (variables are not expanded there). */
export function systemdEnvironment(name: string, value: string): string {
  if (/[\n\r]/.test(value)) throw new Error(`a line break cannot go into a systemd unit: ${name}`);
  return `Environment="${name}=${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

/**
 * The systemd user unit. Restart=on-failure: a crash is restarted, `cw stop` (exit 0) is respected.
 * KillMode=mixed: on `systemctl --user stop` the daemon alone gets SIGTERM and ends its sessions itself (recorded
 * as killed, as with `cw stop`); whatever is left of them is killed after it.
 */
export function systemdUnit(spec: ServiceSpec): string {
  return [
    '# Written by `cw service install`; `cw service uninstall` removes it.',
    '[Unit]',
    `Description=codewire daemon (cw) for ${spec.home.replace(/%/g, '%%')}`,
    '',
    '[Service]',
    'Type=simple',
    ...spec.env.map(([k, v]) => systemdEnvironment(k, v)),
    `ExecStart=${[spec.node, spec.cli, ...spec.args].map(systemdWord).join(' ')}`,
    'Restart=on-failure',
    'RestartSec=2',
    'KillMode=mixed',
    'TimeoutStopSec=15',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n');
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

/**
 * The launchd agent. RunAtLoad starts it at login; KeepAlive with SuccessfulExit=false restarts a crash but not
 * a daemon stopped with `cw stop` (exit 0), like systemd's Restart=on-failure.
 */
export function launchdPlist(label: string, spec: ServiceSpec): string {
  const s = (v: string): string => `<string>${xml(v)}</string>`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<!-- Written by `cw service install`; `cw service uninstall` removes it. -->',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  ${s(label)}`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...[spec.node, spec.cli, ...spec.args].map((a) => `    ${s(a)}`),
    '  </array>',
    '  <key>EnvironmentVariables</key>',
    '  <dict>',
    ...spec.env.flatMap(([k, v]) => [`    <key>${xml(k)}</key>`, `    ${s(v)}`]),
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
  ].join('\n');
}

/** `loginctl show-user USER --property=Linger` output → yes, no, or unknown. */
export function parseLinger(text: string): 'yes' | 'no' | 'unknown' {
  const m = /^Linger=(yes|no)\s*$/m.exec(text);
  return m ? (m[1] as 'yes' | 'no') : 'unknown';
}

/** `launchctl print gui/UID/LABEL` output → whether the job runs now, and its pid. */
export function parseLaunchctlPrint(text: string): { running: boolean; pid: number | null } {
  const state = /^\s*state = (\S+)/m.exec(text)?.[1];
  const pid = /^\s*pid = (\d+)/m.exec(text)?.[1];
  return { running: state === 'running', pid: pid ? Number(pid) : null };
}
