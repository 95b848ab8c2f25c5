// Typing into a session the way each agent needs it: text as one bracketed paste, then Enter after a pause
// (some TUIs drop an Enter that arrives in the same burst as a paste: they take a fast burst for a paste).
import type { AgentKind } from './activity/agents.js';
import type { Session } from './session.js';

const PASTE_START = '\x1b[200~';
const PASTE_END = '\x1b[201~';

/**
 * Pause between the end of a paste and Enter, per agent, in ms. Codex treats keys within ~120 ms of a burst
 * as part of a paste (other tools settled on 150–500 ms; we take 250); Ink and prompt_toolkit apps need far
 * less. Shells and unknown programs get the text and Enter together, as a person typing fast would.
 */
export const SUBMIT_DELAY_MS: Record<AgentKind, number> = {
  claude: 80,
  codex: 250,
  gemini: 100,
  opencode: 100,
  'cursor-agent': 100,
  goose: 50,
  aider: 50,
  shell: 0,
  generic: 0,
};

export function isAgent(kind: string): boolean {
  return kind !== 'shell' && kind !== 'generic';
}

export interface TypeRequest {
  text?: Uint8Array;
  enter: boolean;
  paste?: boolean;
  keys?: Uint8Array;
}

/** Writes text, Enter and keys into a running session; resolves with the bytes written once all are out. */
export async function typeInto(session: Session, req: TypeRequest): Promise<{ bytes: number; pasted: boolean }> {
  const agent = session.row.agent as AgentKind;
  const text = req.text && req.text.length > 0 ? Buffer.from(req.text) : null;
  let pasted = false;
  let bytes = 0;
  if (text) {
    // Wrap only when asked, or for an agent that turned bracketed paste on: elsewhere the markers are garbage.
    let wantsPaste = req.paste;
    if (wantsPaste === undefined) {
      wantsPaste = false;
      const monitor = session.activity;
      if (isAgent(agent) && monitor) {
        await monitor.sampleNow();
        wantsPaste = monitor.lastSnapshot?.bracketedPaste === true;
      }
    }
    const body = wantsPaste ? Buffer.concat([Buffer.from(PASTE_START), text, Buffer.from(PASTE_END)]) : text;
    pasted = wantsPaste;
    const delay = SUBMIT_DELAY_MS[agent] ?? 0;
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
