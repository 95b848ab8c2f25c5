// Small helpers shared by the agents' hook wiring. Pure.

/** POSIX shell quoting of one word: agents run hook commands through `sh -c`. */
export function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function shellCommand(argv: readonly string[]): string {
  return argv.map(shellWord).join(' ');
}

/** A string field of a hook payload, or undefined. */
export function field(payload: unknown, key: string): string | undefined {
  const v = (payload as Record<string, unknown> | null)?.[key];
  return typeof v === 'string' ? v : undefined;
}
