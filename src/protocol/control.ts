// Control payloads: msgpack (standard, no records, so every frame decodes on its own) validated with zod.
// Unknown fields are stripped, not rejected, so a newer peer's extra fields do not break an older one.
// msgpackr's pure-JS halves: the package root also probes for a native addon at start-up, which costs every
// CLI invocation more than it saves on our small control messages.
import { Packr } from 'msgpackr/pack';
import * as z from 'zod/mini';
import { en } from 'zod/locales';
import { ErrorCode, ProtocolError } from './errors.js';
import { FrameType } from './frame-types.js';
import { encodeFrame } from './frame.js';

// zod/mini keeps the CLI bundle small (it starts on every command); English messages for the errors we relay.
z.config(en());

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });
const u32 = z.int().check(z.minimum(0), z.maximum(0xffffffff));

export const Hello = z.object({
  protocol: z.int(),
  version: z.string(),
  /** Who is speaking: 'cli', 'daemon', 'mcp', 'web'. Informational. */
  role: z.optional(z.string()),
  pid: z.optional(z.int()),
  /** The daemon's: when it started (ISO 8601); a `cw daemon restart` counts as a start. */
  startedAt: z.optional(z.string()),
  /** A client inside a session presents its CW_SESSION_TOKEN: the daemon, not the client, decides who speaks. */
  sessionToken: z.optional(z.string().check(z.maxLength(256))),
});
export type Hello = z.infer<typeof Hello>;

export const ErrorBody = z.object({
  code: z.string(),
  message: z.string(),
  /** What the user can do next, e.g. "run `cw list` to see sessions". */
  hint: z.optional(z.string()),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Request = z.object({
  id: u32,
  op: z.string().check(z.minLength(1), z.maxLength(64)),
  args: z._default(z.record(z.string(), z.unknown()), {}),
});
export type Request = z.infer<typeof Request>;

export const Response = z.object({
  id: u32,
  ok: z.boolean(),
  result: z.optional(z.unknown()),
  error: z.optional(ErrorBody),
});
export type Response = z.infer<typeof Response>;

export const StreamEvent = z.looseObject({ type: z.string() });
export type StreamEvent = z.infer<typeof StreamEvent>;

export const EventMsg = z.object({ id: u32, event: StreamEvent });
export type EventMsg = z.infer<typeof EventMsg>;

const SCHEMAS = {
  [FrameType.HELLO]: Hello,
  [FrameType.REQUEST]: Request,
  [FrameType.RESPONSE]: Response,
  [FrameType.EVENT]: EventMsg,
  [FrameType.ERROR]: ErrorBody,
} as const;

type ControlType = keyof typeof SCHEMAS;
type ControlOf<T extends ControlType> = z.infer<(typeof SCHEMAS)[T]>;

export function isControlFrame(type: number): type is ControlType {
  return type in SCHEMAS;
}

/** msgpack-encodes a control message and frames it. */
export function encodeControl<T extends ControlType>(type: T, msg: ControlOf<T>): Uint8Array {
  return encodeFrame(type, packr.pack(msg));
}

/** Decodes and validates a control payload. Throws ProtocolError naming what was wrong. */
export function decodeControl<T extends ControlType>(type: T, payload: Uint8Array): ControlOf<T> {
  let raw: unknown;
  try {
    raw = packr.unpack(payload);
  } catch (err) {
    throw new ProtocolError(ErrorCode.PROTOCOL, `bad msgpack in ${frameName(type)} frame: ${(err as Error).message}`);
  }
  const parsed = SCHEMAS[type].safeParse(raw);
  if (!parsed.success) {
    throw new ProtocolError(ErrorCode.PROTOCOL, `invalid ${frameName(type)} frame: ${summarizeIssues(parsed.error)}`);
  }
  return parsed.data as ControlOf<T>;
}

/** Validates request args against an op's schema; a failure becomes an INVALID_ARGUMENT with the field named. */
export function parseArgs<S extends z.ZodMiniType>(schema: S, op: string, args: unknown): z.output<S> {
  const parsed = schema.safeParse(args);
  if (!parsed.success) {
    throw new ProtocolError(ErrorCode.INVALID_ARGUMENT, `invalid arguments for '${op}': ${summarizeIssues(parsed.error)}`);
  }
  return parsed.data;
}

export function summarizeIssues(error: z.core.$ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

function frameName(type: number): string {
  const entry = Object.entries(FrameType).find(([, v]) => v === type);
  return entry ? entry[0] : `0x${type.toString(16)}`;
}
