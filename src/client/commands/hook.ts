// cw hook KIND [EVENT] [PAYLOAD]: what an agent's own hooks (Claude Code, Gemini CLI) and notify (Codex) run,
// for the runs cw launched with them. It forwards the agent's JSON (stdin, or the last argument for Codex's
// notify) to the daemon with the session's token, so the daemon knows which session spoke.
//
// It must never get in the agent's way: it prints nothing (Claude Code adds a SessionStart/UserPromptSubmit
// hook's stdout to the model's context), always exits 0 (exit 2 would block a tool or force another turn),
// never starts a daemon, and gives up after HOOK_DEADLINE_MS.
import type { Command } from 'commander';
import { childProcess } from '../../common/builtins.js';

/** The whole hook, from start to exit: an agent that waits on its hooks (Gemini) waits at most this. */
const HOOK_DEADLINE_MS = 3000;
/** Largest payload read from stdin: hook JSON is a few KiB; a transcript-sized prompt stays well below. */
const HOOK_STDIN_MAX_BYTES = 1024 * 1024;

export function register(program: Command): void {
  program
    .command('hook', { hidden: true })
    .description("report an agent's own hook or notify event to cw (added to the agent's command line by cw launch)")
    .argument('<kind>', 'the agent kind: claude, codex, gemini, opencode')
    .argument('[event]', 'the hook event (UserPromptSubmit, Stop, ...); Codex notify passes only its JSON')
    .argument('[payload]', 'the event JSON, when the agent passes it as an argument')
    .option('--then <json-argv>', "run this command afterwards with the same argument (the user's own notify)")
    .action(async (kind: string, event: string | undefined, payload: string | undefined, o: { then?: string }) => {
      const deadline = setTimeout(() => process.exit(0), HOOK_DEADLINE_MS);
      try {
        if (event?.startsWith('{')) {
          payload = event;
          event = undefined;
        }
        const raw = payload ?? (process.stdin.isTTY ? '' : await readStdin());
        if (o.then) runTheirs(o.then, payload);
        if (!process.env.CW_SESSION_TOKEN) return; // not inside a cw session: nothing to tell
        let data: unknown;
        try {
          data = raw.trim() ? JSON.parse(raw) : undefined;
        } catch {
          data = undefined; // not JSON: the event name alone still says something
        }
        const { connectLocal } = await import('../connect.js');
        const { channel } = await connectLocal({ autostart: false });
        try {
          await channel.request('hook', { agent: kind, event: event ?? '', ...(data !== undefined ? { payload: data } : {}) });
        } finally {
          channel.end();
        }
      } catch {
        // Never fail the agent's hook: a daemon that is gone or refuses only costs cw this one signal.
      } finally {
        clearTimeout(deadline);
        process.exitCode = 0;
      }
    });
}

function readStdin(): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    process.stdin.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= HOOK_STDIN_MAX_BYTES) chunks.push(c);
    });
    process.stdin.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    process.stdin.on('error', () => resolve(''));
  });
}

/** The user's own notify, run as Codex would have: detached, with the same final argument, nobody waiting. */
function runTheirs(json: string, payload: string | undefined): void {
  let argv: unknown;
  try {
    argv = JSON.parse(json);
  } catch {
    return;
  }
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) return;
  try {
    const child = childProcess().spawn(argv[0] as string, [...(argv.slice(1) as string[]), ...(payload !== undefined ? [payload] : [])], { detached: true, stdio: 'ignore' });
    child.on('error', () => {});
    child.unref();
  } catch {
    // their notify is missing: Codex would not have said anything either
  }
}
