// cw ui [--json] [--no-open]: the web dashboard. Starts a loopback listener when none is configured, prints a
// one-time login link (stdout) and opens the dashboard in a browser when there is a desktop to show one.
//
// The login code never goes on a command line: every local user can read any process's argv (`ps`), and the
// browser keeps the URL it was started with in its own. So the browser is opened on a private file (0600, in
// a 0700 directory of the codewire home) that moves on to the login link; its path holds no secret. This is
// Jupyter's redirect file (jupyter/notebook, `use_redirect_file`). The link on stdout is the user's own.
// A snap browser (Ubuntu's default Firefox and Chromium) cannot read hidden directories such as ~/.codewire,
// which broke Jupyter's file there (jupyter/notebook#4500, #5479): for one, the file goes in that snap's own
// ~/snap/NAME/common, which it can read.
import { closeSync, existsSync, lstatSync, mkdirSync, openSync, renameSync, unlinkSync, writeSync, chmodSync, constants } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Command } from 'commander';
import { printJson, say, withDaemon } from '../run.js';
import { childProcess } from '../../common/builtins.js';
import { codewireHome } from '../../common/paths.js';

/** A browser can be shown: a macOS session, or a Linux/BSD desktop (X11 or Wayland). */
function hasDesktop(env: NodeJS.ProcessEnv = process.env): boolean {
  if (process.platform === 'darwin') return true;
  return !!(env.DISPLAY || env.WAYLAND_DISPLAY);
}

const escapeAttr = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A directory only this user can enter: created 0700, and refused when it is a symlink or someone else's (a
 * planted directory would let its owner read the login code). A loose mode of our own is tightened.
 */
function privateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
    throw new Error(`${dir} is not a directory of yours`);
  }
  if ((st.mode & 0o077) !== 0) chmodSync(dir, 0o700);
}

/** How long `xdg-settings` may take to name the default browser before the usual directory is used. */
const XDG_SETTINGS_TIMEOUT_MS = 2000;

/**
 * Where the login page goes: the codewire home, or, when the default browser is a snap (its desktop file is
 * `SNAP_APP.desktop`) whose ~/snap/SNAP/common exists, a directory there.
 */
export function loginPageDir(browserDesktop: string | null, home = homedir()): string {
  const snap = browserDesktop ? /^([a-z0-9][a-z0-9-]*)_[\w.-]+\.desktop$/.exec(browserDesktop.trim()) : null;
  if (snap) {
    const common = join(home, 'snap', snap[1]!, 'common');
    if (existsSync(common)) return join(common, 'codewire-ui');
  }
  return join(codewireHome(), 'ui');
}

/** The default browser's desktop file on a Linux desktop, or null (not Linux, no xdg-settings, no answer). */
function defaultBrowserDesktop(): string | null {
  if (process.platform !== 'linux') return null;
  try {
    return childProcess().execFileSync('xdg-settings', ['get', 'default-web-browser'], { encoding: 'utf8', timeout: XDG_SETTINGS_TIMEOUT_MS, stdio: ['ignore', 'pipe', 'ignore'] }).trim() || null;
  } catch {
    return null; // no xdg-settings, or it failed: the codewire home serves every non-snap browser
  }
}

/**
 * Writes the page that sends the browser on to the login link: a new 0600 file (never through a symlink),
 * then renamed over the last one, so at most one such file exists and a reader never sees half of it. The page
 * works without scripts (a refresh, and a link for a browser that blocks it). Returns its path.
 */
export function writeLoginPage(login: string, dir: string): string {
  privateDir(dir);
  const file = join(dir, 'login.html');
  const tmp = join(dir, `.login-${process.pid}.html`);
  const href = escapeAttr(login);
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
<meta http-equiv="refresh" content="0;url=${href}">
<title>codewire: logging in</title></head>
<body><p>Opening the codewire dashboard… If nothing happens, <a href="${href}">log in here</a>.</p></body></html>
`;
  const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, html);
  } finally {
    closeSync(fd);
  }
  try {
    renameSync(tmp, file);
  } catch (err) {
    unlinkSync(tmp);
    throw err;
  }
  return file;
}

/** Opens a URL without waiting for the browser; a missing opener is reported, not fatal. */
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
        const r = await ch.request('ui', {});
        if (o.json) printJson(r);
        else process.stdout.write(`${r.login}\n`);
        const secs = Math.max(0, Math.round((Date.parse(r.expiresAt) - Date.now()) / 1000));
        say(`Dashboard at ${r.url}: the login link above works once, within ${secs}s (run \`cw ui\` again for another)`);
        if (!o.open || !hasDesktop()) return;
        let page: string;
        try {
          page = writeLoginPage(r.login, loginPageDir(defaultBrowserDesktop()));
        } catch (err) {
          // Never fall back to the link itself: it would put the code on the opener's command line.
          say(`cw: cannot write the login page (${(err as Error).message}); open the link yourself`);
          return;
        }
        openBrowser(pathToFileURL(page).href);
      });
    });
}
