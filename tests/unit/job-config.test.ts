import { describe, expect, it } from "vitest";
import {
  hyperparameterGrid,
  hyperParamsKey,
  loadTrainConfig,
  MLRF_DEFAULT_MAX_ROWS,
  parseTrainArgs,
} from "../../jobs/train/config.js";
import { exitCodeFor, UsageError } from "../../lib/cli.js";
import { ConfigError } from "../../lib/config.js";
import { EXIT_CODES } from "../../lib/exit-codes.js";

describe("parseTrainArgs", () => {
  it("when no flag is given, then nothing is set", () => {
    expect(parseTrainArgs([])).toEqual({ help: false });
  });

  it("when --as-of and --dry-run are given, then both are returned", () => {
    expect(parseTrainArgs(["--as-of", "2023-06-30", "--dry-run"])).toEqual({
      asOf: "2023-06-30",
      dryRun: true,
      help: false,
    });
    expect(parseTrainArgs(["--as-of=2023-06-30"]).asOf).toBe("2023-06-30");
  });

  it.each([
    [["--as-of", "2023-02-30"], "--as-of needs a real date"],
    [["--as-of", "30/06/2023"], "--as-of needs a real date"],
    [["--as-of"], "argument missing"],
    [["--force"], "Unknown option '--force'"],
    [["train"], "Unexpected argument 'train'"],
  ])("when the command line is %j, then it is a usage error (exit 2)", (argv, message) => {
    const error = (() => {
      try {
        parseTrainArgs(argv);
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain(message);
    expect(exitCodeFor(error)).toBe(EXIT_CODES.badConfig);
  });
});

describe("loadTrainConfig", () => {
  it("when nothing is set, then the typed defaults apply", () => {
    const config = loadTrainConfig({}, {});
    expect(config).toMatchObject({
      asOf: undefined,
      dryRun: false,
      experimentName: "spy-direction",
      modelName: "spy-direction",
      market: { MARKET_TICKER: "SPY", MARKET_HISTORY_START: "1993-01-29" },
      trainer: { algorithm: "fast", nEstimators: 200, seed: 42 },
      grid: { maxDepth: [4, 6, 8], minSamplesLeaf: [25, 50, 100], maxFeatures: ["sqrt"] },
      split: { evalDays: 250, gap: 1, folds: 4, foldDays: 250, minTrain: 500, maxTrain: undefined },
      promotion: { metric: "roc_auc", margin: 0.005 },
      gitCommit: undefined,
    });
    expect(config.trainer.threads).toBeGreaterThanOrEqual(1);
  });

  it("when variables are set, then they replace the defaults, and lists become grid dimensions", () => {
    const config = loadTrainConfig(
      {},
      {
        MLFLOW_EXPERIMENT_NAME: "exp",
        MODEL_NAME: "spy-test",
        TRAINER: "ml-random-forest",
        N_ESTIMATORS: "10",
        MAX_DEPTH: "3, 5",
        MIN_SAMPLES_LEAF: "10",
        MAX_FEATURES: "sqrt,0.5,7",
        TRAIN_THREADS: "1",
        SEED: "7",
        TRAIN_MAX_ROWS: "300",
        MIN_TRAIN_ROWS: "100",
        EVAL_DAYS: "40",
        PURGE_GAP_DAYS: "2",
        WF_FOLDS: "2",
        WF_FOLD_DAYS: "30",
        PROMOTION_METRIC: "log_loss",
        PROMOTION_MARGIN: "0",
        MARKET_DATA_FILE: "/data/spy.csv",
        GIT_COMMIT: "ABCDEF1",
      },
    );
    expect(config).toMatchObject({
      experimentName: "exp",
      modelName: "spy-test",
      trainer: { algorithm: "ml-random-forest", nEstimators: 10, threads: 1, seed: 7 },
      grid: { maxDepth: [3, 5], minSamplesLeaf: [10], maxFeatures: ["sqrt", 0.5, 7] },
      split: { evalDays: 40, gap: 2, folds: 2, foldDays: 30, minTrain: 100, maxTrain: 300 },
      promotion: { metric: "log_loss", margin: 0 },
      market: { MARKET_DATA_FILE: "/data/spy.csv" },
      gitCommit: "ABCDEF1",
    });
  });

  it("when flags and variables disagree, then the flags win", () => {
    const env = { TRAIN_AS_OF: "2023-01-03", TRAIN_DRY_RUN: "true" };
    expect(loadTrainConfig({}, env)).toMatchObject({ asOf: "2023-01-03", dryRun: true });
    expect(loadTrainConfig({ asOf: "2023-06-30", dryRun: false }, env)).toMatchObject({
      asOf: "2023-06-30",
      dryRun: false,
    });
  });

  it("when the trainer is ml-random-forest, then MAX_FEATURES defaults to half the features per tree", () => {
    expect(loadTrainConfig({}, { TRAINER: "ml-random-forest" }).grid.maxFeatures).toEqual([0.5]);
    expect(loadTrainConfig({}, { TRAINER: "ml-random-forest", MAX_FEATURES: "log2" }).grid.maxFeatures).toEqual([
      "log2",
    ]);
  });

  it("when the trainer is ml-random-forest and no cap is set, then the training window is capped by default", () => {
    expect(loadTrainConfig({}, { TRAINER: "ml-random-forest" }).split.maxTrain).toBe(MLRF_DEFAULT_MAX_ROWS);
    expect(loadTrainConfig({}, { TRAINER: "ml-random-forest", TRAIN_MAX_ROWS: "none" }).split.maxTrain).toBe(undefined);
    expect(loadTrainConfig({}, { TRAINER: "fast" }).split.maxTrain).toBe(undefined);
  });

  it("when the trainer is fast, then classes are balanced by default; ml-random-forest cannot weigh them", () => {
    expect(loadTrainConfig({}, {}).trainer.classWeight).toBe("balanced");
    expect(loadTrainConfig({}, { CLASS_WEIGHT: "none" }).trainer.classWeight).toBe("none");
    expect(loadTrainConfig({}, { TRAINER: "ml-random-forest" }).trainer.classWeight).toBe("none");
    const refused = () => loadTrainConfig({}, { TRAINER: "ml-random-forest", CLASS_WEIGHT: "balanced" });
    expect(refused).toThrow(UsageError);
    expect(refused).toThrow("CLASS_WEIGHT=balanced needs TRAINER=fast");
  });

  it("when several variables are invalid, then one ConfigError lists each with what was given", () => {
    const error = (() => {
      try {
        loadTrainConfig(
          {},
          {
            TRAINER: "xgboost",
            N_ESTIMATORS: "0",
            MAX_DEPTH: "4,deep",
            MAX_FEATURES: "1.5",
            EVAL_DAYS: "5",
            PROMOTION_METRIC: "sharpe",
            PROMOTION_MARGIN: "-1",
            MODEL_NAME: "spy direction",
          },
        );
      } catch (caught) {
        return caught as Error;
      }
      throw new Error("expected a ConfigError");
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(exitCodeFor(error)).toBe(EXIT_CODES.badConfig);
    for (const name of [
      "TRAINER",
      "N_ESTIMATORS",
      "MAX_DEPTH",
      "MAX_FEATURES",
      "EVAL_DAYS",
      "PROMOTION_METRIC",
      "PROMOTION_MARGIN",
      "MODEL_NAME",
    ]) {
      expect(error.message).toContain(`  ${name}:`);
    }
    expect(error.message).toContain('(got "4,deep")');
    expect(error.message).toContain("value 2:");
  });

  it("when a market variable is invalid, then it is a ConfigError too", () => {
    expect(() => loadTrainConfig({}, { MARKET_HISTORY_START: "1993-13-01" })).toThrow(ConfigError);
  });

  it("when the cap is below the minimum training rows, then it is a usage error naming both", () => {
    expect(() => loadTrainConfig({}, { TRAIN_MAX_ROWS: "100", MIN_TRAIN_ROWS: "500" })).toThrow(
      'TRAIN_MAX_ROWS (100) must be at least MIN_TRAIN_ROWS (500), or "none" for no cap',
    );
  });
});

describe("hyperparameterGrid", () => {
  it("when lists are given, then the grid is their product in a fixed order, without duplicates", () => {
    const grid = hyperparameterGrid({ maxDepth: [4, 6, 4], minSamplesLeaf: [20, 50], maxFeatures: ["sqrt"] });
    expect(grid.map(hyperParamsKey)).toEqual(["d4-l20-fsqrt", "d4-l50-fsqrt", "d6-l20-fsqrt", "d6-l50-fsqrt"]);
  });
});
