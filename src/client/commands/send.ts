// cw send SESSION [TEXT] [--no-newline] [--stdin] [--file F] [--paste] [--key KEY]... [--if-idle]
import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { ExitCode } from '../errors.js';
import { keyBytes } from '../keys.js';
import { collect, printJson, say, usage, withDaemon } from '../run.js';

async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export function register(program: Command): void {
  program
    .command('send')
    .description('type text or keys into a session without attaching')
    .argument('<session>', 'id, name or @name')
    .argument('[text]', 'text to type; Enter follows unless --no-newline or --key is given')
    .option('--no-newline', 'do not press Enter after the text')
    .option('--stdin', 'read the text from standard input')
    .option('-f, --file <file>', 'read the text from a file')
    .option('-p, --paste', 'always deliver the text as one bracketed paste (agents that enable it get one anyway)')
    .option('--no-paste', 'never wrap the text in a bracketed paste')
    .option('-k, --key <key>', 'press a named key after the text (repeatable): Enter, Escape, Tab, Up, C-c, 1 ...', collect, [])
    .option('--if-idle', 'send only if the session is idle; otherwise exit 3 and send nothing')
    .option('--json', 'print what was sent as JSON')
    .addHelpText(
      'after',
      '\nInto a recognised agent the text goes as one paste, then Enter after the pause that agent needs.\n\nExamples:\n  cw send api "run the tests"\n  cw send api --key C-c\n  cw send fix --key 1            # answer a numbered dialog\n  git diff | cw send review --stdin',
    )
    .action(async (ref: string, text: string | undefined, o: { newline: boolean; stdin?: boolean; file?: string; paste?: boolean; key: string[]; ifIdle?: boolean; json?: boolean }) => {
      const sources = [text !== undefined, !!o.stdin, o.file !== undefined].filter(Boolean).length;
      if (sources > 1) throw usage('give the text once: as an argument, with --stdin, or with --file');
      if (sources === 0 && o.key.length === 0) throw usage('nothing to send', 'give TEXT, --stdin, --file or --key');
      let body: Buffer | undefined;
      if (text !== undefined) body = Buffer.from(text);
      else if (o.stdin) body = await readStdin();
      else if (o.file !== undefined) {
        try {
          body = readFileSync(o.file);
        } catch (err) {
          throw usage(`cannot read ${o.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
      }
      const keys: Buffer[] = [];
      for (const k of o.key) {
        const b = keyBytes(k);
        if (b === null) throw usage(`unknown key '${k}'`, 'keys: Enter, Escape, Tab, S-Tab, Space, BSpace, Up, Down, Left, Right, Home, End, PageUp, PageDown, F1..F12, C-x, M-x, or one character');
        keys.push(Buffer.from(b, 'latin1'));
      }
      await withDaemon(async (ch) => {
        const r = (await ch.request('send', {
          session: ref,
          ...(body !== undefined ? { text: body } : {}),
          enter: body !== undefined && o.newline && o.key.length === 0,
          ...(o.paste !== undefined ? { paste: o.paste } : {}),
          ...(keys.length ? { keys: Buffer.concat(keys) } : {}),
          ifIdle: !!o.ifIdle,
        })) as { session: number; bytes: number; pasted: boolean };
        if (o.json) printJson(r);
        say(`Sent ${r.bytes} bytes to session ${r.session}${r.pasted ? ' (as a paste)' : ''}`);
        return ExitCode.OK;
      });
    });
}
