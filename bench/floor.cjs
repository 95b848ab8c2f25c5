// The Node floor for CLI latency, as CommonJS (no ES module loader): start Node, make one request over a Unix
// socket, print the reply, exit. The least any Node CLI that talks to a daemon can cost; the latency targets are
// measured against it. (bench/floor.mjs is the same as an ES module, a few milliseconds slower to start.)
// Usage: node bench/floor.cjs SOCKET
'use strict';
const { connect } = require('node:net');

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
