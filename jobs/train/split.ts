import { ConfigError } from "../../lib/config.js";
import { LABEL_DEFINITION } from "../../lib/dataset/label.js";
import { DataError } from "../../lib/market/errors.js";

/**
 * Time-ordered splits of dataset rows (0 = oldest). Rows are never shuffled; a purge gap of at least the label
 * horizon separates every training window from the rows it is scored on, so no training label is computed from a
 * close inside (or next to) the scored window.
 */

/** Row indices start .. end - 1. */
export interface IndexRange {
  start: number;
  end: number;
}

export interface SplitConfig {
  /** The most recent rows, scored once for the reported metrics and the promotion decision. */
  evalSize: number;
  /** Rows left out between training and evaluation (>= the label horizon, 1). */
  gap: number;
  /** Fewest training rows accepted. */
  minTrain: number;
  /** Cap: train on at most this many of the most recent rows before the gap (training cost is quadratic). */
  maxTrain?: number;
}

export interface TimeSplit {
  train: IndexRange;
  eval: IndexRange;
  gap: number;
  /** True when maxTrain cut older rows off the training window. */
  trainCapped: boolean;
}

export interface WalkForwardConfig {
  folds: number;
  testSize: number;
  gap: number;
  minTrain: number;
  /** Capped rolling windows when set, expanding windows otherwise. */
  maxTrain?: number;
}

export interface Fold {
  /** 0 = oldest. */
  index: number;
  train: IndexRange;
  test: IndexRange;
}

export interface SplitPlan {
  final: TimeSplit;
  /** Model-selection folds, all before the final split's purge gap. */
  folds: Fold[];
}

function requireInt(name: string, value: number | undefined, min: number): void {
  if (value === undefined || !Number.isInteger(value) || value < min) {
    throw new ConfigError(`invalid split configuration: ${name} must be an integer >= ${min}, got ${value}`);
  }
}

function checkCommon(config: { gap: number; minTrain: number; maxTrain?: number | undefined }): void {
  requireInt("gap", config.gap, LABEL_DEFINITION.horizon);
  requireInt("minTrain", config.minTrain, 1);
  if (config.maxTrain !== undefined) requireInt("maxTrain", config.maxTrain, config.minTrain);
}

/** The training window ending `gap` rows before `testStart`, capped to `maxTrain` rows. */
function trainingWindow(testStart: number, gap: number, maxTrain: number | undefined): IndexRange {
  const end = testStart - gap;
  const start = maxTrain === undefined ? 0 : Math.max(0, end - maxTrain);
  return { start, end };
}

/** Training window, purge gap, then the last `evalSize` rows of `n` as the evaluation window. */
export function timeSplit(n: number, config: SplitConfig): TimeSplit {
  requireInt("evalSize", config.evalSize, 1);
  checkCommon(config);
  const evalWindow = { start: n - config.evalSize, end: n };
  const train = trainingWindow(evalWindow.start, config.gap, config.maxTrain);
  if (train.end - train.start < config.minTrain) {
    throw new DataError(
      `too few rows to split: ${n} rows, need at least ${config.minTrain + config.gap + config.evalSize} ` +
        `(minTrain ${config.minTrain} + gap ${config.gap} + evalSize ${config.evalSize})`,
    );
  }
  return { train, eval: evalWindow, gap: config.gap, trainCapped: train.start > 0 };
}

/**
 * Walk-forward folds over rows 0 .. n-1: `folds` consecutive test windows of `testSize` rows ending at row n-1,
 * oldest first, each trained on the rows before it minus the purge gap (expanding, or the last `maxTrain` rows).
 */
export function walkForwardFolds(n: number, config: WalkForwardConfig): Fold[] {
  requireInt("folds", config.folds, 1);
  requireInt("testSize", config.testSize, 1);
  checkCommon(config);
  const folds: Fold[] = [];
  for (let index = 0; index < config.folds; index++) {
    const testEnd = n - (config.folds - 1 - index) * config.testSize;
    const test = { start: testEnd - config.testSize, end: testEnd };
    const train = trainingWindow(test.start, config.gap, config.maxTrain);
    if (train.end - train.start < config.minTrain) {
      throw new DataError(
        `too few rows for ${config.folds} walk-forward folds: ${n} rows before the evaluation window, need at ` +
          `least ${config.minTrain + config.gap + config.folds * config.testSize} ` +
          `(minTrain ${config.minTrain} + gap ${config.gap} + ${config.folds} folds x ${config.testSize} rows)`,
      );
    }
    folds.push({ index, train, test });
  }
  return folds;
}

/** The final split plus walk-forward folds that all end before the final split's purge gap. */
export function planSplit(n: number, config: SplitConfig & { folds: number; foldTestSize: number }): SplitPlan {
  const final = timeSplit(n, config);
  const folds = walkForwardFolds(final.eval.start - final.gap, {
    folds: config.folds,
    testSize: config.foldTestSize,
    gap: config.gap,
    minTrain: config.minTrain,
    ...(config.maxTrain !== undefined ? { maxTrain: config.maxTrain } : {}),
  });
  return { final, folds };
}

/** The elements of `values` inside `range`. */
export function takeRange<T>(values: readonly T[], range: IndexRange): T[] {
  return values.slice(range.start, range.end);
}
