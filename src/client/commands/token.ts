// cw token [--rotate]: the token remote clients present to this machine's daemon.
import type { Command } from 'commander';
import { ensurePrivateDir, codewireHome } from '../../common/paths.js';
import { ensureToken, writeNewToken } from '../../common/token.js';
import { printJson, say } from '../run.js';

export function register(program: Command): void {
  program
    .command('token')
    .description("print this machine's token for remote clients (created if missing); --rotate replaces it")
    .option('--rotate', 'make a new token: clients with the old one are refused from now on')
    .option('--json', 'print JSON')
    .action((o: { rotate?: boolean; json?: boolean }) => {
      const home = codewireHome();
      ensurePrivateDir(home);
      if (o.rotate && process.env.CODEWIRE_TOKEN) say('note: CODEWIRE_TOKEN is set; a daemon started with it keeps using it');
      const token = o.rotate ? writeNewToken(home) : ensureToken(home);
      if (o.json) printJson({ token, rotated: !!o.rotate });
      else process.stdout.write(`${token}\n`);
      if (o.rotate) say('Token rotated: existing connections stay open; new ones need the new token');
    });
}
