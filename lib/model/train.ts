import { z } from "zod";
import { MAX_BINS } from "./bins.js";
import { TrainingInputError } from "./errors.js";
import { Forest } from "./forest.js";
import type { ForestJson } from "./forest-format.js";
import { featureImportance, forestShape, type ForestShape } from "./forest-stats.js";
import { trainFast } from "./train-fast.js";
import { trainMlrf } from "./train-mlrf.js";
import { defaultThreads } from "./worker-pool.js";

export const TRAINING_ALGORITHMS = ["fast", "ml-random-forest"] as const;
export type TrainingAlgorithm = (typeof TRAINING_ALGORITHMS)[number];

/**
 * Training options, one set for both trainers. `maxFeatures` is the number of features tried per split
 * (fast) or drawn per tree (ml-random-forest): "sqrt" | "log2" | "all", a share in (0, 1), or an integer
 * count >= 1 (so 1 means one feature, unlike the library's own option). Unset: "sqrt" for fast (as
 * scikit-learn), 0.5 for ml-random-forest (one draw per tree needs more). `minSamplesLeaf` and
 * `maxBins`/`bootstrap` apply to the fast trainer; ml-random-forest has no minimum leaf size and can only
 * refuse to split nodes of fewer than max(minSamplesSplit, 2 * minSamplesLeaf) rows.
 * `classWeight: "balanced"` (fast trainer only) weighs each class by rows / (2 x its rows), as scikit-learn's
 * `class_weight="balanced"`: a leaf then votes UP when its share of UP rows is above the training set's, so the
 * vote share centres on 0.5 instead of on the majority class (SPY closes up on ~53 % of days, and without
 * weights most leaves of a weak daily-direction forest are majority UP).
 */
export const trainOptionsSchema = z.object({
  algorithm: z.enum(TRAINING_ALGORITHMS).default("fast"),
  nEstimators: z.number().int().min(1).max(5000).default(200),
  maxDepth: z.number().int().min(1).max(64).default(8),
  minSamplesLeaf: z.number().int().min(1).default(20),
  minSamplesSplit: z.number().int().min(2).default(2),
  maxFeatures: z
    .union([
      z.enum(["sqrt", "log2", "all"]),
      z
        .number()
        .positive()
        .refine((v) => v < 1 || Number.isInteger(v), "expected a share in (0, 1) or an integer count"),
    ])
    .optional(),
  maxBins: z.number().int().min(2).max(MAX_BINS).default(MAX_BINS),
  bootstrap: z.boolean().default(true),
  classWeight: z.enum(["none", "balanced"]).default("none"),
  seed: z.number().int().default(42),
  threads: z.number().int().min(1).max(256).default(defaultThreads),
});

export type TrainOptionsInput = z.input<typeof trainOptionsSchema>;
export type TrainOptions = z.output<typeof trainOptionsSchema>;

export interface TrainStats extends ForestShape {
  algorithm: TrainingAlgorithm;
  rows: number;
  features: number;
  /** Features tried per split (fast) or drawn per tree (ml-random-forest). */
  featuresPerSplit: number;
  threads: number;
  /** Wall time of training, seconds. */
  seconds: number;
}

export interface TrainedForest {
  /** The forest in ml-random-forest's JSON format (what model.json holds). */
  model: ForestJson;
  /** The compiled predictor for `model`. */
  forest: Forest;
  /** Mean decrease in impurity per input column, summing to 1. */
  featureImportance: number[];
  /** The options after defaults. */
  options: TrainOptions;
  stats: TrainStats;
}

export interface TrainHooks {
  onProgress?: (treesDone: number, trees: number) => void;
}

/**
 * Trains a random forest classifier for labels 0 (DOWN) / 1 (UP). Deterministic for a seed whatever
 * the thread count. Throws TrainingInputError on unusable data or options.
 */
export async function trainForest(
  X: readonly (readonly number[])[],
  y: readonly number[],
  input: TrainOptionsInput = {},
  hooks: TrainHooks = {},
): Promise<TrainedForest> {
  const parsed = trainOptionsSchema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(options)"}: ${issue.message}`);
    throw new TrainingInputError(`invalid training options: ${lines.join("; ")}`);
  }
  const options = parsed.data;
  const features = checkTrainingData(X, y);
  const featuresPerSplit = resolveMaxFeatures(
    options.maxFeatures ?? (options.algorithm === "fast" ? "sqrt" : 0.5),
    features,
  );
  if (options.classWeight !== "none" && options.algorithm !== "fast") {
    throw new TrainingInputError(
      `classWeight "${options.classWeight}" needs the fast trainer (ml-random-forest has no weights)`,
    );
  }
  const started = performance.now();
  const model =
    options.algorithm === "fast"
      ? await trainFast(X, y, {
          nEstimators: options.nEstimators,
          maxDepth: options.maxDepth,
          minSamplesLeaf: options.minSamplesLeaf,
          minSamplesSplit: options.minSamplesSplit,
          maxFeatures: featuresPerSplit,
          bootstrap: options.bootstrap,
          classWeights: classWeights(options.classWeight, y),
          maxBins: options.maxBins,
          seed: options.seed,
          threads: options.threads,
          onProgress: hooks.onProgress,
        })
      : await trainMlrf(X, y, {
          nEstimators: options.nEstimators,
          maxDepth: options.maxDepth,
          minNumSamples: Math.max(options.minSamplesSplit, 2 * options.minSamplesLeaf) - 1,
          maxFeatures: featuresPerSplit,
          seed: options.seed,
          threads: options.threads,
          onProgress: hooks.onProgress,
        });
  const seconds = (performance.now() - started) / 1000;
  return {
    model,
    forest: Forest.fromJSON(model, features),
    featureImportance: featureImportance(model, features),
    options,
    stats: {
      algorithm: options.algorithm,
      rows: X.length,
      features,
      featuresPerSplit,
      threads: options.threads,
      seconds,
      ...forestShape(model),
    },
  };
}

/** Per-class row weights [DOWN, UP]: 1 each, or rows / (2 x class rows) for "balanced". */
export function classWeights(mode: TrainOptions["classWeight"], y: readonly number[]): [number, number] {
  if (mode === "none") return [1, 1];
  let ones = 0;
  for (const label of y) ones += label;
  return [y.length / (2 * (y.length - ones)), y.length / (2 * ones)];
}

/** The number of features `maxFeatures` stands for, out of `features` (at least 1). */
export function resolveMaxFeatures(maxFeatures: NonNullable<TrainOptions["maxFeatures"]>, features: number): number {
  let count: number;
  if (maxFeatures === "sqrt") count = Math.floor(Math.sqrt(features));
  else if (maxFeatures === "log2") count = Math.floor(Math.log2(features));
  else if (maxFeatures === "all") count = features;
  else if (maxFeatures < 1) count = Math.floor(maxFeatures * features);
  else if (maxFeatures > features) {
    throw new TrainingInputError(`maxFeatures ${maxFeatures} exceeds the ${features} features`);
  } else count = maxFeatures;
  return Math.max(1, Math.min(features, count));
}

/** Rectangular, finite, labels 0/1 with both classes present; returns the feature count. */
function checkTrainingData(X: readonly (readonly number[])[], y: readonly number[]): number {
  if (X.length < 2) throw new TrainingInputError(`need at least 2 training rows, got ${X.length}`);
  if (y.length !== X.length) throw new TrainingInputError(`${X.length} feature rows but ${y.length} labels`);
  const features = X[0]!.length;
  if (features < 1) throw new TrainingInputError("training rows have no features");
  const seen = [false, false];
  for (let i = 0; i < X.length; i++) {
    const row = X[i]!;
    if (row.length !== features)
      throw new TrainingInputError(`row ${i} has ${row.length} features, row 0 has ${features}`);
    for (let f = 0; f < features; f++) {
      if (!Number.isFinite(row[f]))
        throw new TrainingInputError(`row ${i}, feature ${f} is not a finite number (${row[f]})`);
    }
    const label = y[i];
    if (label !== 0 && label !== 1)
      throw new TrainingInputError(`label ${i} is ${label}; labels must be 0 (DOWN) or 1 (UP)`);
    seen[label] = true;
  }
  if (!seen[0] || !seen[1])
    throw new TrainingInputError(`all labels are ${seen[1] ? 1 : 0}: a classifier needs both classes`);
  return features;
}
