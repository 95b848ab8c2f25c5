// Shells, REPLs and unknown programs. For shells the pty's foreground process group decides (infer.ts);
// the screen adds a question on the cursor line and the prompt.

import type { AgentProfile, Reading, Screen } from './types.js';
import { cursorOn, lastNonBlankIndex, quote } from './screen.js';
import { outputSincePrompt } from './reply.js';

export const SHELL = {
  /** Prompt endings (agent-deck hasShellPrompt) and REPL prompts (`>>> `, `In [3]: `, `irb(main):001> `, `=# `). */
  prompt: /(?:[$#%❯➜›»>]|>>>|\.\.\.|In \[\d+\]:|=[#>])\s?$|^irb\([^)]*\):\d+[>*]|^\(\w+\)\s?\S*[$#%]/,
  /** Questions a foreground program asks on its last line, cursor after it. */
  question: /\[[yY]\/[nN]\]|\([yY]\/[nN]\)|\(yes\/no(?:\/\[fingerprint\])?\)|[Pp]assword(?: for [^:]+)?:|[Pp]assphrase[^:]*:|\b(?:Continue|Proceed|Overwrite|Are you sure)[^?]*\?|Press (?:Enter|RETURN|any key)/,
} as const;

function readShellScreen(screen: Screen): Reading {
  const lines = screen.lines;
  const last = lastNonBlankIndex(lines);
  if (last < 0 || !cursorOn(screen, last)) return {};
  const line = lines[last]!;
  if (SHELL.question.test(line)) return { waiting: { reason: `question on the cursor line ${quote(line)}` } };
  if (SHELL.prompt.test(line)) return { idle: { reason: `prompt on the cursor line ${quote(line)}` } };
  return {};
}

const lineAtCursorEmpty = (s: Screen): boolean => (s.lines[s.cursor.y] ?? '').replace(/^.*?(?:[$#%❯➜›»>]|>>>)\s?/, '').trim() === '';

export const shell: AgentProfile = {
  kind: 'shell',
  label: 'shell or REPL',
  checked: 'bash, zsh, fish, sh and common REPLs (prompt endings as agent-deck matches them)',
  names: [],
  title: {},
  read: readShellScreen,
  typesNotices: false,
  submitDelayMs: 0,
  composerEmpty: lineAtCursorEmpty,
  replyFromScreen: outputSincePrompt,
};

/** Any other program: the same readers; infer.ts adds quiescence and the general dialog recogniser. */
export const generic: AgentProfile = {
  ...shell,
  kind: 'generic',
  label: 'program',
  checked: 'any program: a question on the cursor line, OSC progress, output quiescence',
};
