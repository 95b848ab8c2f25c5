// The fake model's behaviour, shared by every API dialect: given the conversation so far (as plain facts),
// decide the next answer. Scripted by the last user prompt so tests and the capture kit can steer an agent
// through its states without a real model:
//
//   "... PONG ..."            → the one-word reply `PONG`
//   "... reply with: TEXT"    → exactly TEXT
//   "... run: CMD"            → a shell tool call running CMD; after its result, `Ran it.`
//   "... slow N ..."          → a reply streamed over N seconds (to hold the agent in "working")
//   anything else             → `Fake model reply number K.` (K counts answers of this server)
//
// Agents also send side requests (titles, summaries, quota checks): those get a short plain answer too.

let counter = 0;

/**
 * @param {{ lastUserText: string, lastIsToolResult: boolean, toolResultText?: string }} convo
 * @returns {{ kind: 'text', text: string, chunks: string[], delayMs: number } | { kind: 'tool', command: string }}
 */
export function decide(convo) {
  const prompt = convo.lastUserText ?? '';
  if (convo.lastIsToolResult) return text('Ran it.');
  const run = prompt.match(/\brun:\s*(.+?)\s*$/m);
  if (run) return { kind: 'tool', command: run[1] };
  const slow = prompt.match(/\bslow\s+(\d+)/i);
  if (slow) {
    const seconds = Math.min(Number(slow[1]), 120);
    const words = Array.from({ length: Math.max(2, seconds * 2) }, (_, i) => `word${i + 1}`);
    return { kind: 'text', text: words.join(' '), chunks: words.map((w, i) => (i ? ' ' : '') + w), delayMs: 500 };
  }
  const exact = prompt.match(/reply with:\s*(.+?)\s*$/im);
  if (exact) return text(exact[1]);
  if (/\bPONG\b/.test(prompt)) return text('PONG');
  counter += 1;
  return text(`Fake model reply number ${counter}.`);
}

function text(s) {
  return { kind: 'text', text: s, chunks: [s], delayMs: 0 };
}

/** Names agents give their shell tool, most specific first. */
export const SHELL_TOOL_NAMES = ['Bash', 'shell', 'exec_command', 'shell_command', 'run_shell_command', 'bash', 'local_shell'];

export function pickShellTool(toolNames) {
  for (const n of SHELL_TOOL_NAMES) if (toolNames.includes(n)) return n;
  return undefined;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
