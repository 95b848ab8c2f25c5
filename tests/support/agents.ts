// End-to-end tests with the REAL agents (installed by tests/agents/install.mjs at the pinned versions, as
// `npm test` does first), run offline against the capture kit's fake model server on loopback, inside a cw
// daemon in a temporary CODEWIRE_HOME. The agent's HOME, config and folders come from its kit profile.
import { existsSync } from 'node:fs';
import { makeContext, type KitContext, type LaunchSpec } from '../agents/capture.mjs';
import { startFakeModel } from '../agents/fake-model/server.mjs';
import type { FakeModel } from '../agents/capture.mjs';
import type { EventRecord, SessionInfo } from '../../src/protocol/index.js';
import { afterAll, beforeAll } from 'vitest';
import { makeHome, waitFor, type Home } from './harness.js';

export interface AgentKit {
  ctx: KitContext;
  model: FakeModel;
  /** The launch of a fresh run (its own HOME and project folder under `name`): cw launch arguments and env. */
  spec(opts: Record<string, unknown> & { name: string }): Promise<LaunchSpec>;
  close(): Promise<void>;
}

export async function agentKit(agent: string): Promise<AgentKit> {
  const model = await startFakeModel();
  const ctx = await makeContext(agent, { model });
  if (!existsSync(ctx.bin)) throw new Error(`${agent} is not installed at ${ctx.bin}: run \`node tests/agents/install.mjs\` (npm test does)`);
  return {
    ctx,
    model,
    spec: (opts) => ctx.profile.launch(ctx, opts),
    close: async () => {
      await ctx.cleanup();
      await model.close();
    },
  };
}

/**
 * `cw launch --name NAME --dir CWD [extra] -- FILE ARGS` with the agent's environment; returns the result. The
 * session gets the caller's environment, as from a user's shell; CI sets CI=true, which turns Gemini CLI
 * (through is-in-ci) into a non-interactive run that refuses an untrusted folder, so it is set to false here,
 * as in a user's terminal.
 */
export function cwLaunch(h: Home, name: string, spec: LaunchSpec, extra: string[] = []): ReturnType<Home['cw']> {
  return h.cw(['launch', '--name', name, '--dir', spec.cwd, ...extra, '--', spec.file, ...spec.args], { env: { ...spec.env, CI: 'false' }, timeoutMs: 60_000 });
}

/** The questions every agent test asks the daemon about a session. */
export function sessionQueries(h: () => Home) {
  const status = (ref: string): Promise<SessionInfo> => h().json<SessionInfo>(['status', ref]);
  const events = async (ref: string): Promise<EventRecord[]> =>
    (await h().ok(['events', ref, '--tail', '500', '--json'])).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as EventRecord);
  /** Polls `cw status` until `pred` holds (agents start in seconds on a loaded 2-core machine). */
  const until = (ref: string, pred: (s: SessionInfo) => boolean, what: string, ms = 60_000): Promise<SessionInfo> =>
    waitFor(async () => {
      const s = await status(ref);
      return pred(s) ? s : null;
    }, what, ms, 100);
  return { status, events, until };
}

/**
 * One real agent's test file: its kit (fake model, profile) and a daemon in a temporary home, started before
 * the tests and cleaned up after them, with the session queries. Read `h` and `kit` inside tests only.
 */
export function agentSuite(agent: string): { readonly h: Home; readonly kit: AgentKit } & ReturnType<typeof sessionQueries> {
  let h: Home | undefined;
  let kit: AgentKit | undefined;
  beforeAll(async () => {
    kit = await agentKit(agent);
    h = makeHome();
    await h.ok(['start']);
  }, 120_000);
  afterAll(async () => {
    await h?.cleanup();
    await kit?.close();
  });
  return {
    get h() {
      return h!;
    },
    get kit() {
      return kit!;
    },
    ...sessionQueries(() => h!),
  };
}
