// Entry point of the `cw` binary (bundled into dist/cw-main.js, run by dist/cw.js).
import { main } from './client/main.js';

// `cw logs x | head`: when the reader goes away, stop quietly, as other Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}

void main(process.argv);
