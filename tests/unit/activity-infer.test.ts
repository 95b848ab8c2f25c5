import { describe, it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, screenFixture } from '../support/fixtures.js';
import { isAgentKind } from '../../src/daemon/agents/detect.js';
import { AGENT_KINDS, type AgentKind } from '../../src/daemon/agents/index.js';
import {
  inferActivity,
  HINT_UNCONFIRMED_MS,
  HINT_WORKING_FRESH_MS,
  type Activity,
  type InferInput,
} from '../../src/daemon/activity/infer.js';
import type { ScreenSnapshot } from '../../src/daemon/screen-snapshot.js';

// Fixture format: tests/support/fixtures.ts. Every screen under tests/fixtures/screens/AGENT/ is scored here.

const FIXTURE_ROOT = join(FIXTURES, 'screens');
const NOW = 1_000_000;
const DEFAULT_QUIET_MS = 5_000;
const STATES: readonly Activity[] = ['working', 'idle', 'waiting_for_input'];

interface Fixture {
  file: string;
  agent: AgentKind;
  expect: Activity;
  input: InferInput;
  /** Where the screen comes from: `captured <version>` (the kit), `held-out`, or `recorded` (the first set). */
  origin: string;
}

function parseFixture(agent: AgentKind, file: string): Fixture {
  const { header, snapshot } = screenFixture(agent, file);
  const expectState = header.get('expect') as Activity;
  if (!STATES.includes(expectState)) throw new Error(`${agent}/${file}: bad expect ${expectState}`);
  if (!file.startsWith(`${expectState}-`)) throw new Error(`${agent}/${file}: file name must start with the expected state`);
  const quietMs = Number(header.get('quietMs') ?? DEFAULT_QUIET_MS);
  const fg = header.get('foregroundIsShell');
  const input: InferInput = {
    agent,
    screen: snapshot,
    now: NOW,
    lastOutputAt: NOW - quietMs,
    processAlive: true,
    ...(fg !== undefined ? { foregroundIsShell: fg === 'true' } : {}),
  };
  const captured = /captured from \S+ (\S+)/.exec(header.get('source') ?? '');
  const origin = captured ? `captured ${captured[1]}` : file.includes('-heldout-') ? 'held-out' : 'recorded';
  return { file, agent, expect: expectState, input, origin };
}

function loadFixtures(): Fixture[] {
  const out: Fixture[] = [];
  for (const agent of readdirSync(FIXTURE_ROOT).sort()) {
    if (!isAgentKind(agent)) throw new Error(`unknown agent directory ${agent}`);
    for (const file of readdirSync(join(FIXTURE_ROOT, agent)).sort()) {
      if (file.endsWith('.txt')) out.push(parseFixture(agent, file));
    }
  }
  return out;
}

/** Markdown accuracy table: rows = agents, columns = expected state, cells = correct/total. */
function accuracyTable(results: ReadonlyArray<{ fixture: Fixture; got: Activity }>): string {
  const head = `| agent | ${STATES.join(' | ')} | all |`;
  const rule = `|---|${STATES.map(() => '---').join('|')}|---|`;
  const rows = AGENT_KINDS.map((agent) => {
    const mine = results.filter((r) => r.fixture.agent === agent);
    const cells = STATES.map((s) => cell(mine.filter((r) => r.fixture.expect === s)));
    return `| ${agent} | ${cells.join(' | ')} | ${cell(mine)} |`;
  });
  const total = `| **all** | ${STATES.map((s) => cell(results.filter((r) => r.fixture.expect === s))).join(' | ')} | ${cell(results)} |`;
  return [head, rule, ...rows, total].join('\n');
}

/** The same by agent and origin (captured from which version, held-out, recorded). */
function originTable(results: ReadonlyArray<{ fixture: Fixture; got: Activity }>): string {
  const head = `| agent | screens | ${STATES.join(' | ')} | all |`;
  const rule = `|---|---|${STATES.map(() => '---').join('|')}|---|`;
  const rows: string[] = [];
  for (const agent of AGENT_KINDS) {
    const mine = results.filter((r) => r.fixture.agent === agent);
    for (const origin of [...new Set(mine.map((r) => r.fixture.origin))].sort()) {
      const these = mine.filter((r) => r.fixture.origin === origin);
      rows.push(`| ${agent} | ${origin} | ${STATES.map((s) => cell(these.filter((r) => r.fixture.expect === s))).join(' | ')} | ${cell(these)} |`);
    }
  }
  return [head, rule, ...rows].join('\n');
}

function cell(rs: ReadonlyArray<{ fixture: Fixture; got: Activity }>): string {
  if (rs.length === 0) return '–';
  const ok = rs.filter((r) => r.got === r.fixture.expect).length;
  return `${ok}/${rs.length} (${Math.round((100 * ok) / rs.length)}%)`;
}

describe('inferActivity on screen fixtures', () => {
  const fixtures = loadFixtures();

  it('has at least 60 fixtures covering every agent kind and, for agents, every state', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(60);
    for (const agent of AGENT_KINDS) {
      const states = new Set(fixtures.filter((f) => f.agent === agent).map((f) => f.expect));
      expect(states.size, `${agent} states`).toBe(3);
    }
  });

  for (const f of fixtures) {
    it(`${f.agent}/${f.file}`, () => {
      const got = inferActivity(f.input);
      expect(got.activity, got.reason).toBe(f.expect);
      expect(got.reason.length).toBeGreaterThan(0);
    });
  }

  it('reaches 100% accuracy (table printed below)', () => {
    const results = fixtures.map((fixture) => ({ fixture, got: inferActivity(fixture.input).activity }));
    console.log(`\nActivity accuracy on ${fixtures.length} screen fixtures\n\n${accuracyTable(results)}\n\nBy origin\n\n${originTable(results)}\n`);
    const wrong = results.filter((r) => r.got !== r.fixture.expect).map((r) => `${r.fixture.agent}/${r.fixture.file} → ${r.got}`);
    expect(wrong).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// Signal layering beyond what a single screen shows.
// ---------------------------------------------------------------------------------------------

const R = '─'.repeat(60);
const claudeIdleScreen = (extra: Partial<ScreenSnapshot> = {}): ScreenSnapshot => ({
  cols: 60,
  rows: 5,
  lines: ['⏺ Done.', '', R, '❯ ', R, '  ? for shortcuts'],
  cursor: { x: 2, y: 3 },
  title: '',
  altScreen: false,
  ...extra,
});
const base = (over: Partial<InferInput> = {}): InferInput => ({
  agent: 'claude',
  screen: claudeIdleScreen(),
  now: NOW,
  lastOutputAt: NOW - 10_000,
  processAlive: true,
  ...over,
});

describe('inferActivity signal layering', () => {
  it('reports unknown when the process is gone', () => {
    expect(inferActivity(base({ processAlive: false }))).toEqual({ activity: 'unknown', reason: 'process not running' });
  });

  it('reports unknown on an empty screen at start-up', () => {
    const r = inferActivity(base({ screen: claudeIdleScreen({ lines: ['', ''] }) }));
    expect(r.activity).toBe('unknown');
  });

  it('names the deciding signal in the reason', () => {
    expect(inferActivity(base()).reason).toBe('prompt box empty');
    const busy = claudeIdleScreen({ lines: ['⏺ x', '', R, '❯ ', R, '  ⏸ manual mode on · esc to interrupt'] });
    expect(inferActivity(base({ screen: busy })).reason).toBe('footer: "esc to interrupt"');
  });

  it('trusts a fresh working hook over an idle-looking screen only briefly', () => {
    const fresh = inferActivity(base({ hint: { activity: 'working', at: NOW - 1_000, reason: 'agent hook: test' } }));
    expect(fresh.activity).toBe('working');
    expect(fresh.reason).toMatch(/agent hook/);
    const stale = inferActivity(base({ hint: { activity: 'working', at: NOW - HINT_UNCONFIRMED_MS - 1, reason: 'agent hook: test' } }));
    expect(stale.activity).toBe('idle');
  });

  it('lets an explicit idle marker beat a working hook (interrupts fire no Stop hook)', () => {
    const screen = claudeIdleScreen({ lines: ['  ⎿  Interrupted · What should Claude do instead?', '', R, '❯ ', R, '  ? for shortcuts'] });
    expect(inferActivity(base({ screen, hint: { activity: 'working', at: NOW - 500, reason: 'agent hook: test' } })).activity).toBe('idle');
  });

  it('never calls a recognised agent idle on quiet output alone: unknown, with what was seen', () => {
    const screen = claudeIdleScreen({ lines: ['Claude Code did something new here', 'and waits quietly'] });
    const r = inferActivity(base({ screen }));
    expect(r.activity).toBe('unknown');
    expect(r.reason).toMatch(/no Claude Code ready prompt or dialog recognised \(output quiet 10s\)/);
  });

  it('takes an idle hook over a screen it cannot read, and records the disagreement', () => {
    const screen = claudeIdleScreen({ lines: ['Claude Code did something new here'] });
    const r = inferActivity(base({ screen, hint: { activity: 'idle', at: NOW - 500, reason: 'agent hook: Stop' } }));
    expect(r.activity).toBe('idle');
    expect(r.disagreement).toMatch(/no ready prompt/);
  });

  it("reads an application's own OSC 7501 state report (Codex): blocked waits, working works, idle only beside the ready prompt", () => {
    const screen = claudeIdleScreen();
    expect(inferActivity(base({ screen: { ...screen, appState: 'state=blocked:app=codex:kind=permission' } }))).toMatchObject({ activity: 'waiting_for_input', reason: 'agent state report: blocked (permission)' });
    expect(inferActivity(base({ screen: { ...screen, appState: 'state=working:app=codex' } })).activity).toBe('working');
    expect(inferActivity(base({ screen: { ...screen, appState: 'state=done:app=codex' } }))).toMatchObject({ activity: 'idle', explicit: true });
    const unknownScreen = claudeIdleScreen({ lines: ['something new'], appState: 'state=idle:app=codex' });
    expect(inferActivity(base({ screen: unknownScreen })).activity).toBe('unknown');
  });

  it('ignores hooks that are too old', () => {
    const noBox = claudeIdleScreen({ lines: ['loading…'] });
    const old = inferActivity(base({ screen: noBox, hint: { activity: 'working', at: NOW - HINT_WORKING_FRESH_MS - 1, reason: 'agent hook: test' } }));
    expect(old.activity).not.toBe('working');
  });

  it('does not let a late waiting hook override a visible idle prompt box', () => {
    expect(inferActivity(base({ hint: { activity: 'waiting_for_input', at: NOW - 100, reason: 'agent hook: test' } })).activity).toBe('idle');
  });

  it('uses a waiting hook when the screen shows no chrome it knows (an unknown dialog variant)', () => {
    const screen = claudeIdleScreen({ lines: [' Some brand new dialog', ' [a] accept   [r] reject'] });
    const r = inferActivity(base({ screen, hint: { activity: 'waiting_for_input', at: NOW - 100, reason: 'agent hook: test' } }));
    expect(r.activity).toBe('waiting_for_input');
  });

  it('keeps the previous state while an overlay covers the screen', () => {
    const screen = claudeIdleScreen({ lines: ['  ⎿  Ran 1 shell command', '', '  Showing detailed transcript · ctrl+o to toggle'] });
    const r = inferActivity(base({ screen }));
    expect(r.hold).toBe(true);
  });

  it('uses the foreground command name for shells', () => {
    const r = inferActivity({
      agent: 'shell',
      screen: claudeIdleScreen({ lines: ['$ make'] }),
      now: NOW,
      lastOutputAt: NOW - 30_000,
      processAlive: true,
      foregroundIsShell: false,
      foregroundCommand: 'make',
    });
    expect(r).toEqual({ activity: 'working', reason: 'foreground job: make' });
  });

  it('falls back to quiescence for generic programs', () => {
    const screen = claudeIdleScreen({ lines: ['step 3 of 9'] });
    const g = (quiet: number) => inferActivity({ agent: 'generic', screen, now: NOW, lastOutputAt: NOW - quiet, processAlive: true });
    expect(g(400)).toEqual({ activity: 'working', reason: 'output 0.4s ago' });
    expect(g(3_000)).toEqual({ activity: 'idle', reason: 'output quiet 3s' });
  });
});
