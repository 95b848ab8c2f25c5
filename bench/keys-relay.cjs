// The keystroke floor of any Node design: ONE Node process relays the terminal to a program on a pty (raw stdin to
// the pty master, the master's output to stdout), with no daemon, socket, log or screen. A design where the attach
// client wrote keystrokes into the pty and the daemon wrote the echo straight to the user's terminal would still
// cost two Node wake-ups per keystroke, as this does. Usage: node keys-relay.cjs
'use strict';
const fs = require('fs');
const pty = require('node-pty');

const p = pty.spawn('sh', ['-c', 'stty raw -echo; exec cat'], { cols: 120, rows: 40, encoding: null });
process.stdin.setRawMode(true);
// Straight to the non-blocking master, as cw does.
process.stdin.on('data', (d) => fs.writeSync(p.fd, d));
p.onData((d) => process.stdout.write(d));
p.onExit(() => process.exit(0));
