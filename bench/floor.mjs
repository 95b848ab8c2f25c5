// The Node floor for CLI latency: start Node, make one request over a Unix socket, print the reply, exit.
// This is the least any Node CLI that talks to a daemon can cost. Usage: node bench/floor.mjs SOCKET
import { connect } from 'node:net';

const sock = connect(process.argv[2]);
sock.on('connect', () => sock.write('ping\n'));
sock.once('data', (d) => {
  process.stdout.write(d);
  sock.destroy();
});
sock.on('error', (err) => {
  process.stderr.write(`floor: ${err.message}\n`);
  process.exitCode = 1;
});
