import type { Bar } from "../market/types.js";

/**
 * The label of day t: 1 (UP) when close[t+1] > close[t], else 0 (DOWN; an unchanged close is DOWN).
 *
 * Column choice: the RAW close, not the adjusted close.
 * - It is what the API's answer is about and what monitoring checks a prediction against: the quoted close of the
 *   next session versus today's.
 * - The raw OHLC values are stable across downloads, so a given as-of date always yields the same labels and the
 *   same dataset digest. Yahoo rewrites "Adj Close" for the whole history at every dividend (three copies of
 *   SPY's 1993-01-29 differ: 24.94 / 26.30 / 26.45), which would change the digest every quarter.
 * - The features use raw open/high/low/close; a backward-adjusted close mixed with raw high/low is inconsistent
 *   (an adjusted close can lie below the raw low).
 * - The cost: on an ex-dividend date (SPY: 4 a year, about 0.3-0.5 % each) the raw close drops by the dividend,
 *   so a day whose total return was slightly positive is labelled DOWN. That affects at most 4 of ~252 labels a
 *   year and is the same in training and live scoring.
 */
export const LABEL_DEFINITION = {
  name: "up_next_close",
  column: "close",
  rule: "1 if close[t+1] > close[t] else 0; the last bar has no label",
  horizon: 1,
} as const;

/** Labels aligned with `bars`; the last bar's label is null because its next close is unknown. */
export function nextCloseLabels(bars: readonly Bar[]): (0 | 1 | null)[] {
  return bars.map((bar, t) => {
    const next = bars[t + 1];
    if (next === undefined) return null;
    return next.close > bar.close ? 1 : 0;
  });
}
