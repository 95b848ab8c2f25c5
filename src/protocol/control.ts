// Control payloads: msgpack (standard, no records, so every frame decodes on its own) validated with zod.
// Unknown fields are stripped, not rejected, so a newer peer's extra fields do not break an older one.
import { Packr } from 'msgpackr';
import { z } from 'zod';
import { ErrorCode, ProtocolError } from './errors.js';
import { FrameType } from './frame-types.js';
import { encodeFrame } from './frame.js';

const packr = new Packr({ useRecords: false, mapsAsObjects: true, moreTypes: false });

export const Hello = z.object({
  protocol: z.number().int(),
  version: z.string(),
  /** Who is speaking: 'cli', 'daemon', 'mcp', 'web'. Informational. */
  role: z.string().optional(),
  pid: z.number().int().optional(),
});
export type Hello = z.infer<typeof Hello>;

export const ErrorBody = z.object({
  code: z.string(),
  message: z.string(),
  /** What the user can do next, e.g. "run `cw list` to see sessions". */
  hint: z.string().optional(),
});
export type ErrorBody = z.infer<typeof ErrorBody>;

export const Request = z.object({
  id: z.number().int().nonnegative(),
  op: z.string().min(1).max(64),
  args: z.record(z.string(), z.unknown()).default({}),
});
export type Request = z.infer<typeof Request>;

export const Response = z.object({
  id: z.number().int().nonnegative(),
  ok: z.boolean(),
  result: z.unknown().optional(),
  error: ErrorBody.optional(),
});
export type Response = z.infer<typeof Response>;

export const StreamEvent = z.looseObject({ type: z.string() });
export type StreamEvent = z.infer<typeof StreamEvent>;

export const EventMsg = z.object({ id: z.number().int().nonnegative(), event: StreamEvent });
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
export function parseArgs<S extends z.ZodType>(schema: S, op: string, args: unknown): z.infer<S> {
  const parsed = schema.safeParse(args);
  if (!parsed.success) {
    throw new ProtocolError(ErrorCode.INVALID_ARGUMENT, `invalid arguments for '${op}': ${summarizeIssues(parsed.error)}`);
  }
  return parsed.data;
}

export function summarizeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
    .join('; ');
}

function frameName(type: number): string {
  const entry = Object.entries(FrameType).find(([, v]) => v === type);
  return entry ? entry[0] : `0x${type.toString(16)}`;
}
