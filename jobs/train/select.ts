import type { Dataset } from "../../lib/dataset/build.js";
import { evaluate } from "../../lib/evaluation/metrics.js";
import { DataError } from "../../lib/market/errors.js";
import { trainForest, type TrainOptionsInput } from "../../lib/model/train.js";
import { hyperparameterGrid, hyperParamsKey, type HyperParams, type TrainConfig } from "./config.js";
import { higherIsBetter, METRIC_IDS, metricValue, type MetricId } from "./metrics.js";
import { dateRange, rowsOf } from "./prepare.js";
import type { Fold } from "./split.js";

/** One fold's scores for one grid point. */
export interface FoldScore {
  fold: number;
  trainRows: number;
  testFirstDate: string;
  testLastDate: string;
  metrics: Record<MetricId, number | null>;
}

export interface Candidate {
  params: HyperParams;
  /** e.g. `d6-l50-fsqrt` */
  key: string;
  folds: FoldScore[];
  /** Mean of the selection metric over the folds where it is defined; null if it never is. */
  mean: number | null;
}

export interface SelectionResult {
  metric: MetricId;
  candidates: Candidate[];
  best: Candidate;
}

export interface SelectInput {
  dataset: Dataset;
  folds: readonly Fold[];
  grid: TrainConfig["grid"];
  trainer: TrainConfig["trainer"];
  /** The metric compared across grid points (the promotion metric). */
  metric: MetricId;
  /** Called before each training: 1-based counters. */
  onProgress?: (state: { candidate: number; candidates: number; fold: number; folds: number; key: string }) => void;
}

/** Options of trainForest for one grid point. */
export function trainOptionsFor(trainer: TrainConfig["trainer"], params: HyperParams): TrainOptionsInput {
  return {
    algorithm: trainer.algorithm,
    nEstimators: trainer.nEstimators,
    classWeight: trainer.classWeight,
    threads: trainer.threads,
    seed: trainer.seed,
    maxDepth: params.maxDepth,
    minSamplesLeaf: params.minSamplesLeaf,
    maxFeatures: params.maxFeatures,
  };
}

/**
 * Walk-forward model selection: every grid point is trained on each fold's training window and scored on the
 * fold's test window (all before the final evaluation window, which selection never sees). The best mean score
 * wins; ties go to the earlier grid point.
 */
export async function selectHyperparameters(input: SelectInput): Promise<SelectionResult> {
  const grid = hyperparameterGrid(input.grid);
  const candidates: Candidate[] = [];
  for (const [c, params] of grid.entries()) {
    const key = hyperParamsKey(params);
    const folds: FoldScore[] = [];
    for (const fold of input.folds) {
      input.onProgress?.({
        candidate: c + 1,
        candidates: grid.length,
        fold: fold.index + 1,
        folds: input.folds.length,
        key,
      });
      const train = rowsOf(input.dataset, fold.train);
      const test = rowsOf(input.dataset, fold.test);
      const { forest } = await trainForest(train.X, train.y, trainOptionsFor(input.trainer, params));
      const report = evaluate(test.y, forest.predictUpProbability(test.X));
      const range = dateRange(input.dataset, fold.test);
      folds.push({
        fold: fold.index,
        trainRows: train.X.length,
        testFirstDate: range.first,
        testLastDate: range.last,
        metrics: Object.fromEntries(METRIC_IDS.map((id) => [id, metricValue(report, id)])) as FoldScore["metrics"],
      });
    }
    const defined = folds.map((f) => f.metrics[input.metric]).filter((v): v is number => v !== null);
    const mean = defined.length > 0 ? defined.reduce((a, b) => a + b, 0) / defined.length : null;
    candidates.push({ params, key, folds, mean });
  }
  const best = pickBest(candidates, input.metric);
  if (!best) {
    throw new DataError(
      `model selection failed: ${input.metric} is undefined on every walk-forward fold (a fold with one class only?); ` +
        "use longer folds (WF_FOLD_DAYS) or another PROMOTION_METRIC",
    );
  }
  return { metric: input.metric, candidates, best };
}

/** The candidate with the best defined mean (the first on ties), or undefined if none has one. */
export function pickBest(candidates: readonly Candidate[], metric: MetricId): Candidate | undefined {
  const sign = higherIsBetter(metric) ? 1 : -1;
  let best: Candidate | undefined;
  for (const candidate of candidates) {
    if (candidate.mean === null) continue;
    if (!best || sign * (candidate.mean - best.mean!) > 0) best = candidate;
  }
  return best;
}
