// The environment a session's program starts with.
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, isAbsolute, join, resolve } from 'node:path';

/** TERM every session gets unless the launching terminal's is better and known on this machine. */
export const DEFAULT_TERM = 'xterm-256color';

/** TERMs that are supersets of xterm-256color and that @xterm/headless renders faithfully. */
const BETTER_TERMS = new Set(['xterm-direct', 'xterm-kitty', 'alacritty', 'wezterm', 'foot', 'xterm-ghostty']);

const TERMINFO_DIRS = ['/etc/terminfo', '/lib/terminfo', '/usr/share/terminfo', '/usr/lib/terminfo'];

function hasTerminfo(term: string): boolean {
  const dirs = [process.env.TERMINFO, join(homedir(), '.terminfo'), ...TERMINFO_DIRS].filter(Boolean) as string[];
  const first = term[0]!;
  return dirs.some(
    (d) => existsSync(join(d, first, term)) || existsSync(join(d, first.charCodeAt(0).toString(16), term)),
  );
}

export function chooseTerm(clientTerm: string | undefined): string {
  if (clientTerm && BETTER_TERMS.has(clientTerm) && hasTerminfo(clientTerm)) return clientTerm;
  return DEFAULT_TERM;
}

/**
 * Variables that leak a parent's identity: a parent Claude Code's (they silently turn off a child Claude's
 * transcript and hooks' session registry), a parent cw session's, tmux's. The user's own configuration of the
 * same families (CLAUDE_CODE_USE_BEDROCK, CLAUDE_CODE_MAX_OUTPUT_TOKENS, CW_ variables of their own) is kept.
 * CODEWIRE_TOKEN is a credential, not an identity: a daemon started with it (the listener's token) would hand
 * it to every session launched remotely or from the dashboard, where an agent may print it into a transcript
 * or send it to its model. It is never inherited; `--env CODEWIRE_TOKEN=...` still passes one on purpose.
 */
function isLeakyVar(name: string): boolean {
  if (name === 'CODEWIRE_TOKEN') return true;
  if (name === 'CLAUDECODE' || name === 'CLAUDE_PID' || name === 'CLAUDE_EFFORT' || name === 'CLAUDE_AGENT_SDK_VERSION') return true;
  if (name.startsWith('CLAUDE_CODE_')) return !/^CLAUDE_CODE_(?:USE_|MAX_|DISABLE_|ENABLE_|SKIP_|API_KEY|OAUTH_TOKEN|SUBAGENT_MODEL|SHELL|IDE_|EXTRA_BODY|GIT_BASH_PATH|CLIENT_)/.test(name);
  return name.startsWith('CW_SESSION_') || name === 'TMUX' || name === 'TMUX_PANE';
}

export function buildEnv(opts: {
  base: Record<string, string | undefined>;
  overrides: Record<string, string>;
  term: string;
  id: number;
  name: string | null;
  /** The session's identity for `cw msg` and friends (CW_SESSION_TOKEN). */
  token: string;
}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(opts.base)) if (v !== undefined && !isLeakyVar(k)) env[k] = v;
  env.TERM = opts.term;
  env.COLORTERM = 'truecolor';
  Object.assign(env, opts.overrides);
  env.CW_SESSION_ID = String(opts.id);
  env.CW_SESSION_TOKEN = opts.token;
  if (opts.name) env.CW_SESSION_NAME = opts.name;
  else delete env.CW_SESSION_NAME;
  return env;
}

/** Resolves a command like a shell would; returns null when nothing executable is found. */
export function resolveCommand(cmd: string, cwd: string, pathVar: string | undefined): string | null {
  const executable = (p: string): boolean => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false; // missing or not executable: keep looking
    }
  };
  if (cmd.includes('/')) {
    const p = isAbsolute(cmd) ? cmd : resolve(cwd, cmd);
    return executable(p) ? p : null;
  }
  for (const dir of (pathVar ?? '/usr/local/bin:/usr/bin:/bin').split(delimiter)) {
    if (!dir) continue;
    const p = join(resolve(cwd, dir), cmd);
    if (executable(p)) return p;
  }
  return null;
}
