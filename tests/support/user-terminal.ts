// A user's terminal for black-box tests of `cw attach`: node-pty runs the command, @xterm/headless shows what
// the user sees (the pattern of tests/e2e/attach.test.ts). Every terminal made is killed by disposeTerminals().
import pty from 'node-pty';
import xh from '@xterm/headless';
import { CW, waitFor, type Home } from './harness.js';

export type Term = InstanceType<typeof xh.Terminal>;

export interface UserTerminal {
  readonly proc: pty.IPty;
  readonly term: Term;
  /** Everything written to the terminal so far (stdout and stderr share the pty). */
  output(): string;
  type(data: string): void;
  resize(cols: number, rows: number): void;
  /** The visible screen, one string per row, trailing blanks trimmed. */
  screen(): Promise<string[]>;
  waitScreen(check: (lines: string[]) => boolean, what: string, timeoutMs?: number): Promise<string[]>;
  waitOutput(needle: string, timeoutMs?: number): Promise<string>;
  exited: Promise<number>;
  exitCode: number | null;
}

const made: UserTerminal[] = [];

export function disposeTerminals(): void {
  for (const t of made.splice(0)) {
    if (t.exitCode === null) {
      try {
        t.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    t.term.dispose();
  }
}

function ptyEnv(h: Home, extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(h.env)) if (v !== undefined) env[k] = v;
  delete env.LINES;
  delete env.COLUMNS;
  delete env.TMUX;
  env.TERM = 'xterm-256color';
  return { ...env, ...extra };
}

/** Runs `file args` in a new pty of cols x rows, mirrored into a headless terminal. */
export function userTerminal(
  h: Home,
  file: string,
  args: string[],
  cols: number,
  rows: number,
  env: Record<string, string> = {},
  /** waitMs: waitScreen's default deadline (a full-screen program under load may need more). */
  { waitMs = 10_000 }: { waitMs?: number } = {},
): UserTerminal {
  const term = new xh.Terminal({ cols, rows, allowProposedApi: true, scrollback: 1000 });
  const proc = pty.spawn(file, args, { name: 'xterm-256color', cols, rows, cwd: process.cwd(), env: ptyEnv(h, env) });
  let out = '';
  const flush = (): Promise<void> => new Promise((r) => term.write('', () => r()));
  const t: UserTerminal = {
    proc,
    term,
    exitCode: null,
    output: () => out,
    type: (data) => proc.write(data),
    resize(c, r) {
      proc.resize(c, r);
      term.resize(c, r);
    },
    async screen() {
      await flush();
      const buf = term.buffer.active;
      const lines: string[] = [];
      for (let i = 0; i < term.rows; i++) lines.push((buf.getLine(buf.baseY + i)?.translateToString(true) ?? '').trimEnd());
      return lines;
    },
    waitScreen(check, what, timeoutMs = waitMs) {
      return waitFor(
        async () => {
          const lines = await t.screen();
          return check(lines) ? lines : null;
        },
        what,
        timeoutMs,
      ).catch(async (err: Error) => {
        throw new Error(`${err.message}; the screen shows:\n${(await t.screen()).join('\n')}`);
      });
    },
    async waitOutput(needle, timeoutMs = 10_000) {
      await waitFor(() => out.includes(needle), `'${JSON.stringify(needle)}' in the output; got: ${JSON.stringify(out.slice(-600))}`, timeoutMs);
      return out;
    },
    exited: new Promise<number>((res) => {
      proc.onExit(({ exitCode }) => {
        t.exitCode = exitCode;
        res(exitCode);
      });
    }),
  };
  proc.onData((d) => {
    out += d;
    term.write(d);
  });
  made.push(t);
  return t;
}

/** `cw attach ARGS...` in a user terminal of cols x rows. */
export function attachTerminal(h: Home, args: string[], cols = 100, rows = 30, env: Record<string, string> = {}): UserTerminal {
  return userTerminal(h, process.execPath, [CW, 'attach', ...args], cols, rows, env);
}

export async function exitWithin(t: UserTerminal, timeoutMs = 10_000): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, rej) => {
    timer = setTimeout(() => rej(new Error(`the terminal's program did not exit; output: ${JSON.stringify(t.output().slice(-600))}`)), timeoutMs);
  });
  try {
    return await Promise.race([t.exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
