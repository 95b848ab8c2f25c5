// The MCP server's one channel to the daemon, kept open for the server's lifetime. It is opened exactly as
// the CLI opens its channel (openChannel: the local daemon, started when needed, or --server's), so the
// daemon sees the same client, with the same CW_SESSION_TOKEN: what the server sends comes from that session.
import type { Channel, StreamHandlers } from '../channel/channel.js';
import { openChannel } from '../client/run.js';
import type { Op, OpArgsOf, OpResults } from '../protocol/messages.js';

/** Ops that change nothing: after a lost connection they are safe to send again on a new one. */
const READ_ONLY = new Set<Op>(['list', 'status', 'screen', 'last-message', 'work', 'whoami', 'output']);

export class DaemonLink {
  private _channel: Channel | null = null;
  private _opening: Promise<Channel> | null = null;

  /** Opens the channel now (starting the daemon if needed), so a broken setup shows at start-up. */
  async open(): Promise<void> {
    await this.channel();
  }

  /** The live channel; a closed one (the daemon stopped or restarted) is replaced by a new connection. */
  async channel(): Promise<Channel> {
    if (this._channel && !this._channel.error) return this._channel;
    this._opening ??= (async () => {
      try {
        const ch = await openChannel();
        await ch.hello;
        ch.onClose((err) => process.stderr.write(`cw mcp-server: connection to the daemon closed: ${err.message}\n`));
        this._channel = ch;
        return ch;
      } finally {
        this._opening = null;
      }
    })();
    return this._opening;
  }

  /**
   * Sends one request. When the connection was lost before or during it, reconnects once; a request that
   * changes something is resent only if it never went out (it may have taken effect before the loss).
   */
  async request<O extends Op>(op: O, args: OpArgsOf<O>, stream?: StreamHandlers): Promise<OpResults[O]> {
    const ch = await this.channel();
    try {
      return await ch.request(op, args, stream);
    } catch (err) {
      if (ch.error !== err || !READ_ONLY.has(op)) throw err;
      const again = await this.channel();
      return again.request(op, args, stream);
    }
  }

  close(): void {
    this._channel?.end();
    this._channel = null;
  }
}
