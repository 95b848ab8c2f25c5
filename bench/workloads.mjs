// The throughput workloads, generated once per bench run into a temporary directory.
// A seeded generator keeps the content the same from run to run of the bench (not that it matters for speed).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    // xorshift32
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 0x100000000;
  };
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** 76-character base64 lines, like `base64` prints. */
function base64Line(r) {
  let s = '';
  for (let i = 0; i < 76; i++) s += B64[(r() * 64) | 0];
  return `${s}\n`;
}

/** Short lines of 8 to 20 characters: every line scrolls the screen. */
function shortLine(r) {
  const n = 8 + ((r() * 13) | 0);
  let s = '';
  for (let i = 0; i < n; i++) s += ALNUM[(r() * ALNUM.length) | 0];
  return `${s}\n`;
}

const FILES = ['src/parser.c', 'src/lexer.c', 'lib/vector.cpp', 'src/net/socket.c', 'include/config.h', 'src/main.rs', 'pkg/server/handler.go'];
const WORDS = ['unused', 'variable', 'implicit', 'conversion', 'changes', 'value', 'from', 'to', 'declared', 'here', 'expected', 'pointer', 'argument', 'comparison', 'signed', 'unsigned'];
const TARGETS = ['libcore.a', 'libnet.so', 'server', 'parser.o', 'vector.o', 'handler.o'];

/** Coloured build-log lines: progress, compiler warnings/errors with bold locations, like cmake + gcc. */
function buildLogLine(r) {
  const pick = (a) => a[(r() * a.length) | 0];
  const k = r();
  const file = pick(FILES);
  const line = 1 + ((r() * 2000) | 0);
  const col = 1 + ((r() * 80) | 0);
  const msg = Array.from({ length: 4 + ((r() * 6) | 0) }, () => pick(WORDS)).join(' ');
  if (k < 0.45) {
    const pct = String((r() * 100) | 0).padStart(3);
    return `\x1b[0m[${pct}%] \x1b[32mBuilding C object CMakeFiles/core.dir/${file}.o\x1b[0m\n`;
  }
  if (k < 0.6) return `[${String((r() * 100) | 0).padStart(3)}%] \x1b[32m\x1b[1mLinking CXX executable ${pick(TARGETS)}\x1b[0m\n`;
  if (k < 0.85) return `\x1b[1m${file}:${line}:${col}: \x1b[35mwarning: \x1b[0m\x1b[1m${msg} [\x1b[35m-Wunused\x1b[0m\x1b[1m]\x1b[0m\n`;
  if (k < 0.95) return `\x1b[1m${file}:${line}:${col}: \x1b[31merror: \x1b[0m\x1b[1m${msg}\x1b[0m\n`;
  return `  ${line} |     ${msg};\n      |     \x1b[32m^~~~~~\x1b[0m\n`;
}

const GENERATORS = { base64: base64Line, short: shortLine, buildlog: buildLogLine };

/**
 * Writes about `bytes` bytes of `kind` lines to dir/name. Returns the workload description: its size, its number
 * of newlines, the bytes a pty emits for it (each \n becomes \r\n: ONLCR), and its last line as the screen shows it.
 */
export async function generate(dir, name, kind, bytes, seed = 1) {
  const gen = GENERATORS[kind];
  const r = rng(seed);
  const path = join(dir, name);
  const out = createWriteStream(path);
  let size = 0;
  let lines = 0;
  let last = '';
  let chunk = '';
  while (size < bytes) {
    const l = gen(r);
    chunk += l;
    size += Buffer.byteLength(l);
    lines += l.split('\n').length - 1;
    last = l;
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
  const lastLine = last.trimEnd().split('\n').pop().replace(/\x1b\[[0-9;]*m/g, '').trimEnd();
  return { name, kind, path, size, lines, expected: size + lines, lastLine };
}
