// `cw launch --prompt`: the prompt is held until the agent's own ready prompt is on screen, through any number of
// start-up dialogs (trust, API key, model notices) answered by a person, `cw send` or the dashboard, then typed
// as `cw send` would. It is never typed into a dialog (the trust dialog's default answer is "No, exit") and never
// dropped silently: a prompt that cannot be delivered (a dialog open past the timeout, the agent gone) is an
// event and shows in `cw status`.
import type { PromptState } from '../protocol/index.js';
import { agentProfile } from './agents/index.js';
import { prepareScreen } from './agents/screen.js';
import { readyToType, typeInto } from './input.js';
import { PROMPT_CONFIRM_MS, PROMPT_HOLD_DEFAULT_MS } from './limits.js';
import type { Registry } from './registry.js';
import type { Session } from './session.js';

/** A session that looked idle but was not ready (a draft, a race with a redraw) is looked at again after this. */
const PROMPT_RETRY_MS = 500;

/** How `launch --wait-ready` ends: typed in, failed, or held by a dialog that needs a person. */
export type PromptOutcome = { state: 'submitted' } | { state: 'failed'; why: string } | { state: 'held'; why: string };

/**
 * Holds `text` until the agent is ready, then types it. Resolves when it was typed or failed; `onHeld` is told
 * (every time) when a dialog that needs a person holds it, for `--wait-ready`.
 */
export function holdPrompt(registry: Registry, s: Session, text: string, timeoutMs = PROMPT_HOLD_DEFAULT_MS, onHeld?: (why: string) => void): Promise<PromptOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    let typing = false;
    let retry: NodeJS.Timeout | null = null;
    let heldSince: string | null = null;
    const set = (state: PromptState['state'], detail: string | null): void => {
      s.prompt = { state, since: new Date().toISOString(), detail };
      registry.events.emit('prompt', s);
    };
    const finish = (outcome: PromptOutcome): void => {
      if (settled) return;
      settled = true;
      s.heldPrompt = null;
      clearTimeout(timer);
      if (retry) clearTimeout(retry);
      registry.events.off('activity', onActivity);
      registry.events.off('ended', onEnded);
      resolve(outcome);
    };
    const fail = (why: string): void => {
      set('failed', why);
      registry.recordEvent(s.id, 'prompt.failed', { reason: why });
      finish({ state: 'failed', why });
    };
    const check = async (): Promise<void> => {
      if (settled || typing) return;
      if (!s.running) return fail('the agent ended before its ready prompt appeared; the prompt was not typed');
      const a = s.row.activity;
      if (a === 'waiting_for_input') {
        // A dialog needs a person first. Say so once per dialog; `--wait-ready` returns here (the prompt stays held).
        if (heldSince !== s.row.activitySince) {
          heldSince = s.row.activitySince;
          set('pending', `held: ${s.row.activityReason ?? 'a dialog is open'}`);
          registry.recordEvent(s.id, 'prompt.held', { reason: s.row.activityReason });
        }
        onHeld?.(s.row.activityReason ?? 'a dialog is open');
        return;
      }
      if (a !== 'idle') return; // working, starting, unknown: wait for the next activity change
      typing = true;
      try {
        const r = await readyToType(s, 'prompt');
        if (!r.ready) {
          retry = setTimeout(() => void check(), PROMPT_RETRY_MS);
          return;
        }
        await typeInto(s, { text: Buffer.from(text), enter: true });
        set('submitted', null);
        registry.recordEvent(s.id, 'prompt.submitted', { bytes: Buffer.byteLength(text) });
        finish({ state: 'submitted' });
        void confirm(registry, s);
      } catch (err) {
        fail(`typing failed: ${(err as Error).message}`);
      } finally {
        typing = false;
      }
    };
    const onActivity = (x: Session): void => {
      if (x === s) void check();
    };
    const onEnded = (x: Session): void => {
      if (x === s) void check();
    };
    const timer = setTimeout(() => {
      const now = s.row.activity === 'waiting_for_input' ? `a dialog stayed open (${s.row.activityReason})` : `the agent was ${s.row.activity.replace(/_/g, ' ')} (${s.row.activityReason})`;
      fail(`not typed within ${Math.round(timeoutMs / 1000)}s: ${now}`);
    }, timeoutMs);
    timer.unref();
    registry.events.on('activity', onActivity);
    registry.events.on('ended', onEnded);
    s.heldPrompt = { text, deadline: Date.now() + timeoutMs };
    set('pending', 'waiting for the ready prompt');
    registry.recordEvent(s.id, 'prompt.pending', { bytes: Buffer.byteLength(text) });
    void check();
  });
}

/**
 * Some TUIs drop an Enter that arrives with a paste. If the agent is still at its ready prompt with our text in
 * it a few seconds later (no hook, no busy screen), press Enter once more; never more than once.
 */
async function confirm(registry: Registry, s: Session): Promise<void> {
  const submittedAt = Date.now();
  await new Promise((r) => setTimeout(r, PROMPT_CONFIRM_MS).unref());
  if (!s.running || s.signals.turnStartedAt >= submittedAt) return;
  const now = await s.activity?.sampleNow();
  const snap = s.activity?.lastSnapshot;
  if (now?.activity !== 'idle' || !snap || s.row.activitySince === null || Date.parse(s.row.activitySince) > submittedAt) return;
  if (agentProfile(s.row.agent).composerEmpty(prepareScreen(snap))) return;
  s.write('\r');
  registry.recordEvent(s.id, 'prompt.resubmitted', { reason: 'the text still sat in the prompt: Enter again' });
}
