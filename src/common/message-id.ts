// Message ids as people and scripts see them: `msg:12`. A colon never appears in a session name
// ([a-zA-Z0-9._-]), so an id can never be read as a session: with sessions named m1 and m2, the old `m2`
// made `cw status m1` say "waits on m2 request to m2".

/** The id of message number n, as every output shows it. */
export function formatMessageId(n: number): string {
  return `msg:${n}`;
}

/**
 * The number of a message id, or null. Where only a message id is taken (`cw reply`, `cw work done`), the bare
 * number, `#12` and the old `m12` are unambiguous too, so ids copied from older output keep working.
 */
export function parseMessageIdNumber(ref: string): number | null {
  const m = /^(?:msg:|#|m)?(\d{1,15})$/.exec(ref.trim());
  return m ? Number(m[1]) : null;
}
