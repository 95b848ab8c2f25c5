// cw ui [--json] [--no-open]: the web dashboard. Starts a loopback listener when none is configured, prints a
// one-time login link (stdout) and opens it in a browser when there is a desktop to show one.
import type { Command } from 'commander';
import type { UiResult } from '../../protocol/messages.js';
import { printJson, say, withDaemon } from '../run.js';
import { childProcess } from '../../common/builtins.js';

/** A browser can be shown: a macOS session, or a Linux/BSD desktop (X11 or Wayland). */
function hasDesktop(env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform === 'darwin') return true;
  return !!(env.DISPLAY || env.WAYLAND_DISPLAY);
}

/** Opens the link without waiting for the browser; a missing opener is reported, not fatal. */
function openBrowser(url: string): void {
  const cmd = process.platform === 'darwin' ? 'open' : 'xdg-open';
  try {
    const child = childProcess().spawn(cmd, [url], { detached: true, stdio: 'ignore' });
    child.on('error', () => say(`cw: could not run ${cmd}; open the link yourself`));
    child.unref();
  } catch {
    say(`cw: could not run ${cmd}; open the link yourself`);
  }
}

export function register(program: Command): void {
  program
    .command('ui')
    .description('open the web dashboard: prints a one-time login link (starts a loopback listener if none is configured)')
    .option('--no-open', 'do not open a browser, only print the link')
    .option('--json', 'print JSON: {url, login, expiresAt}')
    .action(async (o: { open: boolean; json?: boolean }) => {
      await withDaemon(async (ch) => {
        const r = (await ch.request('ui', {})) as UiResult;
        if (o.json) printJson(r);
        else process.stdout.write(`${r.login}\n`);
        const secs = Math.max(0, Math.round((Date.parse(r.expiresAt) - Date.now()) / 1000));
        say(`Dashboard at ${r.url}: the login link above works once, within ${secs}s (run \`cw ui\` again for another)`);
        if (o.open && hasDesktop()) openBrowser(r.login);
      });
    });
}
