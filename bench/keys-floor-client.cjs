// The keystroke floor's client: raw stdin to the socket, the socket to stdout. Usage: node keys-floor-client.cjs SOCKET
'use strict';
const net = require('net');

const s = net.connect(process.argv[2]);
process.stdin.setRawMode(true);
process.stdin.on('data', (d) => s.write(d));
s.on('data', (d) => process.stdout.write(d));
s.on('close', () => process.exit(0));
