// The `launch` request that `cw launch` and the MCP server's launch tool send: what the caller asks for, plus where
// it is launched from. One place, so the two cannot drift (a launch from an agent's MCP server starts a session
// exactly as the same launch from its shell would). The checks that refuse a launch are in channel/launch-check.ts.
import { resolve } from 'node:path';
import type { OpArgsOf } from '../protocol/messages.js';

/** A launch as a person or an agent asks for it: the op's arguments, with `dir` as given (maybe relative) instead of the session's cwd. */
export type LaunchRequest = Omit<OpArgsOf<'launch'>, 'cwd' | 'baseEnv' | 'term'> & { dir?: string };

/** The launching process: its environment and working directory. */
export interface LaunchOrigin {
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/**
 * The op's arguments. On the daemon's own machine the session starts as if from the caller's shell: its
 * environment, its TERM, and `dir` resolved against its directory (default: that directory). On another machine
 * (`remote`) those mean nothing: the daemon's environment and home are used there, and `dir` goes as given.
 */
export function launchArgs(req: LaunchRequest, remote: boolean, here: LaunchOrigin = { env: process.env, cwd: process.cwd() }): OpArgsOf<'launch'> {
  const { dir, ...args } = req;
  if (remote) return { ...args, ...(dir !== undefined ? { cwd: dir } : {}) };
  const baseEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(here.env)) if (v !== undefined) baseEnv[k] = v;
  return { ...args, cwd: resolve(here.cwd, dir ?? '.'), baseEnv, ...(here.env.TERM ? { term: here.env.TERM } : {}) };
}
