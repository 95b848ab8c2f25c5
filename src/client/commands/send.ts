// cw send SESSION [TEXT] [--no-newline] [--stdin] [--file F] [--paste] [--key KEY]... [--if-idle]
import type { Command } from 'commander';
import { readFileSync, statSync } from 'node:fs';
import { SEND_TEXT_MAX_BYTES } from '../../protocol/index.js';
import { ClientError, ExitCode } from '../../channel/errors.js';
import { KEY_HINT, keyBytes } from '../../channel/keys.js';
import { collect, printJson, say, usage, withDaemon } from '../run.js';

/** One line for text over SEND_TEXT_MAX_BYTES (which the daemon refuses too, for clients other than this one). */
function tooLong(what: string, bytes: number | null): Error {
  const size = bytes === null ? `is longer than ${SEND_TEXT_MAX_BYTES} bytes` : `is ${bytes} bytes`;
  return usage(`${what} ${size}: cw send types at most ${SEND_TEXT_MAX_BYTES} bytes (1 MiB) at once`, 'write it to a file and send the path instead');
}

/** Standard input, read only up to the limit: an endless producer (`yes |`) is refused rather than buffered. */
async function readStdin(): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of process.stdin) {
    chunks.push(c as Buffer);
    total += (c as Buffer).length;
    if (total > SEND_TEXT_MAX_BYTES) {
      process.stdin.destroy();
      throw tooLong('standard input', null);
    }
  }
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
          const size = statSync(o.file).size;
          if (size > SEND_TEXT_MAX_BYTES) throw tooLong(o.file, size);
          body = readFileSync(o.file);
        } catch (err) {
          if (err instanceof ClientError) throw err;
          throw usage(`cannot read ${o.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
      }
      if (body !== undefined && body.length > SEND_TEXT_MAX_BYTES) throw tooLong('the text', body.length);
      const keys: Buffer[] = [];
      for (const k of o.key) {
        const b = keyBytes(k);
        if (b === null) throw usage(`unknown key '${k}'`, KEY_HINT);
        keys.push(Buffer.from(b, 'latin1'));
      }
      await withDaemon(async (ch) => {
        const r = await ch.request('send', {
          session: ref,
          ...(body !== undefined ? { text: body } : {}),
          enter: body !== undefined && o.newline && o.key.length === 0,
          ...(o.paste !== undefined ? { paste: o.paste } : {}),
          ...(keys.length ? { keys: Buffer.concat(keys) } : {}),
          ifIdle: !!o.ifIdle,
        });
        if (o.json) printJson(r);
        say(`Sent ${r.bytes} bytes to session ${r.session}${r.pasted ? ' (as a paste)' : ''}`);
        return ExitCode.OK;
      });
    });
}
