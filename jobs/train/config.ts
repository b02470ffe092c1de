import { parseArgs } from "node:util";
import { z } from "zod";
import { UsageError } from "../../lib/cli.js";
import { envSchemas, loadEnv } from "../../lib/config.js";
import { marketEnvSchema, type MarketEnv } from "../../lib/market/source-config.js";
import { TRAINING_ALGORITHMS, type TrainingAlgorithm, type TrainOptions } from "../../lib/model/train.js";
import { defaultThreads } from "../../lib/model/worker-pool.js";
import { modelNameSchema } from "../../lib/registry/names.js";
import { METRIC_IDS, type MetricId } from "./metrics.js";

/**
 * The training job's settings: command-line flags > environment variables > typed defaults, validated once at
 * start (a bad value is a ConfigError or UsageError: exit 2). Nothing else in the job reads process.env.
 */

export const TRAIN_USAGE = `usage: train [--as-of YYYY-MM-DD] [--dry-run] [--help]

Runs the whole training pipeline once: ingest SPY daily bars, build features and labels, choose hyperparameters
by walk-forward validation, train the forest, evaluate it against two baselines on the most recent trading days,
log everything to MLflow, register a model version (alias "challenger") and move "champion" to it only if it beats
the champion re-scored on the same evaluation window.

  --as-of YYYY-MM-DD  train as of the close of a past trading day (replays, backfills); default: the last
                      finished session. The as-of date recorded is the last bar used.
  --dry-run           train and evaluate, print the evaluation summary, write nothing to MLflow
  --help              this text

Settings come from environment variables (flags win); see the README section "The training job".
Exit codes: 0 done (or already done for this as-of date), 1 transient failure (retry later),
2 bad configuration or input (retrying cannot help).`;

/** Which value of MAX_FEATURES: a keyword, a share in (0, 1) or a whole number of features. */
const maxFeaturesItem = z.union([
  z.enum(["sqrt", "log2", "all"]),
  z.coerce
    .number()
    .positive()
    .refine((v) => v < 1 || Number.isInteger(v), "expected sqrt, log2, all, a share in (0, 1) or a whole number"),
]);

/** A comma-separated list: one value fixes the setting, several make it a dimension of the hyperparameter grid. */
function list<T>(item: z.ZodType<T>) {
  const items = z.array(item).min(1).max(10);
  return z.string().transform((text, context) => {
    const parsed = items.safeParse(text.split(",").map((part) => part.trim()));
    if (parsed.success) return parsed.data;
    for (const issue of parsed.error.issues) {
      const where = typeof issue.path[0] === "number" ? `value ${issue.path[0] + 1}: ` : "";
      context.addIssue({ code: "custom", message: `${where}${issue.message}` });
    }
    return z.NEVER;
  });
}

export const trainEnvSchema = z.object({
  MLFLOW_EXPERIMENT_NAME: z.string().trim().min(1).max(500).default("spy-direction"),
  MODEL_NAME: modelNameSchema,
  TRAIN_AS_OF: envSchemas.isoDate().optional(),
  TRAIN_DRY_RUN: envSchemas.boolean().default(false),
  TRAINER: z.enum(TRAINING_ALGORITHMS).default("fast"),
  N_ESTIMATORS: envSchemas.positiveInt().max(5000).default(200),
  MAX_DEPTH: list(z.coerce.number().int().min(1).max(64)).default([4, 6, 8]),
  MIN_SAMPLES_LEAF: list(z.coerce.number().int().min(1).max(100_000)).default([25, 50, 100]),
  MAX_FEATURES: list(maxFeaturesItem).optional(),
  CLASS_WEIGHT: z.enum(["none", "balanced"]).optional(),
  TRAIN_THREADS: envSchemas.positiveInt().max(256).optional(),
  SEED: z.coerce
    .number()
    .int()
    .min(0)
    .max(2 ** 31 - 1)
    .default(42),
  TRAIN_MAX_ROWS: z.union([z.literal("none"), envSchemas.positiveInt()]).optional(),
  MIN_TRAIN_ROWS: envSchemas.positiveInt().min(20).default(500),
  EVAL_DAYS: envSchemas.positiveInt().min(20).default(250),
  PURGE_GAP_DAYS: envSchemas.positiveInt().max(100).default(1),
  WF_FOLDS: envSchemas.positiveInt().max(20).default(4),
  WF_FOLD_DAYS: envSchemas.positiveInt().min(20).default(250),
  PROMOTION_METRIC: z.enum(METRIC_IDS).default("roc_auc"),
  PROMOTION_MARGIN: z.coerce.number().min(0).max(1000).default(0.005),
  GIT_COMMIT: z
    .string()
    .trim()
    .regex(/^[0-9a-f]{7,40}$/i, "expected a git commit hash")
    .optional(),
});

export type TrainEnv = z.infer<typeof trainEnvSchema>;

/** Training rows the ml-random-forest trainer is capped to by default (its cost grows with rows squared). */
export const MLRF_DEFAULT_MAX_ROWS = 2500;

/**
 * MAX_FEATURES when unset: features tried per split for the fast trainer (as scikit-learn), but a share of the
 * features drawn once per TREE for ml-random-forest, which needs more of them (see lib/model/train.ts).
 */
export const DEFAULT_MAX_FEATURES = { fast: ["sqrt"], "ml-random-forest": [0.5] } as const satisfies Record<
  TrainingAlgorithm,
  readonly MaxFeatures[]
>;

export type MaxFeatures = NonNullable<TrainOptions["maxFeatures"]>;

export interface HyperParams {
  maxDepth: number;
  minSamplesLeaf: number;
  maxFeatures: MaxFeatures;
}

export interface TrainConfig {
  /** Cut the bars at this date; undefined: every finished session. */
  asOf: string | undefined;
  dryRun: boolean;
  experimentName: string;
  modelName: string;
  market: MarketEnv;
  trainer: {
    algorithm: TrainingAlgorithm;
    nEstimators: number;
    /** "balanced" (fast trainer only): leaves vote UP when their UP share beats the training set's. */
    classWeight: TrainOptions["classWeight"];
    threads: number;
    seed: number;
  };
  /** Candidate values; the grid is their cartesian product. */
  grid: { maxDepth: number[]; minSamplesLeaf: number[]; maxFeatures: MaxFeatures[] };
  split: {
    evalDays: number;
    gap: number;
    folds: number;
    foldDays: number;
    minTrain: number;
    /** Training-window cap in rows; undefined: no cap. */
    maxTrain: number | undefined;
  };
  promotion: { metric: MetricId; margin: number };
  gitCommit: string | undefined;
}

export interface TrainFlags {
  asOf?: string;
  dryRun?: boolean;
  help?: boolean;
}

/** Parses the command line; unknown flags and malformed values are UsageErrors. */
export function parseTrainArgs(argv: readonly string[]): TrainFlags {
  let values: { "as-of"?: string; "dry-run"?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { "as-of": { type: "string" }, "dry-run": { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${TRAIN_USAGE}`);
  }
  const flags: TrainFlags = { help: values.help ?? false };
  if (values["as-of"] !== undefined) {
    const parsed = envSchemas.isoDate().safeParse(values["as-of"]);
    if (!parsed.success) {
      throw new UsageError(`--as-of needs a real date written as YYYY-MM-DD, got "${values["as-of"]}"`);
    }
    flags.asOf = parsed.data;
  }
  if (values["dry-run"] !== undefined) flags.dryRun = values["dry-run"];
  return flags;
}

/** The grid of hyperparameters to compare, in a fixed order (maxDepth, then minSamplesLeaf, then maxFeatures). */
export function hyperparameterGrid(grid: TrainConfig["grid"]): HyperParams[] {
  const combos: HyperParams[] = [];
  for (const maxDepth of new Set(grid.maxDepth)) {
    for (const minSamplesLeaf of new Set(grid.minSamplesLeaf)) {
      for (const maxFeatures of new Set(grid.maxFeatures)) combos.push({ maxDepth, minSamplesLeaf, maxFeatures });
    }
  }
  return combos;
}

/** A short stable name of a grid point, usable in MLflow metric keys: `d6-l50-fsqrt`. */
export function hyperParamsKey(params: HyperParams): string {
  return `d${params.maxDepth}-l${params.minSamplesLeaf}-f${String(params.maxFeatures)}`;
}

/** The job's settings from flags and environment; throws ConfigError/UsageError on any invalid value. */
export function loadTrainConfig(flags: TrainFlags, env: Record<string, string | undefined> = process.env): TrainConfig {
  const vars = loadEnv(trainEnvSchema, env);
  const market = loadEnv(marketEnvSchema, env);
  const maxRows = vars.TRAIN_MAX_ROWS ?? (vars.TRAINER === "ml-random-forest" ? MLRF_DEFAULT_MAX_ROWS : "none");
  const maxTrain = maxRows === "none" ? undefined : maxRows;
  const classWeight = vars.CLASS_WEIGHT ?? (vars.TRAINER === "fast" ? "balanced" : "none");
  if (classWeight !== "none" && vars.TRAINER !== "fast") {
    throw new UsageError(`CLASS_WEIGHT=${classWeight} needs TRAINER=fast (ml-random-forest cannot weigh rows)`);
  }
  if (maxTrain !== undefined && maxTrain < vars.MIN_TRAIN_ROWS) {
    throw new UsageError(
      `TRAIN_MAX_ROWS (${maxTrain}) must be at least MIN_TRAIN_ROWS (${vars.MIN_TRAIN_ROWS}), or "none" for no cap`,
    );
  }
  return {
    asOf: flags.asOf ?? vars.TRAIN_AS_OF,
    dryRun: flags.dryRun ?? vars.TRAIN_DRY_RUN,
    experimentName: vars.MLFLOW_EXPERIMENT_NAME,
    modelName: vars.MODEL_NAME,
    market,
    trainer: {
      algorithm: vars.TRAINER,
      nEstimators: vars.N_ESTIMATORS,
      classWeight,
      threads: vars.TRAIN_THREADS ?? defaultThreads(),
      seed: vars.SEED,
    },
    grid: {
      maxDepth: vars.MAX_DEPTH,
      minSamplesLeaf: vars.MIN_SAMPLES_LEAF,
      maxFeatures: vars.MAX_FEATURES ?? [...DEFAULT_MAX_FEATURES[vars.TRAINER]],
    },
    split: {
      evalDays: vars.EVAL_DAYS,
      gap: vars.PURGE_GAP_DAYS,
      folds: vars.WF_FOLDS,
      foldDays: vars.WF_FOLD_DAYS,
      minTrain: vars.MIN_TRAIN_ROWS,
      maxTrain,
    },
    promotion: { metric: vars.PROMOTION_METRIC, margin: vars.PROMOTION_MARGIN },
    gitCommit: vars.GIT_COMMIT,
  };
}
