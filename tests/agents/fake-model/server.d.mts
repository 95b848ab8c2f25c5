import type { FakeModel } from '../capture.d.mts';
export function startFakeModel(opts?: { port?: number; log?: (line: string) => void }): Promise<FakeModel>;
