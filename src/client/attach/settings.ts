// `cw attach`'s settings: its options over config.toml [attach] over the defaults.
import type { AttachConfig } from '../../common/config.js';
import { usage } from '../../channel/errors.js';
import { DEFAULT_PREFIX, parsePrefix, type Prefix } from './prefix.js';

export type SizePolicy = 'latest' | 'smallest';

export interface AttachSettings {
  prefix: Prefix;
  /** Show the one-line notice on attach. */
  notice: boolean;
  sizePolicy: SizePolicy;
  /** cw takes the mouse wheel (for the scrollback view) while the program has not asked for the mouse. */
  mouse: boolean;
  /** A local attach writes keystrokes straight into the session's pty (direct-input.ts) when the daemon lets it. */
  directInput: boolean;
}

export interface AttachOptions {
  prefix?: string;
  quiet?: boolean;
  sizePolicy?: string;
  mouse?: boolean;
}

/** Throws a usage error (exit 2) naming where a bad value came from. */
export function attachSettings(o: AttachOptions, cfg: AttachConfig = {}): AttachSettings {
  const prefixText = o.prefix ?? cfg.prefix;
  let prefix = DEFAULT_PREFIX;
  if (prefixText !== undefined) {
    const p = parsePrefix(prefixText);
    const where = o.prefix !== undefined ? '--prefix' : 'config.toml [attach] prefix';
    if (!p) throw usage(`${where}: '${prefixText}' is not a control key`, 'write it as C-a or ^a (a letter, or one of [ \\ ] ^ _)');
    prefix = p;
  }
  const policy = o.sizePolicy ?? cfg.size ?? 'latest';
  if (policy !== 'latest' && policy !== 'smallest') throw usage(`--size-policy: '${policy}' is not latest or smallest`, 'latest: the client that typed last sets the size; smallest: the size fits every client');
  return {
    prefix,
    notice: o.quiet ? false : (cfg.notice ?? true),
    sizePolicy: policy,
    mouse: o.mouse === false ? false : (cfg.mouse ?? true),
    directInput: cfg.direct_input ?? true,
  };
}
