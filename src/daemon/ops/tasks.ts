// Scheduled prompt ops (`cw task`): add, ls, rm, run, runs. Argument checks and reply shapes; the work is
// task-service.ts's. Anyone who reaches the daemon may use them, as launch (auth.ts).
import { OpArgs, parseArgs } from '../../protocol/index.js';
import type { DaemonContext, Family } from './types.js';

export type TaskOp = 'task-add' | 'task-ls' | 'task-rm' | 'task-run' | 'task-runs';

export function taskOps(ctx: DaemonContext): Family<TaskOp> {
  const { tasks } = ctx;
  return {
    'task-add': (_c, raw) => ({ task: tasks.add(raw) }),

    'task-ls': (_c, raw) => {
      parseArgs(OpArgs['task-ls'], 'task-ls', raw);
      return { tasks: tasks.list() };
    },

    'task-rm': (_c, raw) => {
      const a = parseArgs(OpArgs['task-rm'], 'task-rm', raw);
      tasks.remove(a.name);
      return { removed: a.name };
    },

    // With `wait`, the reply comes at the first of: typed in, failed, skipped, or held by a dialog.
    'task-run': async (_c, raw) => {
      const a = parseArgs(OpArgs['task-run'], 'task-run', raw);
      const started = tasks.runNow(a.name);
      return { run: a.wait ? { ...(await started.firstOutcome) } : { ...started.run } };
    },

    'task-runs': (_c, raw) => {
      const a = parseArgs(OpArgs['task-runs'], 'task-runs', raw);
      return { runs: tasks.runs(a.name, a.limit) };
    },
  };
}
