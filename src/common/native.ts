// The native addons (native/*/, compiled by the build and copied beside the bundles in dist/), each loaded once;
// without one, what needs it says what it lacks and the rest runs. The daemon uses native/handover for its ptys
// and `cw daemon restart` (daemon/native.ts); `cw attach` uses its descriptor exchange (client/attach/direct-input.ts).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const loaded = new Map<string, { addon: unknown; why: string }>();

/** The addon `name` (dist/NAME.node), or null with the reason in `why`. */
export function loadAddon<T>(name: string): { addon: T | null; why: string } {
  let entry = loaded.get(name);
  if (!entry) {
    const file = join(dirname(fileURLToPath(import.meta.url)), `${name}.node`);
    if (!existsSync(file)) entry = { addon: null, why: `${file} is missing (\`npm run build\` compiles it; it needs a C compiler)` };
    else {
      try {
        entry = { addon: createRequire(import.meta.url)(file), why: '' };
      } catch (err) {
        entry = { addon: null, why: `${file} does not load: ${(err as Error).message}` };
      }
    }
    loaded.set(name, entry);
  }
  return entry as { addon: T | null; why: string };
}

/** native/handover's descriptor passing over a Unix socket (SCM_RIGHTS), used for direct input. */
export interface FdPassing {
  /** Sends `bytes` on the connected Unix socket `socketFd` with `fd` attached, in one non-blocking sendmsg. */
  sendFd(socketFd: number, fd: number, bytes: Uint8Array): void;
  /**
   * Connects to the Unix socket at `path`, writes `request`, reads until the peer closes: the bytes, and the first
   * descriptor that came with them (close-on-exec), or -1. Blocks at most `timeoutMs`; throws on a failure.
   */
  exchangeFd(path: string, request: Uint8Array, timeoutMs: number): { fd: number; data: Buffer };
}

export function fdPassing(): { addon: FdPassing | null; why: string } {
  return loadAddon<FdPassing>('handover');
}
