// Entry point of the `cw` binary.
import { main } from './client/main.js';

await main(process.argv);
