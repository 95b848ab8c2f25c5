// Direct input (src/daemon/direct-input.ts): a local `cw attach` holds the session's pty master and writes
// keystrokes into it itself. Black box: the built cw in real ptys; what the attach process holds is read from
// /proc, what arrived from the session's log and from files its program wrote.
import { readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeControl, encodeControl, FrameDecoder, FrameType, PROTOCOL_VERSION } from '../../src/protocol/index.js';
import { makeHome, waitFor, type Home } from '../support/harness.js';
import { attachTerminal, disposeTerminals, exitWithin } from '../support/user-terminal.js';

let home: Home | null = null;

afterEach(async () => {
  disposeTerminals();
  await home?.cleanup();
  home = null;
});

/**
 * Whether process `pid` holds the master of session `id`'s pty: one of its /dev/ptmx descriptors has the tty
 * index of the terminal the session's program runs on (node-pty's own child may hold its terminal's master too).
 */
async function holdsMaster(h: Home, pid: number, id: number): Promise<boolean> {
  const program = (await h.json<{ pid: number | null }>(['status', String(id)])).pid;
  const pts = /^\/dev\/pts\/(\d+)$/.exec(readlinkSync(`/proc/${program}/fd/0`))?.[1];
  if (!pts) throw new Error(`session ${id}'s program is not on a pty`);
  for (const fd of readdirSync(`/proc/${pid}/fd`)) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== '/dev/ptmx') continue;
      if (new RegExp(`^tty-index:\\s*${pts}$`, 'm').test(readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8'))) return true;
    } catch {
      // closed meanwhile
    }
  }
  return false;
}

async function launch(h: Home, args: string[]): Promise<number> {
  return Number((await h.ok(['launch', ...args])).trim());
}

/** A program that echoes what it reads, raw (no line discipline in between), once it says it is ready. */
const CAT = ['--', 'sh', '-c', 'stty raw -echo; echo cat-ready; exec cat'];

async function logs(h: Home, id: number): Promise<string> {
  return h.ok(['logs', String(id)]);
}

describe('cw attach writes keystrokes straight into the pty', () => {
  it('holds the session pty master when attached locally; not when read-only, nor with [attach] direct_input = false', async () => {
    const h = (home = makeHome());
    const id = await launch(h, CAT);
    await waitFor(async () => (await logs(h, id)).includes('cat-ready'), 'cat-ready');

    const a = attachTerminal(h, [String(id), '--quiet']);
    await waitFor(() => holdsMaster(h, a.proc.pid, id), 'the attach holding the session pty master');
    a.type('direct-1');
    await waitFor(async () => (await logs(h, id)).includes('direct-1'), 'direct-1 echoed into the log');

    const ro = attachTerminal(h, [String(id), '--quiet', '--read-only']);
    await ro.waitScreen((l) => l.some((x) => x.includes('direct-1')), 'the read-only view');
    expect(await holdsMaster(h, ro.proc.pid, id)).toBe(false);

    a.type('\x02d');
    expect(await exitWithin(a)).toBe(0);
    ro.type('\x02d');
    expect(await exitWithin(ro)).toBe(0);

    writeFileSync(join(h.dir, 'config.toml'), '[attach]\ndirect_input = false\n', { mode: 0o600 });
    const b = attachTerminal(h, [String(id), '--quiet']);
    await b.waitScreen((l) => l.some((x) => x.includes('direct-1')), 'the screen restored');
    b.type('via-daemon-2');
    await waitFor(async () => (await logs(h, id)).includes('via-daemon-2'), 'via-daemon-2 echoed into the log');
    expect(await holdsMaster(h, b.proc.pid, id)).toBe(false);
    b.type('\x02d');
    expect(await exitWithin(b)).toBe(0);
  });

  it('keeps a paste whole and in order while the program does not read, and hands the unread rest to the daemon on detach', async () => {
    const h = (home = makeHome());
    const out = join(h.dir, 'pasted.txt');
    // Reads one key, then nothing until told (a file appears), then copies its input to a file: the paste waits in
    // the queues. The first key goes through the daemon (the first after a pause does); the paste, typed right
    // after, goes straight into the pty, and what the kernel cannot hold waits in the client's queue.
    const id = await launch(h, ['--', 'sh', '-c', `stty raw -echo; echo waiting; head -c 1 >/dev/null; echo got-one; while [ ! -e ${h.dir}/go ]; do sleep 0.05; done; exec cat > ${out}`]);
    await waitFor(async () => (await logs(h, id)).includes('waiting'), 'waiting');
    const a = attachTerminal(h, [String(id), '--quiet']);
    await waitFor(() => holdsMaster(h, a.proc.pid, id), 'the attach holding the session pty master');
    a.type('x');
    await waitFor(async () => (await logs(h, id)).includes('got-one'), 'the first key read');
    // 200 KB in 50 writes: far past the kernel's pty buffer (4 KiB), so most of it waits in the client's queue.
    let sent = '';
    for (let i = 0; i < 50; i++) {
      const chunk = `${String(i).padStart(4, '0')}:${'abcdefghij'.repeat(399)}|`;
      sent += chunk;
      a.type(chunk);
    }
    // Detach at once: what the program has not read goes through the daemon, after what it already has.
    a.type('\x02d');
    expect(await exitWithin(a)).toBe(0);
    writeFileSync(join(h.dir, 'go'), '');
    await waitFor(() => {
      try {
        return readFileSync(out, 'utf8').length >= sent.length;
      } catch {
        return false;
      }
    }, `all ${sent.length} bytes in ${out}`, 20_000);
    expect(readFileSync(out, 'utf8')).toBe(sent);
    await h.ok(['kill', String(id)]);
  });

  it('the session follows the size of the client that typed last, though its keys never pass the daemon', async () => {
    const h = (home = makeHome());
    const id = await launch(h, CAT);
    const big = attachTerminal(h, [String(id), '--quiet'], 120, 40);
    await waitFor(() => holdsMaster(h, big.proc.pid, id), 'the first client holding the master');
    const small = attachTerminal(h, [String(id), '--quiet'], 80, 24);
    await waitFor(() => holdsMaster(h, small.proc.pid, id), 'the second client holding the master');
    const size = async (): Promise<string> => {
      const s = await h.json<{ cols: number; rows: number }>(['status', String(id)]);
      return `${s.cols}x${s.rows}`;
    };
    await waitFor(async () => (await size()) === '80x24', 'the newest client setting the size');
    big.type('x');
    await waitFor(async () => (await size()) === '120x40', 'the size of the client that typed');
    small.type('y');
    await waitFor(async () => (await size()) === '80x24', 'the size of the other client, once it typed');
  });

  it('keeps typing into the pty while `cw daemon restart` replaces the daemon, and attaches again', async () => {
    const h = (home = makeHome());
    const id = await launch(h, CAT);
    await waitFor(async () => (await logs(h, id)).includes('cat-ready'), 'cat-ready');
    const a = attachTerminal(h, [String(id), '--quiet']);
    await waitFor(() => holdsMaster(h, a.proc.pid, id), 'the attach holding the session pty master');
    const restart = h.cw(['daemon', 'restart']);
    a.type('during-restart');
    expect((await restart).code).toBe(0);
    await a.waitOutput('attaching to session');
    a.type('+after');
    await waitFor(async () => (await logs(h, id)).includes('during-restart+after'), 'both typings, in order, in the log');
    expect(await holdsMaster(h, a.proc.pid, id)).toBe(true);
    a.type('\x02d');
    expect(await exitWithin(a)).toBe(0);
  });

  it('refuses a direct-input key it never gave, in one line, and goes on serving', async () => {
    const h = (home = makeHome());
    const id = await launch(h, CAT);
    const socket = join(h.dir, 'server.sock');
    const reply = await new Promise<{ ok: boolean; message: string }>((resolve, reject) => {
      const s = createConnection(socket);
      const dec = new FrameDecoder();
      s.on('error', reject);
      s.on('data', (chunk) => {
        for (const f of dec.push(chunk)) {
          if (f.type !== FrameType.RESPONSE) continue;
          const r = decodeControl(FrameType.RESPONSE, f.payload);
          resolve({ ok: r.ok, message: r.error?.message ?? '' });
        }
      });
      s.on('close', () => reject(new Error('closed without an answer')));
      s.write(encodeControl(FrameType.HELLO, { protocol: PROTOCOL_VERSION, version: 'test', role: 'cli' }));
      s.write(encodeControl(FrameType.REQUEST, { id: 1, op: 'direct-input', args: { key: 'f'.repeat(32) } }));
    });
    expect(reply.ok).toBe(false);
    expect(reply.message).toMatch(/^no such direct-input key/);
    expect(reply.message).not.toContain('\n');
    const s = await h.json<{ state: string }>(['status', String(id)]);
    expect(s.state).toBe('running');
  });
});
