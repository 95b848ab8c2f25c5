// "The agent's last reply" as clean text, read from scrollback + screen (for `cw last-message`).
// Pure. Each agent marks its own messages differently; where we cannot tell messages apart we
// fall back to "the lines since the last prompt". Transcripts, when cw knows them, are better;
// this is the universal fallback.

import type { AgentKind } from './agents.js';
import { findClaudePromptBox, isBlank, isHorizontalRule, normalizeLine, unbox } from './rules.js';

/** lines = scrollback followed by the visible rows, top to bottom. */
export function lastReply(agent: AgentKind, lines: readonly string[]): string {
  const clean = lines.map(normalizeLine);
  const block = EXTRACTORS[agent](clean);
  return tidy(block);
}

type Extractor = (lines: readonly string[]) => string[];

/** Claude: the last `⏺`/`●` text block above the prompt box (tool-call blocks are skipped). */
function claudeReply(lines: readonly string[]): string[] {
  const box = findClaudePromptBox(lines);
  const end = box ? box.top : lines.length;
  return lastBulletBlock(lines.slice(0, end), /^[⏺●] /, CLAUDE_TOOL_CALL);
}
/** `⏺ Bash(npm test)`, `⏺ Update(src/x.ts)`, `⏺ Running 1 shell command…` are tool activity, not prose. */
const CLAUDE_TOOL_CALL = /^[⏺●] (?:[A-Z][\w-]*(?:\(.*\))?$|[A-Z]\w+\(|Running \d+ |Read(?:ing)? \d+ |Searched for |Listed \d+ )/;

/** Codex: the last `• ` block that is not a tool-history item, above the composer. */
function codexReply(lines: readonly string[]): string[] {
  let end = lines.length;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (/^[›▌](?:\s|$)/.test(lines[i]!)) {
      end = i;
      break;
    }
  }
  return lastBulletBlock(lines.slice(0, end), /^• /, CODEX_TOOL_ITEM);
}
const CODEX_TOOL_ITEM = /^• (?:Ran|Running|Explored|Exploring|Edited|Editing|Read|Searched|Updated Plan|Called|Calling|Added|Deleted|Working|Waiting|Thinking)\b/;

/** Gemini: the last `✦ ` block above the composer band. */
function geminiReply(lines: readonly string[]): string[] {
  let end = lines.length;
  for (let i = lines.length - 1; i >= 0; i--) {
    if (/^\s*▄{8,}\s*$/.test(lines[i]!)) {
      end = i;
      break;
    }
  }
  return lastBulletBlock(lines.slice(0, end), /^✦ /, /^$^/);
}

/** aider: everything after the last `> ` user line, minus the final prompt and the cost line. */
function aiderReply(lines: readonly string[]): string[] {
  const prompts = indicesWhere(lines, (l) => /^(?:[a-z][\w-]*)?> ?/.test(l));
  const current = prompts[prompts.length - 1] ?? lines.length;
  const isCurrentPrompt = current === lastNonBlank(lines);
  const end = isCurrentPrompt ? current : lines.length;
  const start = (isCurrentPrompt ? prompts[prompts.length - 2] : current) ?? -1;
  return lines.slice(start + 1, end).filter((l) => !/^Tokens: .* Cost: /.test(l));
}

/** goose: the text after the last `( O)> ` line, minus the context meter and timing lines. */
function gooseReply(lines: readonly string[]): string[] {
  const prompts = indicesWhere(lines, (l) => /^\s*(?:\( O\)>|🪿)/.test(l));
  const last = prompts[prompts.length - 1] ?? lines.length;
  const isCurrentPrompt = last === lastNonBlank(lines);
  const end = isCurrentPrompt ? last : lines.length;
  const start = (isCurrentPrompt ? prompts[prompts.length - 2] : last) ?? -1;
  return lines
    .slice(start + 1, end)
    .filter((l) => !/^Context: [○●◔◑◕]/.test(l) && !/^⏱️?\s+Elapsed time/.test(l));
}

/** Cursor agent: the block above the `→ Add a follow-up` line. */
function cursorReply(lines: readonly string[]): string[] {
  const at = indicesWhere(lines, (l) => /→ Add a follow-up/.test(l)).pop() ?? lines.length;
  return lastParagraphs(lines.slice(0, at));
}

/** OpenCode: the assistant text between the last `┃` user block and the input area. */
function opencodeReply(lines: readonly string[]): string[] {
  const input = indicesWhere(lines, (l) => /Ask anything|^\s*╹▀/.test(l)).pop() ?? lines.length;
  let end = input;
  while (end > 0 && /^\s*┃/.test(lines[end - 1]!)) end--; // the input box itself
  const userBlocks = indicesWhere(lines.slice(0, end), (l) => /^\s*┃/.test(l));
  const start = userBlocks.length > 0 ? userBlocks[userBlocks.length - 1]! : -1;
  return lines.slice(start + 1, end).map((l) => l.replace(/\s{3,}\S.*$/, '')); // drop the sidebar column
}

/** Shells and unknown programs: the output since the last prompt-looking line. */
function outputSincePrompt(lines: readonly string[]): string[] {
  const promptRe = /(?:[$#%❯➜»>]|>>>)\s?$|^\S*[$#%]\s/;
  const prompts = indicesWhere(lines, (l) => promptRe.test(l));
  const last = prompts[prompts.length - 1];
  if (last === undefined) return lastParagraphs(lines);
  const isCurrentPrompt = last === lastNonBlank(lines) && /(?:[$#%❯➜»>]|>>>)\s?$/.test(lines[last]!);
  const end = isCurrentPrompt ? last : lines.length;
  const start = isCurrentPrompt ? (prompts[prompts.length - 2] ?? -1) : last;
  return lines.slice(start + 1, end);
}

const EXTRACTORS: Readonly<Record<AgentKind, Extractor>> = {
  claude: claudeReply,
  codex: codexReply,
  gemini: geminiReply,
  aider: aiderReply,
  goose: gooseReply,
  opencode: opencodeReply,
  'cursor-agent': cursorReply,
  shell: outputSincePrompt,
  generic: outputSincePrompt,
};

/**
 * The last message that starts with `bullet` at column 0 and is not a tool item, with its
 * continuation lines (indented, or blank between indented paragraphs). The bullet and the
 * two-space hanging indent are removed.
 */
function lastBulletBlock(lines: readonly string[], bullet: RegExp, tool: RegExp): string[] {
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = lines[i]!;
    if (!bullet.test(line) || tool.test(line)) continue;
    const out = [line.replace(bullet, '')];
    for (let j = i + 1; j < lines.length; j++) {
      const next = lines[j]!;
      if (!isBlank(next) && !/^ {2}/.test(next)) break;
      if (/^\s*⎿/.test(next)) break; // a tool result under the message
      out.push(next.replace(/^ {2}/, ''));
    }
    return out;
  }
  return [];
}

/** The trailing paragraphs of plain output (no markers to go by). */
function lastParagraphs(lines: readonly string[]): string[] {
  let end = lines.length;
  while (end > 0 && isBlank(lines[end - 1])) end--;
  return lines.slice(0, end).slice(-200);
}

/** Remove frames and box-drawing rows, dedent, trim blank edges. */
function tidy(block: readonly string[]): string {
  const rows = block
    .filter((l) => !isHorizontalRule(l) && !/^\s*[╭╰┌└╔╚][─═━]*[╮╯┐┘╗╝]?\s*$/.test(l))
    .map((l) => (/^\s*[│┃║]/.test(l) ? unbox(l) : l).trimEnd());
  let start = 0;
  let end = rows.length;
  while (start < end && isBlank(rows[start])) start++;
  while (end > start && isBlank(rows[end - 1])) end--;
  const body = rows.slice(start, end);
  const indent = Math.min(...body.filter((l) => !isBlank(l)).map((l) => l.length - l.trimStart().length), Infinity);
  return body.map((l) => (Number.isFinite(indent) ? l.slice(indent) : l)).join('\n');
}

function indicesWhere(lines: readonly string[], pred: (l: string) => boolean): number[] {
  const out: number[] = [];
  lines.forEach((l, i) => {
    if (pred(l)) out.push(i);
  });
  return out;
}

function lastNonBlank(lines: readonly string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) if (!isBlank(lines[i])) return i;
  return -1;
}
