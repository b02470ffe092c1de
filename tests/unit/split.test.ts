import { describe, expect, it } from "vitest";
import { planSplit, takeRange, timeSplit, walkForwardFolds, type IndexRange } from "../../jobs/train/split.js";
import { ConfigError } from "../../lib/config.js";
import { DataError } from "../../lib/market/errors.js";
import { randomInt, seededRandom } from "../helpers/seeded-random.js";

const indices = (range: IndexRange): number[] =>
  Array.from({ length: range.end - range.start }, (_, i) => range.start + i);

describe("timeSplit", () => {
  it("when splitting 300 rows with a 60-row evaluation window and a gap of 1, then training is rows 0..238", () => {
    expect(timeSplit(300, { evalSize: 60, gap: 1, minTrain: 100 })).toEqual({
      train: { start: 0, end: 239 },
      eval: { start: 240, end: 300 },
      gap: 1,
      trainCapped: false,
    });
  });

  it("when the training window is capped, then it keeps the most recent rows before the gap", () => {
    expect(timeSplit(300, { evalSize: 60, gap: 2, minTrain: 50, maxTrain: 100 })).toEqual({
      train: { start: 138, end: 238 },
      eval: { start: 240, end: 300 },
      gap: 2,
      trainCapped: true,
    });
  });

  it("when there are too few rows, then it fails with the rows needed and why", () => {
    expect(() => timeSplit(160, { evalSize: 60, gap: 1, minTrain: 100 })).toThrow(
      new DataError("too few rows to split: 160 rows, need at least 161 (minTrain 100 + gap 1 + evalSize 60)"),
    );
    expect(() => timeSplit(161, { evalSize: 60, gap: 1, minTrain: 100 })).not.toThrow();
  });

  it.each([
    [{ evalSize: 60, gap: 0, minTrain: 10 }, "gap must be an integer >= 1, got 0"],
    [{ evalSize: 0, gap: 1, minTrain: 10 }, "evalSize must be an integer >= 1, got 0"],
    [{ evalSize: 2.5, gap: 1, minTrain: 10 }, "evalSize must be an integer >= 1, got 2.5"],
    [{ evalSize: 60, gap: 1, minTrain: 100, maxTrain: 50 }, "maxTrain must be an integer >= 100, got 50"],
  ])("when the configuration is invalid (%o), then a ConfigError says what is expected", (config, message) => {
    expect(() => timeSplit(1000, config)).toThrow(ConfigError);
    expect(() => timeSplit(1000, config)).toThrow(`invalid split configuration: ${message}`);
  });
});

describe("walkForwardFolds", () => {
  it("when asking for 3 expanding folds of 20 rows over 200 rows, then the test windows tile the last 60 rows", () => {
    expect(walkForwardFolds(200, { folds: 3, testSize: 20, gap: 1, minTrain: 50 })).toEqual([
      { index: 0, train: { start: 0, end: 139 }, test: { start: 140, end: 160 } },
      { index: 1, train: { start: 0, end: 159 }, test: { start: 160, end: 180 } },
      { index: 2, train: { start: 0, end: 179 }, test: { start: 180, end: 200 } },
    ]);
  });

  it("when the windows are capped, then each fold trains on the last maxTrain rows before its gap", () => {
    const folds = walkForwardFolds(200, { folds: 2, testSize: 20, gap: 3, minTrain: 50, maxTrain: 60 });
    expect(folds.map((f) => f.train)).toEqual([
      { start: 97, end: 157 },
      { start: 117, end: 177 },
    ]);
  });

  it("when the first fold would train on too few rows, then it fails with the rows needed", () => {
    expect(() => walkForwardFolds(100, { folds: 3, testSize: 20, gap: 1, minTrain: 50 })).toThrow(
      "too few rows for 3 walk-forward folds: 100 rows before the evaluation window, need at least 111 " +
        "(minTrain 50 + gap 1 + 3 folds x 20 rows)",
    );
  });
});

describe("planSplit and takeRange", () => {
  it("when planning, then the folds end where the final split's purge gap begins", () => {
    const plan = planSplit(1000, { evalSize: 100, gap: 1, minTrain: 200, maxTrain: 500, folds: 4, foldTestSize: 50 });
    expect(plan.final.eval).toEqual({ start: 900, end: 1000 });
    expect(plan.final.train).toEqual({ start: 399, end: 899 });
    expect(plan.folds.at(-1)?.test).toEqual({ start: 849, end: 899 });
    expect(takeRange(["a", "b", "c", "d"], { start: 1, end: 3 })).toEqual(["b", "c"]);
  });
});

describe("split properties (1,000 random configurations)", () => {
  it("when a plan exists, then windows never overlap, training ends gap rows before testing, eval is the last N rows and folds are in time order", () => {
    const random = seededRandom(7);
    let planned = 0;
    for (let k = 0; k < 1000; k++) {
      const n = randomInt(random, 50, 3000);
      const gap = randomInt(random, 1, 5);
      const evalSize = randomInt(random, 1, 300);
      const minTrain = randomInt(random, 1, 500);
      const maxTrain = random() < 0.5 ? undefined : randomInt(random, minTrain, 2000);
      const folds = randomInt(random, 1, 6);
      const foldTestSize = randomInt(random, 1, 120);
      const config = { evalSize, gap, minTrain, folds, foldTestSize, ...(maxTrain === undefined ? {} : { maxTrain }) };
      const needed = minTrain + gap + evalSize + gap + folds * foldTestSize;
      if (n < needed) {
        expect(() => planSplit(n, config)).toThrow(DataError);
        continue;
      }
      planned++;
      const { final, folds: plan } = planSplit(n, config);

      expect(indices(final.eval)).toEqual(indices({ start: n - evalSize, end: n }));
      const train = indices(final.train);
      expect(train.length).toBeGreaterThanOrEqual(minTrain);
      if (maxTrain !== undefined) expect(train.length).toBeLessThanOrEqual(maxTrain);
      expect(Math.max(...train)).toBeLessThan(final.eval.start - gap);
      expect(Math.min(...train)).toBeGreaterThanOrEqual(0);

      expect(plan).toHaveLength(folds);
      plan.forEach((fold, i) => {
        const foldTrain = indices(fold.train);
        const foldTest = indices(fold.test);
        expect(foldTest).toHaveLength(foldTestSize);
        expect(foldTrain.length).toBeGreaterThanOrEqual(minTrain);
        // every train index < every test index - gap
        expect(Math.max(...foldTrain)).toBeLessThan(Math.min(...foldTest) - gap);
        expect(fold.train.end).toBeLessThanOrEqual(fold.test.start - gap);
        // strictly before the final evaluation window and its purge gap
        expect(Math.max(...foldTest)).toBeLessThan(final.eval.start - gap);
        const next = plan[i + 1];
        if (next) {
          expect(next.test.start).toBe(fold.test.end); // ordered in time, no overlap
          expect(next.train.end).toBeGreaterThan(fold.train.end);
        }
      });
    }
    expect(planned).toBeGreaterThan(200);
  });
});
