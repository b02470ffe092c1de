import { DataError } from "../market/errors.js";
import type { Bar } from "../market/types.js";
import { evaluate, type EvaluationReport } from "./metrics.js";

/**
 * Baselines a model must beat, as probabilities of UP so the same metrics apply. Both use only what is known at
 * the close of the evaluated day t.
 */

/** Always UP: P(UP) = `probability` (default 1, a hard always-UP; pass the training UP rate for a calibrated one). */
export function alwaysUpBaseline(n: number, probability = 1): number[] {
  if (!(probability >= 0 && probability <= 1))
    throw new RangeError(`probability must be in [0, 1], got ${probability}`);
  return new Array<number>(n).fill(probability);
}

/**
 * Yesterday's direction: for evaluation day t, P(UP) = 1 when close[t] > close[t-1] (the label of day t-1, known
 * at t's close), else 0. `dates` are the evaluated days; `bars` the history they come from.
 */
export function previousDayDirectionBaseline(bars: readonly Bar[], dates: readonly string[]): number[] {
  const indexByDate = new Map(bars.map((bar, i) => [bar.date, i]));
  return dates.map((date) => {
    const t = indexByDate.get(date);
    if (t === undefined) throw new DataError(`baseline: no bar for evaluation date ${date}`);
    const today = bars[t] as Bar;
    const yesterday = bars[t - 1];
    if (!yesterday) throw new DataError(`baseline: no bar before evaluation date ${date}`);
    return today.close > yesterday.close ? 1 : 0;
  });
}

export interface BaselineReports {
  alwaysUp: EvaluationReport;
  previousDayDirection: EvaluationReport;
}

/** Both baselines evaluated on the same days as a model. */
export function evaluateBaselines(
  yTrue: readonly number[],
  bars: readonly Bar[],
  dates: readonly string[],
  threshold = 0.5,
): BaselineReports {
  return {
    alwaysUp: evaluate(yTrue, alwaysUpBaseline(yTrue.length), threshold),
    previousDayDirection: evaluate(yTrue, previousDayDirectionBaseline(bars, dates), threshold),
  };
}
