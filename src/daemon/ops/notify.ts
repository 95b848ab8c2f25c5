// Notification ops: `cw notify test`, one test notification through every channel [notify] configures.
import { ErrorCode } from '../../protocol/index.js';
import { CwError } from '../errors.js';
import type { DaemonContext, Family } from './types.js';

export type NotifyOp = 'notify-test';

export function notifyOps(ctx: DaemonContext): Family<NotifyOp> {
  return {
    'notify-test': async () => {
      if (!ctx.notifier) throw new CwError(ErrorCode.INTERNAL, 'this daemon sends no notifications', 'run `cw daemon restart`');
      return { channels: await ctx.notifier.test() };
    },
  };
}
