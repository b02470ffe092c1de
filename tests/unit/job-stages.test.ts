import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { evaluateModel, rollingAccuracy } from "../../jobs/train/evaluate.js";
import { fitFinalModel } from "../../jobs/train/fit.js";
import { ingest, type IngestResult } from "../../jobs/train/ingest.js";
import { prepareData, type PreparedData } from "../../jobs/train/prepare.js";
import { pickBest, selectHyperparameters, type Candidate, type SelectionResult } from "../../jobs/train/select.js";
import { DEFAULT_FEATURE_SPEC } from "../../lib/features/spec.js";
import { createCsvSource, parseBarsCsv } from "../../lib/market/csv-source.js";
import { DataError } from "../../lib/market/errors.js";
import { closeTrainingWorkers } from "../../lib/model/worker-pool.js";
import { spy2yCsv } from "../helpers/data.js";
import { memorySource, smallTrainingConfig } from "../helpers/job-fixture.js";

const config = smallTrainingConfig();
const AFTER_LAST_CLOSE = new Date("2023-10-02T12:00:00Z");

let ingested: IngestResult;
let prepared: PreparedData;
let selection: SelectionResult;

beforeAll(async () => {
  ingested = await ingest({
    source: createCsvSource(spy2yCsv()),
    historyStart: "1993-01-29",
    asOf: undefined,
    now: AFTER_LAST_CLOSE,
  });
  prepared = prepareData(ingested.bars, DEFAULT_FEATURE_SPEC, config.split);
  selection = await selectHyperparameters({
    dataset: prepared.dataset,
    folds: prepared.plan.folds,
    grid: config.grid,
    trainer: config.trainer,
    metric: "roc_auc",
  });
});

afterAll(closeTrainingWorkers);

describe("ingest", () => {
  it("when no as-of date is given, then every clean bar is used and the as-of date is the last bar", () => {
    expect(ingested.bars).toHaveLength(500);
    expect(ingested.asOf).toBe("2023-09-29");
    expect(ingested.requestedAsOf).toBeUndefined();
    expect(ingested.cleaning).toMatchObject({ inputRows: 500, outputRows: 500 });
    expect(ingested.lineage).toMatchObject({ sourceType: "local", ticker: "SPY" });
  });

  it("when the as-of date is a holiday, then the bars stop at the session before and that is the as-of date", async () => {
    const result = await ingest({
      source: createCsvSource(spy2yCsv()),
      historyStart: "1993-01-29",
      asOf: "2023-07-04",
      now: AFTER_LAST_CLOSE,
    });
    expect(result.asOf).toBe("2023-07-03");
    expect(result.requestedAsOf).toBe("2023-07-04");
    expect(result.bars.at(-1)!.date).toBe("2023-07-03");
    expect(result.bars.every((bar) => bar.date <= "2023-07-04")).toBe(true);
  });

  it("when the job runs during a session, then that unfinished bar is dropped and reported", async () => {
    const raw = parseBarsCsv(readFileSync(spy2yCsv(), "utf8"), "spy-daily-2y.csv");
    const source = memorySource(raw);
    const duringSession = new Date("2023-09-29T17:00:00Z"); // 13:00 in New York, before the close
    const result = await ingest({ source, historyStart: "2020-01-01", asOf: undefined, now: duringSession });
    expect(result.asOf).toBe("2023-09-28");
    expect(result.cleaning.dropped.unfinished).toBe(1);
    expect(source.ranges).toEqual([{ start: "2020-01-01" }]);
  });

  it("when an as-of date is given, then the source is asked for the history up to that date only", async () => {
    const source = memorySource(parseBarsCsv(readFileSync(spy2yCsv(), "utf8"), "spy-daily-2y.csv"));
    await ingest({ source, historyStart: "2021-01-01", asOf: "2023-06-30", now: AFTER_LAST_CLOSE });
    expect(source.ranges).toEqual([{ start: "2021-01-01", end: "2023-06-30" }]);
  });

  it("when the as-of date is before the data, then it fails with a DataError (exit 2)", async () => {
    await expect(
      ingest({
        source: createCsvSource(spy2yCsv()),
        historyStart: "1993-01-29",
        asOf: "2020-01-02",
        now: AFTER_LAST_CLOSE,
      }),
    ).rejects.toThrow(DataError);
  });
});

describe("prepareData", () => {
  it("when splitting, then training ends a purge gap before the evaluation window, which holds the last rows", () => {
    const { plan, dataset } = prepared;
    expect(plan.final.eval).toEqual({ start: dataset.X.length - 40, end: dataset.X.length });
    expect(plan.final.train.end + config.split.gap).toBe(plan.final.eval.start);
    expect(dataset.dates[plan.final.train.end - 1]! < dataset.dates[plan.final.eval.start]!).toBe(true);
  });

  it("when building rows, then the last bar (next close unknown) is in neither training nor evaluation", () => {
    const { dataset, plan } = prepared;
    expect(dataset.latest.date).toBe("2023-09-29");
    expect(dataset.dates).not.toContain("2023-09-29");
    expect(dataset.dates[plan.final.eval.end - 1]).toBe("2023-09-28");
  });

  it("when planning folds, then every fold tests rows before the final training window's end", () => {
    const { plan } = prepared;
    expect(plan.folds).toHaveLength(2);
    for (const fold of plan.folds) {
      expect(fold.test.end).toBeLessThanOrEqual(plan.final.train.end);
      expect(fold.train.end + config.split.gap).toBe(fold.test.start);
    }
  });

  it("when there are too few rows for the settings, then it fails with a DataError saying how many are needed", () => {
    const big = smallTrainingConfig({}, { EVAL_DAYS: "250" });
    expect(() => prepareData(ingested.bars, DEFAULT_FEATURE_SPEC, big.split)).toThrow(DataError);
    expect(() => prepareData(ingested.bars, DEFAULT_FEATURE_SPEC, big.split)).toThrow("too few rows");
  });
});

describe("selectHyperparameters", () => {
  it("when comparing the grid, then every grid point is scored on every fold and the best mean wins", () => {
    expect(selection.candidates.map((c) => c.key)).toEqual(["d3-l10-fsqrt", "d5-l10-fsqrt"]);
    for (const candidate of selection.candidates) {
      expect(candidate.folds.map((f) => f.fold)).toEqual([0, 1]);
      const scores = candidate.folds.map((f) => f.metrics.roc_auc!);
      expect(candidate.mean).toBeCloseTo((scores[0]! + scores[1]!) / 2, 12);
      for (const fold of candidate.folds)
        expect(fold.testLastDate < prepared.dataset.dates[prepared.plan.final.eval.start]!).toBe(true);
    }
    const best = Math.max(...selection.candidates.map((c) => c.mean!));
    expect(selection.best.mean).toBe(best);
  });

  it("when run twice with the same seed, then the scores are identical (deterministic)", async () => {
    const again = await selectHyperparameters({
      dataset: prepared.dataset,
      folds: prepared.plan.folds,
      grid: config.grid,
      trainer: config.trainer,
      metric: "roc_auc",
    });
    expect(again.candidates).toEqual(selection.candidates);
  });

  it("when reporting progress, then it counts grid points and folds", async () => {
    const seen: string[] = [];
    await selectHyperparameters({
      dataset: prepared.dataset,
      folds: prepared.plan.folds,
      grid: { ...config.grid, maxDepth: [3] },
      trainer: config.trainer,
      metric: "accuracy",
      onProgress: (s) => seen.push(`${s.candidate}/${s.candidates} ${s.fold}/${s.folds} ${s.key}`),
    });
    expect(seen).toEqual(["1/1 1/2 d3-l10-fsqrt", "1/1 2/2 d3-l10-fsqrt"]);
  });
});

describe("pickBest", () => {
  const candidate = (key: string, mean: number | null): Candidate => ({
    key,
    mean,
    folds: [],
    params: { maxDepth: 1, minSamplesLeaf: 1, maxFeatures: "sqrt" },
  });

  it("when higher is better, then the highest defined mean wins and ties go to the earlier grid point", () => {
    const list = [candidate("a", 0.5), candidate("b", null), candidate("c", 0.6), candidate("d", 0.6)];
    expect(pickBest(list, "roc_auc")?.key).toBe("c");
  });

  it("when lower is better, then the lowest mean wins", () => {
    expect(pickBest([candidate("a", 0.7), candidate("b", 0.69)], "log_loss")?.key).toBe("b");
  });

  it("when no candidate has a defined mean, then there is no best", () => {
    expect(pickBest([candidate("a", null)], "roc_auc")).toBeUndefined();
  });
});

describe("fitFinalModel and evaluateModel", () => {
  it("when training the final model, then it uses exactly the training window and scores the evaluation window", async () => {
    const fit = await fitFinalModel(prepared.dataset, prepared.plan.final, config.trainer, selection.best.params);
    const { dataset, plan } = prepared;
    expect(fit.rows).toBe(plan.final.train.end - plan.final.train.start);
    expect(fit.firstDate).toBe(dataset.dates[plan.final.train.start]);
    expect(fit.lastDate).toBe(dataset.dates[plan.final.train.end - 1]);
    expect(fit.trained.stats.trees).toBe(15);

    const evaluation = evaluateModel(fit.trained.forest, dataset, ingested.bars, plan.final);
    expect(evaluation.dates).toEqual(dataset.dates.slice(plan.final.eval.start));
    expect(evaluation.dates[0]! > fit.lastDate).toBe(true);
    expect(evaluation.model.n).toBe(40);
    expect(evaluation.baselines.alwaysUp.recall).toBe(1);
    expect(evaluation.baselines.previousDayDirection.n).toBe(40);
    expect(evaluation.training.n).toBe(fit.rows);
    expect(evaluation.rolling.window).toBe(20);
    expect(evaluation.rolling.model).toHaveLength(40);
    expect(evaluation.rolling.model.filter(Number.isFinite)).toHaveLength(21);
  });
});

describe("rollingAccuracy", () => {
  it("when the window is 3, then each value is the share of correct calls over the last 3 days", () => {
    const y = [1, 0, 1, 1, 0];
    const p = [0.9, 0.8, 0.6, 0.2, 0.1]; // calls: UP UP UP DOWN DOWN -> correct 1 0 1 0 1
    expect(rollingAccuracy(y, p, 3)).toEqual([Number.NaN, Number.NaN, 2 / 3, 1 / 3, 2 / 3]);
  });
});
