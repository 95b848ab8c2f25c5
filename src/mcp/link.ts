// The MCP server's one channel to the daemon, kept open for the server's lifetime. The server is handed the way
// to open it (`cw mcp-server` passes the CLI's, for the daemon its options name: the local one, started when
// needed, or --server's), so the daemon sees the same client as the CLI's, with the same CW_SESSION_TOKEN: what
// the server sends comes from that session. The server itself reads no CLI state and holds no token.
import type { Channel, StreamHandlers } from '../channel/channel.js';
import type { Op, OpArgsOf, OpResults } from '../protocol/messages.js';

/** Opens a new channel to the daemon the server serves (called again after the connection was lost). */
export type OpenChannel = () => Promise<Channel>;

/** Ops that change nothing: after a lost connection they are safe to send again on a new one. */
const READ_ONLY = new Set<Op>(['list', 'status', 'screen', 'last-message', 'work', 'whoami', 'output']);

export class DaemonLink {
  private _channel: Channel | null = null;
  private _opening: Promise<Channel> | null = null;

  constructor(private readonly _open: OpenChannel) {}

  /** Opens the channel now (starting the daemon if needed), so a broken setup shows at start-up. */
  async open(): Promise<void> {
    await this.channel();
  }

  /** The live channel; a closed one (the daemon stopped or restarted) is replaced by a new connection. */
  async channel(): Promise<Channel> {
    if (this._channel && !this._channel.error) return this._channel;
    this._opening ??= (async () => {
      try {
        const ch = await this._open();
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
