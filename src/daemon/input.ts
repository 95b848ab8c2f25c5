// Typing into a session the way each agent needs it: text as one bracketed paste, then Enter after a pause
// (some TUIs drop an Enter that arrives in the same burst as a paste: they take a fast burst for a paste).
import { agentProfile, isAgent } from './agents/index.js';
import type { Session } from './session.js';

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

export interface TypeRequest {
  text?: Uint8Array;
  enter: boolean;
  paste?: boolean;
  keys?: Uint8Array;
}

/** Writes text, Enter and keys into a running session; resolves with the bytes written once all are out. */
export async function typeInto(session: Session, req: TypeRequest): Promise<{ bytes: number; pasted: boolean }> {
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
