// Shared setup of the training-job tests: small settings on the 500-row SPY file, a silent logger, and an
// in-memory MarketDataSource for cases a file cannot show (an unfinished session, a recorded range).
import { pino } from "pino";
import { loadTrainConfig, type TrainConfig } from "../../jobs/train/config.js";
import type { RunContext } from "../../jobs/train/context.js";
import type { TrainDeps } from "../../jobs/train/pipeline.js";
import { createProgress } from "../../jobs/train/progress.js";
import type { Logger } from "../../lib/log.js";
import { createCsvSource } from "../../lib/market/csv-source.js";
import type { BarRange, MarketDataSource, RawBar } from "../../lib/market/source.js";
import { spy2yCsv } from "./data.js";

/** Environment of a small, fast training run on spy-daily-2y.csv (300 labelled rows). */
export function smallTrainingEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    MARKET_DATA_FILE: spy2yCsv(),
    N_ESTIMATORS: "15",
    MAX_DEPTH: "3,5",
    MIN_SAMPLES_LEAF: "10",
    TRAIN_THREADS: "1",
    EVAL_DAYS: "40",
    WF_FOLDS: "2",
    WF_FOLD_DAYS: "30",
    MIN_TRAIN_ROWS: "100",
    ...extra,
  };
}

export function smallTrainingConfig(
  flags: { asOf?: string; dryRun?: boolean } = {},
  extra: Record<string, string> = {},
): TrainConfig {
  return loadTrainConfig(flags, smallTrainingEnv(extra));
}

export const silentLogger = (): Logger => pino({ level: "silent" });

export const testContext: RunContext = {
  codeVersion: "0.0.0-test",
  gitCommit: "0123456789abcdef0123456789abcdef01234567",
  user: "tester",
  sourceName: "jobs/train/main.ts",
};

/**
 * The dependencies of runTraining as jobs/train/main.ts wires them, for an in-process run on spy-daily-2y.csv with a
 * silent logger and the test run context; no MLflow client (a dry run) unless one is given.
 */
export function testTrainingDeps(overrides: Partial<TrainDeps> = {}): TrainDeps {
  const logger = overrides.logger ?? silentLogger();
  return {
    source: createCsvSource(spy2yCsv()),
    mlflow: undefined,
    now: () => new Date(),
    logger,
    progress: createProgress({ logger }),
    context: testContext,
    ...overrides,
  };
}

/** A source serving fixed bars, recording the ranges it was asked for. */
export function memorySource(bars: RawBar[]): MarketDataSource & { ranges: (BarRange | undefined)[] } {
  const ranges: (BarRange | undefined)[] = [];
  return {
    ticker: "SPY",
    description: "in-memory test bars",
    ranges,
    fetchBars(range?: BarRange) {
      ranges.push(range);
      const within = bars.filter(
        (bar) =>
          (range?.start === undefined || bar.date >= range.start) &&
          (range?.end === undefined || bar.date <= range.end),
      );
      return Promise.resolve({
        bars: within,
        lineage: {
          sourceType: "local" as const,
          uri: "memory://bars",
          ticker: "SPY",
          description: "in-memory test bars",
          fetchedAt: "2023-09-29T22:00:00.000Z",
        },
      });
    },
  };
}
