// The keystroke floor's server: a program on a pty (node-pty) relayed to one client over a Unix socket, the pty's
// output also appended to a log. What any Node multiplexer with a separate daemon does for a keystroke, and nothing
// else. Usage: node keys-floor-server.cjs SOCKET LOG (prints "ready" when listening).
'use strict';
const net = require('net');
const fs = require('fs');
const pty = require('node-pty');

const [sockPath, logPath] = process.argv.slice(2);
const log = fs.openSync(logPath, 'a');
const p = pty.spawn('sh', ['-c', 'stty raw -echo; exec cat'], { cols: 120, rows: 40, encoding: null });
let client = null;
p.onData((d) => {
  fs.writeSync(log, d);
  if (client) client.write(d);
});
net.createServer((s) => {
  client = s;
  // Straight to the non-blocking master, as cw does (node-pty's own write goes through the thread pool).
  s.on('data', (d) => fs.writeSync(p.fd, d));
}).listen(sockPath, () => process.stdout.write('ready\n'));
