// The dashboard's port across daemon restarts, when no `[daemon] listen` gives it one: `[ui] port` in
// config.toml, else the port the last on-demand listener had (remembered in the home). A bookmarked dashboard
// then answers after `cw stop` and `cw ui` again, with a login page instead of nothing.
import { join } from 'node:path';
import { readPrivateFile, writePrivateFile } from '../../common/paths.js';
import { ErrorCode } from '../../protocol/index.js';
import { CwError } from '../errors.js';
import type { Logger } from '../log.js';

/** In the home: the port of the last on-demand dashboard listener, one number. */
export const UI_PORT_FILE = 'ui-port';

/** The remembered port, or null when there is none or the file does not hold a port. */
export function rememberedUiPort(home: string): number | null {
  let text: string | null;
  try {
    text = readPrivateFile(join(home, UI_PORT_FILE));
  } catch {
    // A planted or foreign file (readPrivateFile refuses it): not trusted, so a fresh port is chosen.
    return null;
  }
  const port = Number(text?.trim());
  return text !== null && Number.isInteger(port) && port > 0 && port < 65536 ? port : null;
}

/**
 * Starts the on-demand loopback listener: on the configured port (its failure is the answer), else on the
 * remembered one, else (or when that one is taken now) on a free one, which is remembered for next time.
 */
export async function listenForUi<T>(
  start: (port: number) => Promise<T & { url: string }>,
  o: { home: string; configured?: number; log: Logger },
): Promise<T & { url: string }> {
  if (o.configured !== undefined) {
    try {
      return await start(o.configured);
    } catch (err) {
      throw new CwError(ErrorCode.INTERNAL, `cannot listen for the dashboard on 127.0.0.1:${o.configured} ([ui] port in config.toml): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, 'free that port, or change or remove [ui] port and run `cw stop`, then `cw ui`');
    }
  }
  const last = rememberedUiPort(o.home);
  let entry: (T & { url: string }) | null = null;
  if (last !== null) {
    try {
      entry = await start(last);
    } catch (err) {
      o.log.info(`dashboard: the port used last, ${last}, is not free (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); taking another`);
    }
  }
  entry ??= await start(0);
  const port = Number(/:(\d+)$/.exec(entry.url)?.[1]);
  if (port && port !== last) {
    try {
      writePrivateFile(join(o.home, UI_PORT_FILE), `${port}\n`);
    } catch (err) {
      // Only a convenience: the next daemon then picks another port, as before.
      o.log.warn(`dashboard: cannot remember port ${port} in ${UI_PORT_FILE}: ${(err as Error).message}`);
    }
  }
  return entry;
}
