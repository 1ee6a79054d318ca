import { NotImplementedError } from '../../shared/errors';

// The leaderboards' arithmetic, kept pure so it can be graded on its own.

export interface RankingRules {
  /** A book needs this many reviews to be on the top-rated board. */
  minReviews: number;
  /** Bayesian prior: weight (in reviews) and mean rating every book starts from. */
  priorWeight: number;
  priorMean: number;
}

export const DEFAULT_RANKING: RankingRules = { minReviews: 5, priorWeight: 10, priorMean: 3.5 };

/**
 * Exercise 3: the top-rated score of a book with `count` reviews summing to `sum`: the Bayesian
 * average (priorWeight × priorMean + sum) / (priorWeight + count), rounded to 4 decimals — or null
 * when the book has fewer than minReviews reviews (it must leave the board).
 */
export function topRatedScore(_count: number, _sum: number, _rules: RankingRules = DEFAULT_RANKING): number | null {
  throw new NotImplementedError('exercise 3: topRatedScore');
}

const WEEK_MS = 7 * 86_400_000;
/** 1970-01-05 was a Monday: weeks start on Mondays, UTC. */
const MONDAY_OFFSET_MS = 4 * 86_400_000;

/** Exercise 3: the number of the UTC week (Monday to Sunday) that contains `ms`. */
export function weekOf(_ms: number): number {
  throw new NotImplementedError('exercise 3: weekOf');
}

export function weekStart(week: number): number {
  return week * WEEK_MS + MONDAY_OFFSET_MS;
}
