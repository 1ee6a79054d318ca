// Probabilistic early refresh ("XFetch", Vattani et al., VLDB 2015): each reader of a fresh entry
// refreshes it early with a probability that rises as expiry nears and with how long a reload takes
// (delta). Hot keys are then usually rebuilt by one reader *before* they expire, so no stampede starts.
//   refresh early when  now − delta · beta · ln(random())  ≥  expiry      (ln(random()) ≤ 0)
export function shouldRefreshEarly(now: number, expiresAt: number, deltaMs: number, beta = 1, random: () => number = Math.random): boolean {
  if (deltaMs <= 0 || beta <= 0) return false;
  return now - deltaMs * beta * Math.log(Math.max(random(), Number.MIN_VALUE)) >= expiresAt;
}
