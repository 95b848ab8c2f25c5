// Types for the capture kit, for the end-to-end tests written in TypeScript.
export interface FakeModel {
  url: string;
  port: number;
  requests: Array<{ method: string; path: string; body: unknown }>;
  close(): Promise<void>;
}
export interface LaunchSpec {
  file: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
}
export interface KitContext {
  agent: string;
  bin: string;
  version: string;
  model: FakeModel;
  root: string;
  profile: { launch(ctx: KitContext, opts?: Record<string, unknown>): Promise<LaunchSpec>; packageName: string };
  dirs(name: string): { home: string; work: string };
  cleanup(): Promise<void>;
}
export function makeContext(agent: string, opts: { model: FakeModel; out?: string; keep?: boolean; log?: (l: string) => void }): Promise<KitContext>;
