import { buildDataset, type Dataset } from "../../lib/dataset/build.js";
import type { FeatureSpec } from "../../lib/features/spec.js";
import type { Bar } from "../../lib/market/types.js";
import type { TrainConfig } from "./config.js";
import { planSplit, takeRange, type IndexRange, type SplitPlan } from "./split.js";

export interface PreparedData {
  dataset: Dataset;
  plan: SplitPlan;
}

/** Features and labels over the whole history, then the time-ordered split plan (final window and folds). */
export function prepareData(bars: readonly Bar[], spec: FeatureSpec, split: TrainConfig["split"]): PreparedData {
  const dataset = buildDataset(bars, spec);
  const plan = planSplit(dataset.X.length, {
    evalSize: split.evalDays,
    gap: split.gap,
    minTrain: split.minTrain,
    ...(split.maxTrain !== undefined ? { maxTrain: split.maxTrain } : {}),
    folds: split.folds,
    foldTestSize: split.foldDays,
  });
  return { dataset, plan };
}

/** The rows of `range`: features, labels and dates. */
export function rowsOf(dataset: Dataset, range: IndexRange): { X: number[][]; y: (0 | 1)[]; dates: string[] } {
  return { X: takeRange(dataset.X, range), y: takeRange(dataset.y, range), dates: takeRange(dataset.dates, range) };
}

/** First and last date of a range of rows. */
export function dateRange(dataset: Dataset, range: IndexRange): { first: string; last: string } {
  return { first: dataset.dates[range.start]!, last: dataset.dates[range.end - 1]! };
}
