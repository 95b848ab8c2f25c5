// An activity reason as the card shows it. The daemon writes the reason once, when the activity changes, and
// some reasons carry the time since the output then ("no prompt on the last line (output 3s ago)"): on a card
// that stays up, that number goes stale beside the card's own live "output … ago". Pure: unit-tested.

/** A duration as the daemon's reasons write it (activity/infer.ts `ago`): 0.4s, 3s, 2m 5s. */
const DURATION = String.raw`(?:\d+m )?\d+(?:\.\d+)?s`;

/** The reason without the frozen durations: the card shows the live output time next to it. */
export function timelessReason(reason: string): string {
  return reason
    .replace(new RegExp(String.raw`\s*\((?:output )?${DURATION} ago\)`, 'g'), '')
    .replace(new RegExp(String.raw`\(${DURATION} ago; `, 'g'), '(')
    .replace(new RegExp(String.raw`output ${DURATION} ago`, 'g'), 'recent output')
    .replace(new RegExp(String.raw`output quiet ${DURATION}`, 'g'), 'output quiet')
    .trim();
}
