import { DataError } from "./errors.js";
import { assertIsoDate } from "./time.js";
import type { Bar } from "./types.js";

/**
 * The bars known at the close of `asOf` (inclusive), for replays and backfills: training "as of" a past date sees
 * exactly what a run on that evening would have seen. `bars` must be sorted by date (as cleanBars returns them).
 */
export function barsAsOf(bars: readonly Bar[], asOf: string): Bar[] {
  assertIsoDate(asOf, "as-of date");
  let end = bars.length;
  while (end > 0 && (bars[end - 1]?.date ?? "") > asOf) end--;
  if (end === 0) {
    throw new DataError(`no market data on or before the as-of date ${asOf} (first bar: ${bars[0]?.date ?? "none"})`);
  }
  return bars.slice(0, end);
}
