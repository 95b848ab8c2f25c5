// The fleet (many machines as one, over NATS): what src/daemon/main.ts calls. See ./subjects.ts for the subjects.
import type { DaemonConfig } from '../../common/config.js';

/** What the node agent logs through: the daemon's Logger fits (the agent is a client of the daemon, not part of it). */
export interface FleetLogger {
  info(line: string): void;
  warn(line: string): void;
  error(line: string): void;
}

import { FleetAgent } from './agent.js';

export { registerFleetOp, FleetError, type FleetOp, type FleetOpContext } from './ops.js';
export { FLEET_MESSAGE_OP } from '../../common/fleet/subjects.js';

/** Joins the fleet when config.toml has [nats] (and not [fleet] join = false); null otherwise. Never throws: NATS
 * problems are logged and retried by the agent. */
export function startFleet(o: { config: DaemonConfig; socketPath: () => string; log: FleetLogger; listenerUrl: () => string | null }): { stop(): Promise<void> } | null {
  const { config } = o;
  if (!config.nats || config.fleet?.join === false) return null;
  const agent = new FleetAgent({ config: { ...config, nats: config.nats }, socketPath: o.socketPath, log: o.log, listenerUrl: o.listenerUrl });
  agent.start();
  return agent;
}
