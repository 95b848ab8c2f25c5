// Typing into a session: the one ready-to-type decision (readyToType), and the way each agent needs it typed:
// text as one bracketed paste, then Enter after a pause (some TUIs drop an Enter that arrives in the same burst
// as a paste: they take a fast burst for a paste).
import { agentProfile, isAgent } from './agents/index.js';
import { prepareScreen } from './agents/screen.js';
import type { Session } from './session.js';

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

export interface TypeRequest {
  text?: Uint8Array;
  enter: boolean;
  paste?: boolean;
  keys?: Uint8Array;
}

/** Typings under way (a paste waiting for its Enter): `cw daemon restart` lets them finish first (handover.ts). */
let typing = 0;
const typingDone: (() => void)[] = [];

/** Resolves once no typing is under way (at once when none is). */
export function whenTypingDone(): Promise<void> {
  return typing === 0 ? Promise.resolve() : new Promise((r) => typingDone.push(r));
}

/** While set, new typing waits (a hand-over is under way: typing cut by the exec would be half done). */
let held: (() => void)[] | null = null;

/** Holds new typing until the returned release is called (or forever, when the process is replaced first). */
export function holdTyping(): () => void {
  held ??= [];
  return () => {
    const waiting = held ?? [];
    held = null;
    for (const r of waiting) r();
  };
}

/** Writes text, Enter and keys into a running session; resolves with the bytes written once all are out. */
export async function typeInto(session: Session, req: TypeRequest): Promise<{ bytes: number; pasted: boolean }> {
  while (held) await new Promise<void>((r) => held!.push(r));
  typing++;
  try {
    return await typeNow(session, req);
  } finally {
    if (--typing === 0) for (const r of typingDone.splice(0)) r();
  }
}

async function typeNow(session: Session, req: TypeRequest): Promise<{ bytes: number; pasted: boolean }> {
  session.activity?.noteInput();
  const profile = agentProfile(session.row.agent);
  const text = req.text && req.text.length > 0 ? Buffer.from(req.text) : null;
  let pasted = false;
  let bytes = 0;
  if (text) {
    // Wrap only when asked, or for an agent that turned bracketed paste on: elsewhere the markers are garbage.
    let wantsPaste = req.paste;
    if (wantsPaste === undefined) {
      wantsPaste = false;
      const monitor = session.activity;
      if (isAgent(profile.kind) && monitor) {
        await monitor.sampleNow();
        wantsPaste = monitor.lastSnapshot?.bracketedPaste === true;
      }
    }
    const body = wantsPaste ? Buffer.concat([Buffer.from(PASTE_START), text, Buffer.from(PASTE_END)]) : text;
    pasted = wantsPaste;
    const delay = profile.submitDelayMs;
    if (req.enter && delay === 0) {
      session.write(Buffer.concat([body, Buffer.from('\r')]));
      bytes += body.length + 1;
    } else {
      session.write(body);
      bytes += body.length;
      if (req.enter) {
        await new Promise((r) => setTimeout(r, delay));
        if (!session.running) return { bytes, pasted };
        session.write('\r');
        bytes += 1;
      }
    }
  } else if (req.enter) {
    session.write('\r');
    bytes += 1;
  }
  if (req.keys && req.keys.length > 0) {
    session.write(req.keys);
    bytes += req.keys.length;
  }
  return { bytes, pasted };
}

/** A person typed into the session (through `cw attach`) this recently: cw types nothing of its own over them. */
export const HUMAN_GRACE_MS = 10_000;

export type TypingPurpose = 'prompt' | 'notice' | 'send-if-idle';

/**
 * The one "ready to type" decision, for everything cw types on its own or on a condition: `launch --prompt`,
 * message notices, `send --if-idle`. Ready means: running, and the agent's ready prompt is on screen right now
 * (a fresh sample, settled idle: positive evidence, see activity/infer.ts). Unknown is never ready. A notice
 * also needs a recognised agent (typed text would run as a command in a shell), an empty composer, nobody
 * typing, and no launch prompt still waiting to go first.
 */
/**
 * Not ready: why, and whether to look again after HUMAN_GRACE_MS (a person typing or a draft changes no
 * activity, so no activity change would bring the caller back).
 */
export type NotReady = { ready: false; why: string; retrySoon?: boolean };

export async function readyToType(session: Session, purpose: TypingPurpose): Promise<{ ready: true } | NotReady> {
  if (!session.running) return { ready: false, why: 'the session is not running' };
  const profile = agentProfile(session.row.agent);
  if (purpose === 'notice' && !profile.typesNotices) return { ready: false, why: `${profile.label}: typed text would run as a command` };
  if (purpose === 'notice' && session.prompt?.state === 'pending') return { ready: false, why: 'the launch prompt goes first' };
  const monitor = session.activity;
  if (!monitor) return { ready: false, why: 'its screen cannot be read' };
  const now = await monitor.sampleNow();
  if (now.activity !== 'idle') return { ready: false, why: `${now.activity.replace(/_/g, ' ')} (${now.reason})` };
  if (purpose === 'notice') {
    if (Date.now() - session.lastHumanInputAt < HUMAN_GRACE_MS) return { ready: false, why: 'a person is typing', retrySoon: true };
    const snap = monitor.lastSnapshot;
    if (snap && !profile.composerEmpty(prepareScreen(snap))) return { ready: false, why: 'the prompt holds a draft', retrySoon: true };
  }
  return { ready: true };
}
