// The fleet (many machines as one, over NATS): what src/daemon/main.ts calls. See ./subjects.ts for the subjects.
import type { DaemonConfig } from '../../common/config.js';


import { FleetAgent, type FleetLogger } from './agent.js';

export type { FleetLogger } from './agent.js';

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
