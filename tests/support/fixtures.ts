// Reading the recorded fixtures: screens (tests/fixtures/screens/AGENT/STATE-NAME.txt), hook payloads and
// transcripts. One reader for the accuracy test and every agent's unit test.
//
// Screen format: `key: value` header lines, a `---` line, then the visible rows verbatim. Keys: cols, rows,
// title, expect, and optionally altScreen, progress (`state;value`), osc7501 (the program's own state report),
// cursor (`x,y`; default: end of the last non-blank row), quietMs (time since the last output; default 5000),
// foregroundIsShell, source and note (provenance).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { prepareScreen } from '../../src/daemon/agents/screen.js';
import type { Screen } from '../../src/daemon/agents/types.js';
import type { ScreenSnapshot } from '../../src/daemon/screen-snapshot.js';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');

export interface ScreenFixture {
  header: Map<string, string>;
  snapshot: ScreenSnapshot;
}

export function screenFixture(agent: string, file: string): ScreenFixture {
  const text = readFileSync(join(FIXTURES, 'screens', agent, file), 'utf8');
  const sep = text.indexOf('\n---\n');
  if (sep < 0) throw new Error(`${agent}/${file}: missing --- separator`);
  const header = new Map<string, string>();
  for (const line of text.slice(0, sep).split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) header.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  const lines = text.slice(sep + 5).replace(/\n$/, '').split('\n');
  const progress = header.get('progress');
  const app = header.get('osc7501');
  const snapshot: ScreenSnapshot = {
    cols: Number(header.get('cols') ?? 80),
    rows: Math.max(Number(header.get('rows') ?? 0), lines.length),
    lines,
    cursor: parseCursor(header.get('cursor'), lines),
    title: header.get('title') ?? '',
    altScreen: header.get('altScreen') === 'true',
    ...(progress ? { progress: { state: Number(progress.split(';')[0]), value: Number(progress.split(';')[1] ?? 0) } } : {}),
    ...(app && app !== '(none)' ? { appState: app } : {}),
  };
  return { header, snapshot };
}

/** A captured screen as the agent rules see it (NBSP → space, trailing blanks trimmed). */
export function screenOf(agent: string, file: string): Screen {
  return prepareScreen(screenFixture(agent, file).snapshot);
}

export function hookPayload(agent: string, name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(FIXTURES, 'hooks', agent, `${name}.json`), 'utf8')) as Record<string, unknown>;
}

export function transcriptText(agent: string, name: string): string {
  return readFileSync(join(FIXTURES, 'transcripts', agent, name), 'utf8');
}

function parseCursor(spec: string | undefined, lines: readonly string[]): { x: number; y: number } {
  if (spec) {
    const [x, y] = spec.split(',').map(Number);
    return { x: x ?? 0, y: y ?? 0 };
  }
  for (let y = lines.length - 1; y >= 0; y--) {
    if (lines[y]!.trim() !== '') return { x: lines[y]!.length, y };
  }
  return { x: 0, y: 0 };
}
