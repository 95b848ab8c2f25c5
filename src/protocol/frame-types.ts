// Wire frame types. Numbers are permanent: never reuse one, leave gaps when removing.
// Don't forget to bump PROTOCOL_VERSION (version.ts) if any of these change!   (after tmux-protocol.h)
//
// Families by range:
//   0x01–0x0F  byte streams: payload = [stream id u32 BE][raw bytes], never msgpack, never transcoded
//   0x10–0x2F  control: payload = msgpack, validated with zod (control.ts)
//   0x30–0x3F  notifications and errors
export const FrameType = {
  /** daemon → client: pty bytes for an attach or a watch/logs stream. */
  OUTPUT: 0x01,
  /** client → daemon: keyboard bytes for an attached stream. */
  INPUT: 0x02,
  /** client → daemon: [stream u32][bytes u32], bytes the client has consumed (flow control). */
  ACK: 0x03,
  /** both ways, first frame on every connection: protocol version and software version. */
  HELLO: 0x10,
  /** client → daemon: { id, op, args }. Ids correlate replies, so one connection carries many requests. */
  REQUEST: 0x11,
  /** daemon → client: { id, ok, result | error }. */
  RESPONSE: 0x12,
  /** daemon → client: { id, event } for a stream opened by request `id` (exit, end, activity...). */
  EVENT: 0x30,
  /** daemon → client: { code, message } about the connection itself; the daemon closes it after sending. */
  ERROR: 0x3f,
} as const;

export type FrameTypeName = keyof typeof FrameType;
export type FrameTypeValue = (typeof FrameType)[FrameTypeName];

const KNOWN = new Set<number>(Object.values(FrameType));

export function isKnownFrameType(type: number): type is FrameTypeValue {
  return KNOWN.has(type);
}

