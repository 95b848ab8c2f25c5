// Node built-ins that only some runs need, loaded on first use. `child_process`, `crypto` and `tls` each pull in
// dozens of Node's internal modules (several milliseconds per `cw` run) while `cw list` or `cw send` never uses
// them: they start the daemon, hash a long home path, or fetch a certificate. Everything else imports normally.
import { createRequire } from 'node:module';

// Made on first use too: in the CLI bundle, import.meta.url is itself computed on first use (scripts/build.mjs).
let req: NodeJS.Require | undefined;
const load = (id: string): unknown => (req ??= createRequire(import.meta.url))(id);

export const childProcess = (): typeof import('node:child_process') => load('node:child_process') as typeof import('node:child_process');
export const crypto = (): typeof import('node:crypto') => load('node:crypto') as typeof import('node:crypto');
export const tls = (): typeof import('node:tls') => load('node:tls') as typeof import('node:tls');
