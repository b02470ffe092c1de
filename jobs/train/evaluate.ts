import type { Dataset } from "../../lib/dataset/build.js";
import {
  alwaysUpBaseline,
  evaluateBaselines,
  previousDayDirectionBaseline,
  type BaselineReports,
} from "../../lib/evaluation/baselines.js";
import { evaluate, type EvaluationReport } from "../../lib/evaluation/metrics.js";
import type { Bar } from "../../lib/market/types.js";
import type { Forest } from "../../lib/model/forest.js";
import { rowsOf } from "./prepare.js";
import type { TimeSplit } from "./split.js";

/** Predictions are UP when P(UP) >= this (the API's default threshold). */
export const DECISION_THRESHOLD = 0.5;
/** Trading days in the rolling-accuracy window. */
export const ROLLING_WINDOW = 20;

export interface EvaluationResult {
  dates: string[];
  /** Features of the evaluation rows (the champion is re-scored on exactly these). */
  X: number[][];
  y: (0 | 1)[];
  pUp: number[];
  model: EvaluationReport;
  baselines: BaselineReports;
  /** In-sample scores on the training window (a large gap to `model` means overfitting). */
  training: EvaluationReport;
  /** Accuracy over the last ROLLING_WINDOW days at each evaluation day (NaN before the window fills). */
  rolling: { window: number; model: number[]; alwaysUp: number[]; previousDay: number[] };
}

/** Accuracy of `pUp` (UP when >= threshold) over a trailing window ending at each row; NaN until it is full. */
export function rollingAccuracy(
  y: readonly number[],
  pUp: readonly number[],
  window: number,
  threshold = DECISION_THRESHOLD,
): number[] {
  const correct = y.map((label, i) => ((pUp[i]! >= threshold ? 1 : 0) === label ? 1 : 0));
  let sum = 0;
  return correct.map((hit, i) => {
    sum += hit;
    if (i >= window) sum -= correct[i - window]!;
    return i + 1 >= window ? sum / window : Number.NaN;
  });
}

/** Scores the forest and both baselines on the evaluation window, and the forest on its training window. */
export function evaluateModel(
  forest: Forest,
  dataset: Dataset,
  bars: readonly Bar[],
  split: TimeSplit,
): EvaluationResult {
  const test = rowsOf(dataset, split.eval);
  const train = rowsOf(dataset, split.train);
  const pUp = forest.predictUpProbability(test.X);
  const model = evaluate(test.y, pUp, DECISION_THRESHOLD);
  const baselines = evaluateBaselines(test.y, bars, test.dates, DECISION_THRESHOLD);
  const window = Math.min(ROLLING_WINDOW, test.y.length);
  return {
    dates: test.dates,
    X: test.X,
    y: test.y,
    pUp,
    model,
    baselines,
    training: evaluate(train.y, forest.predictUpProbability(train.X), DECISION_THRESHOLD),
    rolling: {
      window,
      model: rollingAccuracy(test.y, pUp, window),
      alwaysUp: rollingAccuracy(test.y, alwaysUpBaseline(test.y.length), window),
      previousDay: rollingAccuracy(test.y, previousDayDirectionBaseline(bars, test.dates), window),
    },
  };
}
