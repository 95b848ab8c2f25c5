// Flow-control numbers shared by the daemon and the clients that acknowledge output.

/**
 * Clients acknowledge consumed output in units of this many bytes. Must stay well below the daemon's low
 * watermark (FLOW_LOW_BYTES) or a paused session would never resume.
 */
export const FLOW_ACK_BYTES = 64 * 1024;
