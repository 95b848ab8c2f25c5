// cw service install|uninstall|status: keep the daemon running across logout and reboot. A daemon started from
// an SSH login lives in that login's scope, which systemd-logind kills at logout (KillUserProcesses), and
// nothing starts one at boot. Installed as a systemd user service (Linux) or a launchd agent (macOS), the daemon
// runs in the service manager's care instead. Unit and plist text: ../service-files.ts. Details: docs/service.md.
import type { Command } from 'commander';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { codewireHome } from '../../common/paths.js';
import { childProcess } from '../../common/builtins.js';
import { ClientError } from '../../channel/errors.js';
import { isRemote, printJson, reportError, say, table, usage } from '../run.js';
import {
  homeSuffix,
  launchdLabel,
  launchdPlist,
  parseLaunchctlPrint,
  parseLinger,
  systemdUnit,
  systemdUnitName,
  type ServiceSpec,
} from '../service-files.js';

type Manager = 'systemd' | 'launchd';

interface Service {
  manager: Manager;
  /** codewire.service, or the launchd label. */
  name: string;
  /** Where the unit or plist goes. */
  path: string;
  text: string;
}

/** The daemon's own arguments: `cw daemon` runs it in the foreground (src/client/commands/daemon.ts). */
const DAEMON_ARGS = ['daemon'];

function managerHere(): Manager {
  if (process.platform === 'linux') return 'systemd';
  if (process.platform === 'darwin') return 'launchd';
  throw new ClientError(`cw service knows systemd (Linux) and launchd (macOS), not ${process.platform}`, 'run `cw daemon` under your own service manager');
}

/** The service for this CODEWIRE_HOME, run by this node and this cw (absolute paths). */
function describeService(manager: Manager): Service {
  const home = codewireHome();
  const suffix = homeSuffix(home, join(homedir(), '.codewire'));
  const spec: ServiceSpec = {
    home,
    node: process.execPath,
    // In the CLI bundle this is dist/cw-main.js; ./cw.js beside it is the launcher (as connect.ts starts the daemon).
    cli: fileURLToPath(new URL('./cw.js', import.meta.url)),
    args: DAEMON_ARGS,
    // A remote or fleet launch gets the daemon's environment: PATH as in this shell finds the same agents.
    env: [['CODEWIRE_HOME', home], ...(process.env.PATH ? [['PATH', process.env.PATH] as [string, string]] : [])],
  };
  if (manager === 'systemd') {
    const name = systemdUnitName(suffix);
    const configHome = process.env.XDG_CONFIG_HOME || join(homedir(), '.config');
    return { manager, name, path: join(configHome, 'systemd', 'user', name), text: systemdUnit(spec) };
  }
  const label = launchdLabel(suffix);
  return { manager, name: label, path: join(homedir(), 'Library', 'LaunchAgents', `${label}.plist`), text: launchdPlist(label, spec) };
}

interface Ran {
  status: number | null;
  stdout: string;
  stderr: string;
  missing: boolean;
}

function run(cmd: string, args: string[]): Ran {
  const r = childProcess().spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  const missing = (r.error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? (r.error ? String(r.error.message) : ''), missing };
}

const firstLine = (r: Ran): string => (r.stderr.trim() || r.stdout.trim()).split('\n')[0] ?? '';

/** Runs a step that must succeed; its failure is one line naming the command. */
function must(cmd: string, args: string[]): Ran {
  const r = run(cmd, args);
  if (r.status !== 0) throw new ClientError(`\`${cmd} ${args.join(' ')}\` failed: ${firstLine(r) || `exit ${r.status ?? 'by a signal'}`}`, 'see docs/service.md');
  return r;
}

/** null when `systemctl --user` answers, else why not (one line). */
function systemdProblem(): string | null {
  const r = run('systemctl', ['--user', 'show-environment']);
  if (r.missing) return 'systemd is not available here (no systemctl)';
  if (r.status !== 0) return `the systemd user instance is not reachable: ${firstLine(r) || `systemctl exited ${r.status}`}`;
  return null;
}

function requireSystemd(s: Service): void {
  const problem = systemdProblem();
  if (problem) throw new ClientError(problem, `\`cw service install --print\` shows the unit to install by hand as ${s.path}`);
}

/** Whether systemd keeps this user's services running with no login session: loginctl's Linger. */
function lingerState(): { linger: 'yes' | 'no' | 'unknown'; user: string } {
  const user = userInfo().username;
  const r = run('loginctl', ['show-user', user, '--property=Linger']);
  let linger = r.status === 0 ? parseLinger(r.stdout) : 'unknown';
  // No session and no linger makes loginctl say it does not know the user; the linger flag is a file.
  if (linger === 'unknown' && existsSync(`/var/lib/systemd/linger/${user}`)) linger = 'yes';
  return { linger, user };
}

/** The running daemon of this home, if any (without starting one). */
async function runningDaemon(): Promise<number | null> {
  try {
    const { connectLocal } = await import('../connect.js');
    const { channel } = await connectLocal({ autostart: false });
    try {
      return (await channel.hello).pid ?? null;
    } finally {
      channel.end();
    }
  } catch {
    return null; // none running (or not reachable): nothing to hand over
  }
}

/** The pid systemd (or launchd) runs for the service now, or null. */
function servicePid(s: Service): number | null {
  if (s.manager === 'systemd') {
    const r = run('systemctl', ['--user', 'show', '--property=MainPID', '--value', s.name]);
    const pid = Number(r.stdout.trim());
    return r.status === 0 && pid > 0 ? pid : null;
  }
  const r = run('launchctl', ['print', `gui/${process.getuid?.() ?? 0}/${s.name}`]);
  return r.status === 0 ? parseLaunchctlPrint(r.stdout).pid : null;
}

/** Writes the file whole (a reader never sees half of it); says whether it was new, changed or the same. */
function writeServiceFile(s: Service): 'installed' | 'updated' | 'unchanged' {
  let before: string | null = null;
  try {
    before = readFileSync(s.path, 'utf8');
  } catch {
    before = null; // not installed yet
  }
  if (before === s.text) return 'unchanged';
  mkdirSync(dirname(s.path), { recursive: true });
  const tmp = `${s.path}.${process.pid}.tmp`;
  writeFileSync(tmp, s.text, { mode: 0o644 });
  renameSync(tmp, s.path);
  return before === null ? 'installed' : 'updated';
}

function startCommand(s: Service): string {
  return s.manager === 'systemd' ? `systemctl --user start ${s.name}` : `launchctl bootstrap gui/${process.getuid?.() ?? 0} ${s.path}`;
}

async function install(o: { print?: boolean; json?: boolean }): Promise<void> {
  const s = describeService(managerHere());
  if (o.print) {
    if (o.json) printJson({ manager: s.manager, name: s.name, path: s.path, text: s.text });
    else process.stdout.write(s.text);
    return;
  }
  if (s.manager === 'systemd') requireSystemd(s);
  else if (run('launchctl', ['help']).missing) throw new ClientError('launchd is not available here (no launchctl)', `\`cw service install --print\` shows the agent to install by hand as ${s.path}`);
  const daemonPid = await runningDaemon();
  const inService = daemonPid !== null && daemonPid === servicePid(s);
  const outside = daemonPid !== null && !inService ? daemonPid : null;
  const written = writeServiceFile(s);
  let started = false;
  if (s.manager === 'systemd') {
    must('systemctl', ['--user', 'daemon-reload']);
    // Two daemons cannot share a home: with one running outside, the service is enabled for the next boot only.
    must('systemctl', ['--user', 'enable', ...(outside === null ? ['--now'] : []), s.name]);
    started = outside === null && !inService;
  } else {
    const domain = `gui/${process.getuid?.() ?? 0}`;
    const loaded = run('launchctl', ['print', `${domain}/${s.name}`]).status === 0;
    // A changed agent is loaded again to take effect (its daemon restarts: running sessions end).
    if (loaded && written !== 'unchanged' && outside === null) must('launchctl', ['bootout', `${domain}/${s.name}`]);
    if (outside === null && (!loaded || written !== 'unchanged')) {
      must('launchctl', ['bootstrap', domain, s.path]);
      started = true;
    }
  }
  const { linger, user } = s.manager === 'systemd' ? lingerState() : { linger: 'unknown' as const, user: '' };
  const lingerCommand = linger === 'no' ? `loginctl enable-linger ${user}` : null;
  if (o.json) {
    printJson({ manager: s.manager, name: s.name, path: s.path, file: written, enabled: true, started, daemonOutside: outside, linger: s.manager === 'systemd' ? linger : null, lingerCommand });
  }
  say(`${written === 'unchanged' ? 'Already installed' : written === 'installed' ? 'Installed' : 'Updated'} ${s.name} (${s.path})${started ? ': the daemon runs under it now' : ''}`);
  if (inService) say(`The daemon (pid ${daemonPid}) already runs under ${s.name}${written === 'updated' && s.manager === 'systemd' ? `; \`systemctl --user restart ${s.name}\` applies the change (running sessions end)` : ''}`);
  if (outside !== null) {
    say(`A daemon (pid ${outside}) is already running outside the service, so the service was not started (two daemons cannot share ${codewireHome()}).`);
    say(`To hand over now: \`cw stop\` (its running sessions end), then \`${startCommand(s)}\`; otherwise the service takes over at the next boot or login.`);
  }
  if (lingerCommand) say(`Linger is off for ${user}: systemd stops your services at logout and starts them at your first login, not at boot. To keep cw running, run: ${lingerCommand}`);
  else if (s.manager === 'systemd' && linger === 'unknown') say(`Could not read linger for ${user} (loginctl); if the daemon must outlive your logins: loginctl enable-linger ${user}`);
}

async function uninstall(o: { json?: boolean }): Promise<void> {
  const s = describeService(managerHere());
  if (!existsSync(s.path)) {
    if (o.json) printJson({ manager: s.manager, name: s.name, path: s.path, removed: false });
    say(`${s.name} is not installed (no ${s.path})`);
    return;
  }
  let stopped = false;
  if (s.manager === 'systemd') {
    const problem = systemdProblem();
    if (problem) throw new ClientError(problem, `nothing was changed; to remove it by hand: rm ${s.path}`);
    stopped = run('systemctl', ['--user', 'is-active', s.name]).stdout.trim() === 'active';
    must('systemctl', ['--user', 'disable', '--now', s.name]);
    rmSync(s.path, { force: true });
    must('systemctl', ['--user', 'daemon-reload']);
  } else {
    const target = `gui/${process.getuid?.() ?? 0}/${s.name}`;
    if (run('launchctl', ['print', target]).status === 0) {
      stopped = true;
      must('launchctl', ['bootout', target]);
    }
    rmSync(s.path, { force: true });
  }
  if (o.json) printJson({ manager: s.manager, name: s.name, path: s.path, removed: true, stopped });
  say(`Removed ${s.name}${stopped ? '; the daemon it ran was stopped (its running sessions ended)' : ''}`);
}

async function status(o: { json?: boolean }): Promise<void> {
  const s = describeService(managerHere());
  const installed = existsSync(s.path);
  const daemonPid = await runningDaemon();
  let available: boolean;
  let enabled: boolean | null = null;
  let active: boolean | null = null;
  let pid: number | null = null;
  let linger: 'yes' | 'no' | 'unknown' | null = null;
  let user = '';
  let reason: string | null = null;
  if (s.manager === 'systemd') {
    reason = systemdProblem();
    available = reason === null;
    if (available) {
      enabled = run('systemctl', ['--user', 'is-enabled', s.name]).stdout.trim() === 'enabled';
      active = run('systemctl', ['--user', 'is-active', s.name]).stdout.trim() === 'active';
      pid = active ? servicePid(s) : null;
    }
    ({ linger, user } = lingerState());
  } else {
    const r = run('launchctl', ['print', `gui/${process.getuid?.() ?? 0}/${s.name}`]);
    available = !r.missing;
    if (!available) reason = 'launchd is not available here (no launchctl)';
    // A loaded agent in LaunchAgents is what "enabled" means for launchd: it starts at every login.
    enabled = available ? r.status === 0 : null;
    const p = r.status === 0 ? parseLaunchctlPrint(r.stdout) : { running: false, pid: null };
    active = available ? p.running : null;
    pid = p.pid;
  }
  const daemon = daemonPid === null ? null : { pid: daemonPid, inService: pid !== null && pid === daemonPid };
  if (o.json) {
    printJson({ manager: s.manager, name: s.name, path: s.path, available, reason, installed, enabled, active, pid, linger, daemon });
    return;
  }
  const yesNo = (v: boolean | null): string => (v === null ? 'unknown' : v ? 'yes' : 'no');
  const rows = [
    ['service', `${s.name} (${s.manager}${available ? '' : `: ${reason}`})`],
    ['file', `${s.path}${installed ? '' : ' (not installed)'}`],
    ['installed', yesNo(installed)],
    ['enabled', yesNo(enabled)],
    ['active', `${yesNo(active)}${pid !== null ? ` (pid ${pid})` : ''}`],
    ...(s.manager === 'systemd' ? [['linger', linger === 'no' ? `no (run \`loginctl enable-linger ${user}\` to outlive logout and start at boot)` : (linger ?? 'unknown')]] : []),
    ['daemon', daemon === null ? 'not running' : `pid ${daemon.pid}, ${daemon.inService ? 'run by the service' : 'outside the service'}`],
  ];
  process.stdout.write(`${table(rows)}\n`);
}

export function register(program: Command): void {
  const service = program.command('service').description('keep the daemon running across logout and reboot (systemd user service, launchd agent)');
  const local = (body: () => Promise<void>) => async (): Promise<void> => {
    try {
      if (isRemote()) throw usage('cw service manages the daemon of this machine; run it there');
      await body();
    } catch (err) {
      process.exitCode = reportError(err);
    }
  };

  service
    .command('install')
    .description('write and enable a service that runs `cw daemon` for this CODEWIRE_HOME, and start it')
    .option('--print', 'print the unit (or plist) instead of installing it, to install by hand')
    .option('--json', 'print what was done as JSON')
    .action((o: { print?: boolean; json?: boolean }) => local(() => install(o))());

  service
    .command('uninstall')
    .description('stop, disable and remove the service (its running sessions end)')
    .option('--json', 'print what was done as JSON')
    .action((o: { json?: boolean }) => local(() => uninstall(o))());

  service
    .command('status')
    .description('whether the service is installed, enabled and active, and linger')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => local(() => status(o))());
}
