// cw version [--json]
import type { Command } from 'commander';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { VERSION } from '../../common/version.js';
import { printJson } from '../run.js';

export function register(program: Command): void {
  program
    .command('version')
    .description('print the version of cw and of its protocol')
    .option('--json', 'print JSON')
    .action((o: { json?: boolean }) => {
      if (o.json) printJson({ version: VERSION, protocol: PROTOCOL_VERSION, node: process.versions.node });
      else process.stdout.write(`cw ${VERSION} (protocol ${PROTOCOL_VERSION}, node ${process.versions.node})\n`);
    });
}
