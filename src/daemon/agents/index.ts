// Every agent cw knows, by kind. One module per agent holds all that cw knows about it (types.ts says what);
// adding an agent is one file, its fixtures under tests/fixtures/screens/KIND/, and a line here.
import type { AgentKind, AgentProfile } from './types.js';
import { claude } from './claude.js';
import { codex } from './codex.js';
import { gemini } from './gemini.js';
import { aider } from './aider.js';
import { goose } from './goose.js';
import { opencode } from './opencode.js';
import { cursorAgent } from './cursor-agent.js';
import { generic, shell } from './shell.js';

export type { Activity, AgentKind, AgentProfile } from './types.js';

export const AGENTS: Readonly<Record<AgentKind, AgentProfile>> = {
  claude,
  codex,
  gemini,
  aider,
  goose,
  opencode,
  'cursor-agent': cursorAgent,
  shell,
  generic,
};

/** In the order `cw launch --agent` lists them. */
export const AGENT_KINDS: readonly AgentKind[] = ['claude', 'codex', 'gemini', 'aider', 'goose', 'opencode', 'cursor-agent', 'shell', 'generic'];

/** The profile of a kind as stored (unknown strings from old databases read as generic). */
export function agentProfile(kind: string): AgentProfile {
  return (AGENTS as Record<string, AgentProfile>)[kind] ?? generic;
}

/** A recognised agent (not a shell or an unknown program): cw may type prompts and notices into it. */
export function isAgent(kind: string): boolean {
  return agentProfile(kind).typesNotices;
}
