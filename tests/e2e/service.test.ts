// `cw service install|uninstall|status` on Linux, driving the built cw. systemd cannot run in this container
// (`systemctl --user status` says "Failed to connect to bus: No medium found": there is no user manager), so
// systemctl and loginctl are stand-ins on PATH that record their arguments and answer as systemd would; what is
// checked is the unit file written and the exact commands cw runs. The unit's text itself: tests/unit/service.test.ts.
import { afterEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { CW, makeHome, type Home } from '../support/harness.js';
import { homeSuffix, systemdUnit, systemdUnitName } from '../../src/client/service-files.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

interface Rig {
  home: Home;
  /** The fake $HOME: the unit goes to its .config/systemd/user. */
  userHome: string;
  /** The stand-ins' directory, first on PATH. */
  bin: string;
  /** Every systemctl and loginctl call, one line each: "systemctl --user daemon-reload". */
  calls: () => string[];
  env: NodeJS.ProcessEnv;
}

/**
 * A systemctl that keeps "enabled" and "active" as files, as far as cw asks; `noBus` makes it answer as it does
 * here, with no user manager. loginctl says linger is off.
 */
function standIns(dir: string, o: { noBus?: boolean } = {}): void {
  const log = join(dir, 'calls.log');
  writeFileSync(
    join(dir, 'systemctl'),
    `#!/bin/sh
echo "systemctl $*" >> '${log}'
case "$*" in
  "--user show-environment")
    ${o.noBus ? 'echo "Failed to connect to bus: No medium found" >&2; exit 1' : 'echo "HOME=$HOME"; exit 0'} ;;
  "--user enable --now "*) touch '${dir}/enabled' '${dir}/active' ;;
  "--user enable "*) touch '${dir}/enabled' ;;
  "--user disable --now "*) rm -f '${dir}/enabled' '${dir}/active' ;;
  "--user is-enabled "*) if [ -e '${dir}/enabled' ]; then echo enabled; else echo disabled; exit 1; fi ;;
  "--user is-active "*) if [ -e '${dir}/active' ]; then echo active; else echo inactive; exit 3; fi ;;
  "--user show --property=MainPID --value "*) if [ -e '${dir}/active' ]; then echo 4242; else echo 0; fi ;;
esac
exit 0
`,
  );
  writeFileSync(join(dir, 'loginctl'), `#!/bin/sh\necho "loginctl $*" >> '${log}'\n[ "$1" = show-user ] && echo "Linger=no"\nexit 0\n`);
  chmodSync(join(dir, 'systemctl'), 0o755);
  chmodSync(join(dir, 'loginctl'), 0o755);
}

/** A fake $HOME with the stand-ins; the cw home is $HOME/.codewire (the default: codewire.service) unless given. */
function rig(o: { noBus?: boolean; noSystemd?: boolean; defaultHome?: boolean } = {}): Rig {
  const userHome = mkdtempSync('/tmp/cwsv-');
  const bin = join(userHome, 'bin');
  mkdirSync(bin);
  if (!o.noSystemd) standIns(bin, o);
  const cwHome = o.defaultHome === false ? undefined : join(userHome, '.codewire');
  if (cwHome) mkdirSync(cwHome, { mode: 0o700 });
  // Without systemd, PATH holds only the empty stand-in directory: no systemctl at all.
  const env: NodeJS.ProcessEnv = { HOME: userHome, XDG_CONFIG_HOME: '', PATH: o.noSystemd ? bin : `${bin}:${process.env.PATH}` };
  const home = makeHome({ ...(cwHome ? { CODEWIRE_HOME: cwHome } : {}), ...env });
  cleanups.push(async () => {
    await home.cleanup();
    rmSync(userHome, { recursive: true, force: true });
  });
  const calls = (): string[] => {
    try {
      return readFileSync(join(bin, 'calls.log'), 'utf8').trim().split('\n').filter(Boolean);
    } catch {
      return [];
    }
  };
  return { home, userHome, bin, calls, env };
}

/** The unit cw should write for this rig: this node, the built cw, the rig's home and PATH. */
function expectedUnit(r: Rig): string {
  return systemdUnit({
    home: r.home.dir,
    node: process.execPath,
    cli: CW,
    args: ['daemon'],
    env: [
      ['CODEWIRE_HOME', r.home.dir],
      ['PATH', r.env.PATH!],
    ],
  });
}

describe('cw service (systemd, with systemctl stood in for)', () => {
  it('install writes and enables codewire.service, says how to turn on linger; status reports it; uninstall removes it', { timeout: 60_000 }, async () => {
    const r = rig();
    const user = userInfo().username;
    const unitPath = join(r.userHome, '.config', 'systemd', 'user', 'codewire.service');

    const printed = await r.home.cw(['service', 'install', '--print']);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toBe(expectedUnit(r));
    expect(printed.stdout).toContain(`ExecStart=${process.execPath} ${CW} daemon\n`);
    expect(printed.stdout).toContain(`Environment="CODEWIRE_HOME=${r.home.dir}"\n`);
    expect(printed.stdout).toContain('Restart=on-failure\n');
    expect(r.calls()).toEqual([]); // --print touches nothing
    expect(existsSync(unitPath)).toBe(false);

    const inst = await r.home.cw(['service', 'install', '--json']);
    expect(inst.code, inst.stderr).toBe(0);
    expect(readFileSync(unitPath, 'utf8')).toBe(expectedUnit(r));
    expect(r.calls()).toEqual([
      'systemctl --user show-environment',
      'systemctl --user daemon-reload',
      'systemctl --user enable --now codewire.service',
      `loginctl show-user ${user} --property=Linger`,
    ]);
    expect(JSON.parse(inst.stdout)).toEqual({
      manager: 'systemd',
      name: 'codewire.service',
      path: unitPath,
      file: 'installed',
      enabled: true,
      started: true,
      daemonOutside: null,
      linger: 'no',
      lingerCommand: `loginctl enable-linger ${user}`,
    });
    expect(inst.stderr).toContain(`Installed codewire.service (${unitPath}): the daemon runs under it now`);
    expect(inst.stderr).toContain(`run: loginctl enable-linger ${user}\n`);

    const st = JSON.parse(await r.home.ok(['service', 'status', '--json']));
    expect(st).toEqual({
      manager: 'systemd',
      name: 'codewire.service',
      path: unitPath,
      available: true,
      reason: null,
      installed: true,
      enabled: true,
      active: true,
      pid: 4242,
      linger: 'no',
      daemon: null,
    });
    const human = await r.home.ok(['service', 'status']);
    expect(human).toMatch(/^installed +yes$/m);
    expect(human).toMatch(/^active +yes \(pid 4242\)$/m);
    expect(human).toContain(`loginctl enable-linger ${user}`);

    // Again: nothing to write; enable is idempotent.
    const again = await r.home.cw(['service', 'install']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('Already installed codewire.service');

    const before = r.calls().length;
    const un = await r.home.cw(['service', 'uninstall', '--json']);
    expect(un.code, un.stderr).toBe(0);
    expect(JSON.parse(un.stdout)).toEqual({ manager: 'systemd', name: 'codewire.service', path: unitPath, removed: true, stopped: true });
    expect(r.calls().slice(before)).toEqual([
      'systemctl --user show-environment',
      'systemctl --user is-active codewire.service',
      'systemctl --user disable --now codewire.service',
      'systemctl --user daemon-reload',
    ]);
    expect(existsSync(unitPath)).toBe(false);
    const twice = await r.home.cw(['service', 'uninstall']);
    expect(twice.code).toBe(0);
    expect(twice.stderr).toContain('codewire.service is not installed');
  });

  it('another home gets a unit of its own; a daemon already running is not doubled: enabled, not started, with how to hand over', { timeout: 60_000 }, async () => {
    const r = rig({ defaultHome: false });
    const name = systemdUnitName(homeSuffix(r.home.dir, join(r.userHome, '.codewire')));
    expect(name).toMatch(/^codewire-tmp-cwt-[A-Za-z0-9]+-[0-9a-f]{8}\.service$/);
    await r.home.ok(['start']);
    const pid = r.home.daemonPid();
    const inst = await r.home.cw(['service', 'install']);
    expect(inst.code, inst.stderr).toBe(0);
    expect(readFileSync(join(r.userHome, '.config', 'systemd', 'user', name), 'utf8')).toBe(expectedUnit(r));
    expect(r.calls()).toContain(`systemctl --user enable ${name}`);
    expect(r.calls().some((c) => c.includes('--now'))).toBe(false);
    expect(inst.stderr).toContain(`A daemon (pid ${pid}) is already running outside the service, so the service was not started`);
    expect(inst.stderr).toContain(`To hand over now: \`cw stop\` (its running sessions end), then \`systemctl --user start ${name}\``);
    const st = JSON.parse(await r.home.ok(['service', 'status', '--json']));
    expect(st.daemon).toEqual({ pid, inService: false });
    expect(st.enabled).toBe(true);
    expect(st.active).toBe(false);
  });

  it('without a systemd user instance: exit 1 and one line why; --print still shows the unit; nothing written', { timeout: 30_000 }, async () => {
    for (const o of [{ noBus: true }, { noSystemd: true }]) {
      const r = rig(o);
      const inst = await r.home.cw(['service', 'install']);
      expect(inst.code).toBe(1);
      const lines = inst.stderr.trim().split('\n');
      expect(lines[0]).toBe(
        o.noBus ? 'cw: the systemd user instance is not reachable: Failed to connect to bus: No medium found' : 'cw: systemd is not available here (no systemctl)',
      );
      expect(lines[1]).toMatch(/^hint: `cw service install --print` shows the unit to install by hand as .*codewire\.service$/);
      expect(lines).toHaveLength(2);
      expect(existsSync(join(r.userHome, '.config'))).toBe(false);
      const printed = await r.home.cw(['service', 'install', '--print']);
      expect(printed.code).toBe(0);
      expect(printed.stdout).toBe(expectedUnit(r));
      const st = JSON.parse(await r.home.ok(['service', 'status', '--json']));
      expect(st.available).toBe(false);
      expect(st.installed).toBe(false);
    }
  });

  it('refuses --server: a service is installed on the machine it runs on', { timeout: 30_000 }, async () => {
    const r = rig();
    const res = await r.home.cw(['--server', 'ws://127.0.0.1:9', 'service', 'status']);
    expect(res.code).toBe(2);
    expect(res.stderr.split('\n')[0]).toBe('cw: cw service manages the daemon of this machine; run it there');
  });
});
