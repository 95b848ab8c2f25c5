// What cw knows about one agent, behind one interface: one module per agent (claude.ts, codex.ts, ...) holds
// the names that detect it, its screen rules and dialogs, its ready prompt, how to type into it, how to read
// its reply, the hooks it offers and where its transcript lives. Adding an agent is one file, its fixtures and
// a line in index.ts. Every literal in those modules is versioned data: it says which agent version it was
// checked against and where it came from, because agent UIs change every few weeks.
//
// Pure types; browser-safe.

export type AgentKind = 'claude' | 'codex' | 'gemini' | 'aider' | 'goose' | 'opencode' | 'cursor-agent' | 'shell' | 'generic';

/** The protocol's: what clients see is what the recognisers produce. */
export type { Activity } from '../../protocol/messages.js';

/** A snapshot with its lines normalised once for matching (see screen.ts prepareScreen). */
export interface Screen {
  readonly cols: number;
  readonly rows: number;
  /** Visible rows, NBSP → space (Claude pads `❯` with U+00A0), trailing blanks trimmed. */
  readonly lines: readonly string[];
  readonly cursor: { readonly x: number; readonly y: number };
  readonly title: string;
  readonly altScreen: boolean;
  readonly progress?: { readonly state: number; readonly value: number };
  readonly lastBellAt?: number;
  /** The program's own OSC 7501 state report (`state=working:app=codex`), raw. */
  readonly appState?: string;
}

/** One piece of evidence and the human text naming it. */
export interface Signal {
  readonly reason: string;
  /** Idle only: a "turn is over" marker (done line, interrupt notice) beside the ready prompt: settles faster. */
  readonly explicit?: boolean;
  /**
   * Idle only: the screen counts as the ready prompt only once output has been quiet this long (ms). For a
   * prompt an agent also draws, briefly, while it starts (Gemini's bare composer before its trust question).
   */
  readonly minQuietMs?: number;
}

/**
 * What a screen (plus its title and progress) says. Several fields may be set; infer arbitrates.
 * `idle` is POSITIVE evidence only: the agent's own ready prompt (its composer, empty or holding a draft) is on
 * the live screen. A screen the rules do not recognise sets nothing, and infer reports `unknown`.
 */
export interface Reading {
  waiting?: Signal;
  working?: Signal;
  idle?: Signal;
  /** An overlay (transcript viewer, search, model picker) hides the live UI: keep the previous state. */
  hold?: Signal;
  /**
   * Line index of the agent's input chrome (composer, prompt box) when the rules found it, in any state. The
   * general dialog recogniser looks only below it: a dialog above the composer is quoted history.
   */
  composerAt?: number;
}

/** Window-title rules: titles are designed as state indicators and survive custom status lines. */
export interface TitleRules {
  readonly working?: RegExp;
  readonly waiting?: RegExp;
  /**
   * A title that says "idle". Never evidence of a ready prompt on its own (Gemini sets "Ready" before it draws
   * its trust question); infer uses it only beside a composer the screen rules found.
   */
  readonly idle?: RegExp;
}

/** The latest turn's reply, or why there is none. */
export type Reply =
  | { readonly ok: true; readonly text: string; readonly source: 'hook' | 'transcript' | 'screen' }
  | { readonly ok: false; readonly why: string };

/** What a hook call (or a notify call) tells cw, already interpreted by the agent's module. */
export interface HookSignal {
  /** The activity the event implies, when it implies one. */
  readonly activity?: 'working' | 'idle' | 'waiting_for_input';
  /** Short text for the reason (`agent hook: Stop`). */
  readonly reason: string;
  /** The agent's own conversation id (Claude session_id, Codex thread-id, ...). */
  readonly conversationId?: string;
  readonly transcriptPath?: string;
  /** The reply of the turn that just ended, as the agent gave it. */
  readonly lastMessage?: string;
  /** A new turn started (a prompt was submitted): an earlier lastMessage no longer answers the latest turn. */
  readonly turnStarted?: boolean;
  /** The agent says its session ended. */
  readonly ended?: boolean;
  /**
   * This event cannot switch the conversation (only the agent's SessionStart can: /clear, a fork): its id only
   * fills in an unknown one. Async hooks arrive out of order, and a late Stop of the conversation before a
   * /clear would otherwise switch cw back to it.
   */
  readonly keepsConversation?: boolean;
}

/** What to add to one launch so the agent reports to `cw hook` (never by editing the user's files). */
export interface HookWiring {
  /** The command line with the agent's own options added (same program, same user arguments). */
  readonly argv: readonly string[];
  /** Environment added for this run. */
  readonly env: Readonly<Record<string, string>>;
  /** Files to write first (in the session's private folder). */
  readonly files: readonly { readonly path: string; readonly content: string }[];
  /** One line for the README/status: what was added and why. */
  readonly summary: string;
}

export interface HookWiringInput {
  /** The launch command line. */
  readonly argv: readonly string[];
  /** Index in argv of the agent's own program word, when detection found it as a plain argument (not inside `sh -c`). */
  readonly programIndex: number | undefined;
  /** The command that runs `cw hook KIND` (absolute node and script paths), as argv. */
  readonly hookCommand: readonly string[];
  /** A private (0700) folder of this session for files the wiring needs. */
  readonly dir: string;
  /** The session's environment (to merge with a value the user already set). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly home: string;
}

/** Where an agent keeps the conversation of one session, as its hooks told cw. */
export interface ConversationRef {
  readonly conversationId?: string;
  readonly transcriptPath?: string;
  readonly cwd: string;
  readonly home: string;
  /** Epoch ms the session started: transcripts older than this belong to other runs. */
  readonly startedAt: number;
}

/**
 * Resuming the agent's own conversation in a new run (`cw restart`, a restart policy, a lost session revived).
 * `programIndex` is where the agent's program word is in argv (agentProgramIndex); options go after it.
 */
export interface ResumeSupport {
  /** The conversation the command line picks itself (`--resume X`, `--session-id X`), when it names one. */
  named(argv: readonly string[], programIndex: number): string | undefined;
  /**
   * For a fresh run: argv with an option that fixes its conversation id from the start (Claude Code:
   * `--session-id`), so cw knows it before any hook; undefined when the command line already picks one or is
   * not a conversation (a subcommand).
   */
  assign?(argv: readonly string[], programIndex: number, newId: string): string[] | undefined;
  /** argv that resumes `conversationId`: the same program and options, without earlier options that pick a conversation. */
  resumeArgs(argv: readonly string[], programIndex: number, conversationId: string): string[];
  /** argv for a new conversation: the options that pick one removed. */
  freshArgs(argv: readonly string[], programIndex: number): string[];
  /**
   * Why this conversation cannot be resumed, or undefined when it can (Claude Code: no transcript yet, so no turn
   * was taken and `--resume` would fail). `env` is the session's environment (HOME, the agent's config dir).
   */
  unresumable?(ref: ConversationRef, env: Readonly<Record<string, string | undefined>>): string | undefined;
}

export interface AgentProfile {
  readonly kind: AgentKind;
  /** Human name and the versions these rules were last checked against (and how). */
  readonly label: string;
  readonly checked: string;
  /** Executable basenames and npm/PyPI package names that identify it. */
  readonly names: readonly string[];
  /** Path fragments that identify it when started as `node <script>` (npm keeps the package name in the path). */
  readonly pathFragments?: readonly string[];
  readonly title: TitleRules;
  /** Reads the visible screen through the agent's own regions. */
  read(screen: Screen): Reading;
  /**
   * True for line-oriented REPL agents (aider, goose) with no busy marker while streaming or running tools:
   * anything that is neither their prompt nor a confirm on the last line is work.
   */
  readonly busyUnlessPrompt?: boolean;
  /** True for agents cw may type notices into (never shells or unknown programs: typed text would run). */
  readonly typesNotices: boolean;
  /**
   * Pause between the end of a paste and Enter, in ms: some TUIs take keys arriving in the same burst as a
   * paste for part of it and drop the Enter.
   */
  readonly submitDelayMs: number;
  /** True when the ready prompt holds nothing typed (a greyed suggestion does not count). */
  composerEmpty(screen: Screen): boolean;
  /** The latest turn's reply from scrollback + screen (top to bottom), or why there is none. */
  replyFromScreen(lines: readonly string[]): Reply;
  /** Hooks or notify for one run; absent when the agent offers none cw can use. */
  readonly hooks?: {
    /** The wiring, or why there is none here (`cw status` shows it); undefined: nothing to say. */
    wire(input: HookWiringInput): HookWiring | { readonly unavailable: string } | undefined;
    /** `event` is what `cw hook KIND EVENT` was called with (may be empty: Codex's notify has only a payload). */
    interpret(event: string, payload: unknown): HookSignal | undefined;
  };
  /** The latest turn's reply from the agent's own transcript, exactly, when cw knows where it is. */
  transcriptReply?(ref: ConversationRef): Promise<Reply | undefined>;
  /** How to resume its conversation in a new run; absent: a restart runs the same command again. */
  readonly resume?: ResumeSupport;
}
