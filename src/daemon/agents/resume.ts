// Command-line surgery for resuming an agent's conversation (`cw restart`): each agent module says which of its
// options pick a conversation; these helpers find, remove and add them. Pure: argv in, argv out.

/** The options of one agent that pick a conversation, by how they take their value. */
export interface ConversationOptions {
  /** Options without a value (`--continue`, `-c`). */
  readonly flags: readonly string[];
  /** Options with a required value (`--session-id X`, `--session=X`). */
  readonly withValue: readonly string[];
  /** Options whose value is optional (Claude Code `--resume [value]`): the next word is theirs unless it is an option. */
  readonly optionalValue?: readonly string[];
}

/** One option found in argv: where it starts, how many words it takes, and its value. */
interface Found {
  readonly at: number;
  readonly words: number;
  readonly name: string;
  readonly value: string | undefined;
}

/**
 * The conversation options after the agent's program word, up to a `--` (after it, words are the program's
 * arguments, never options). `--name=value` counts as one word.
 */
function find(argv: readonly string[], programIndex: number, opts: ConversationOptions): Found[] {
  const out: Found[] = [];
  for (let i = programIndex + 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    const eq = a.startsWith('--') ? a.indexOf('=') : -1;
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (opts.flags.includes(a)) {
      out.push({ at: i, words: 1, name: a, value: undefined });
    } else if (opts.withValue.includes(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[i + 1];
      const words = eq > 0 ? 1 : Math.min(2, argv.length - i);
      out.push({ at: i, words, name, value });
      i += words - 1;
    } else if (opts.optionalValue?.includes(name)) {
      const next = argv[i + 1];
      const takesNext = eq < 0 && next !== undefined && next !== '--' && !next.startsWith('-');
      out.push({ at: i, words: takesNext ? 2 : 1, name, value: eq > 0 ? a.slice(eq + 1) : takesNext ? next : undefined });
      if (takesNext) i++;
    }
  }
  return out;
}

/** argv without the options that pick a conversation (the program word and everything else kept, in order). */
export function withoutOptions(argv: readonly string[], programIndex: number, opts: ConversationOptions): string[] {
  const drop = new Set<number>();
  for (const f of find(argv, programIndex, opts)) for (let k = 0; k < f.words; k++) drop.add(f.at + k);
  return argv.filter((_, i) => !drop.has(i));
}

/** The value of the last of `names` in argv (the one the agent obeys), if it has one. */
export function optionValue(argv: readonly string[], programIndex: number, opts: ConversationOptions, names: readonly string[]): string | undefined {
  const hits = find(argv, programIndex, opts).filter((f) => names.includes(f.name));
  return hits[hits.length - 1]?.value;
}

/** True when any of the options appears. */
export function hasOption(argv: readonly string[], programIndex: number, opts: ConversationOptions): boolean {
  return find(argv, programIndex, opts).length > 0;
}

/** argv with `words` inserted right after the program word. */
export function afterProgram(argv: readonly string[], programIndex: number, words: readonly string[]): string[] {
  return [...argv.slice(0, programIndex + 1), ...words, ...argv.slice(programIndex + 1)];
}

/** A UUID in its canonical text form (what Claude Code's --session-id and Gemini CLI's --resume take). */
export const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The conversation a session is in after one hook signal: a new id from the agent switches it (and forgets a
 * transcript the signal does not name, which belonged to the old one), unless the event cannot switch it
 * (HookSignal.keepsConversation) and one is known already.
 */
export function followConversation(
  known: { readonly conversationId: string | null; readonly transcriptPath: string | null },
  signal: { readonly conversationId?: string; readonly transcriptPath?: string; readonly keepsConversation?: boolean },
): { conversationId: string | null; transcriptPath: string | null } {
  const switches = signal.conversationId !== undefined && signal.conversationId !== known.conversationId;
  if (switches && signal.keepsConversation && known.conversationId !== null) return { conversationId: known.conversationId, transcriptPath: known.transcriptPath };
  return {
    conversationId: signal.conversationId ?? known.conversationId,
    transcriptPath: signal.transcriptPath ?? (switches ? null : known.transcriptPath),
  };
}
