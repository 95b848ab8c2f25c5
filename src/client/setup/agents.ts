// The agents `cw setup` configures, by the name given on the command line.
import type { AgentSetup } from './agent.js';
import { claude } from './claude.js';
import { codex } from './codex.js';
import { gemini } from './gemini.js';
import { opencode } from './opencode.js';

export const AGENTS: Readonly<Record<string, AgentSetup>> = { claude, codex, gemini, opencode };
