import { describe, it, expect } from 'vitest';
import { findDialog } from '../../src/daemon/agents/dialog.js';
import { prepareScreen } from '../../src/daemon/agents/screen.js';
import { inferActivity } from '../../src/daemon/activity/infer.js';
import type { ScreenSnapshot } from '../../src/daemon/screen-snapshot.js';

const snap = (lines: string[], cursor?: { x: number; y: number }): ScreenSnapshot => ({
  cols: 80,
  rows: Math.max(lines.length, 10),
  lines,
  cursor: cursor ?? { x: 0, y: lines.length - 1 },
  title: '',
  altScreen: false,
});
const dialog = (lines: string[], after = -1) => findDialog(prepareScreen(snap(lines)), after);
const R = '─'.repeat(60);

describe('the general dialog recogniser', () => {
  it('finds an unnumbered selection list with a question and a confirmation footer (Claude 2.1.332 API-key dialog)', () => {
    const d = dialog(['  Detected a custom API key in your environment', '', '  Do you want to use this API key?', '', '    Yes', '  ❯ No (recommended)', '', '  Enter to confirm · Esc to cancel']);
    expect(d?.reason).toBe('dialog: "Do you want to use this API key?" (2 options, confirmation hint)');
  });

  it('finds numbered choices with a `›` cursor and no hint it knows', () => {
    const d = dialog(['  Trust this folder? Codex can read, edit, and run files here.', '', '› 1. Trust and continue', '  2. Back to Agent Command Center', '', '  enter continue · esc back']);
    expect(d?.reason).toBe('dialog: "Trust this folder?" (2 options, confirmation hint)');
  });

  it('finds a notice that only has a confirmation footer', () => {
    expect(dialog(['  Claude Code has switched to the new model.', '', '  Enter to continue · Esc to cancel'])?.reason).toMatch(/confirmation footer/);
  });

  it('finds a y/n question on the last line', () => {
    expect(dialog(['Overwrite config.json? (y/n)'])?.reason).toMatch(/question on the last line/);
  });

  it('ignores a dialog quoted in the transcript above the live composer (both ways)', () => {
    const lines = ['● The dialog said:', '  Do you want to proceed?', '  ❯ 1. Yes', '    2. No', '', R, '❯ ', R, '  ? for shortcuts'];
    const composerAt = lines.indexOf(R);
    expect(dialog(lines, composerAt)).toBeUndefined();
    expect(dialog(lines.slice(0, 4))).toBeDefined();
  });

  it('does not take a status widget of radio rows for a dialog (Claude agent selector under the footer)', () => {
    expect(dialog(['  ⏵⏵ auto mode on · esc to interrupt', '  Running 2 agents…', '  ● main', '  ◯ general-purpose'])).toBeUndefined();
  });

  it('does not take a single cursor line for a list (a composer with a draft)', () => {
    expect(dialog(['› 1. refactor the parser', '', '  gpt-5.5 · ~/proj'])).toBeUndefined();
  });

  it('makes a recognised agent waiting_for_input on a dialog its own rules do not know, never idle', () => {
    const lines = ['  Pick a theme for Claude Code', '', '  ❯ Dark mode', '    Light mode', '    Colorblind-friendly', '', '  Enter to select · Esc to cancel'];
    const r = inferActivity({ agent: 'claude', screen: snap(lines), now: 10_000, lastOutputAt: 0, processAlive: true });
    expect(r.activity).toBe('waiting_for_input');
  });

  it('makes a generic program waiting once its selection list stops changing', () => {
    const lines = ['? Which package manager do you want to use?', '❯ npm', '  pnpm', '  yarn'];
    const quiet = inferActivity({ agent: 'generic', screen: snap(lines), now: 10_000, lastOutputAt: 0, processAlive: true });
    expect(quiet.activity).toBe('waiting_for_input');
    const drawing = inferActivity({ agent: 'generic', screen: snap(lines), now: 10_000, lastOutputAt: 9_900, processAlive: true });
    expect(drawing.activity).toBe('working');
  });
});
