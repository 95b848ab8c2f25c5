// The checks that refuse a launch before anything is sent, worded once for `cw launch` and the MCP launch tool.
// The daemon checks the same bounds (protocol/messages.ts); these say it in the caller's words, with what to do.
import { SEND_TEXT_MAX_BYTES, SESSION_NAME_RE } from '../protocol/messages.js';
import { usage } from './errors.js';

/** Throws a usage error (exit 2) for a name the daemon would refuse, or a prompt too long to type in. */
export function checkLaunch(req: { name?: string | undefined; prompt?: string | undefined }): void {
  if (req.name !== undefined && !SESSION_NAME_RE.test(req.name)) {
    throw usage(`invalid name '${req.name}'`, 'names are 1-64 of [a-zA-Z0-9._-], starting with a letter or digit, e.g. --name api-2');
  }
  if (req.prompt !== undefined) {
    const bytes = new TextEncoder().encode(req.prompt).length;
    if (bytes > SEND_TEXT_MAX_BYTES) throw usage(`the prompt is ${bytes} bytes: cw types at most ${SEND_TEXT_MAX_BYTES} bytes (1 MiB) at once`, 'put it in a file and ask the agent to read it');
  }
}
