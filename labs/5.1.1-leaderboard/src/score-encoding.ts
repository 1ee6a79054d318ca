// Tie-breaking by "who reached the score first", inside one sorted-set score.
//
// Redis orders equal scores by member name, which is not fair in a game. So the stored score packs
// two numbers into one double:
//
//     stored = score × 2^27 + (2^27 − 1 − seq)
//
// `seq` comes from INCR on a per-board counter each time a member reaches a new score. A higher score
// always wins (it moves the stored value by at least 2^27); for equal scores, the earlier seq leaves a
// larger remainder, so it sorts first in a descending leaderboard. A double holds integers exactly up
// to 2^53, which leaves 53 − 27 = 26 bits for the score: integers within ±2^25 (±33,554,431), and
// 2^27 (134 million) score changes per board before the counter runs out.

/** 2^27: the room left for the sequence under each score point. */
export const SEQ_SPACE = 2 ** 27;
/** Largest |score| that still encodes exactly. */
export const MAX_SCORE = 2 ** 25 - 1;

export type TieBreak = 'first-reached' | 'lexical';

export function encodeScore(score: number, seq: number): number {
  return score * SEQ_SPACE + (SEQ_SPACE - 1 - seq);
}

export function decodeScore(stored: number): number {
  return Math.floor(stored / SEQ_SPACE);
}

/** Stored-score bounds that cover every entry whose real score is within [min, max]. */
export function storedRange(min: number, max: number): [number, number] {
  return [min * SEQ_SPACE, max * SEQ_SPACE + SEQ_SPACE - 1];
}
