import { describe, expect, it } from "vitest";
import { buildDataset } from "../../lib/dataset/build.js";
import { alwaysUpBaseline, evaluateBaselines, previousDayDirectionBaseline } from "../../lib/evaluation/baselines.js";
import { DEFAULT_FEATURE_SPEC } from "../../lib/features/spec.js";
import { cleanBars } from "../../lib/market/clean.js";
import { createCsvSource } from "../../lib/market/csv-source.js";
import { DataError } from "../../lib/market/errors.js";
import type { Bar } from "../../lib/market/types.js";
import { spy2yCsv } from "../helpers/data.js";
import { randomInt, seededRandom } from "../helpers/seeded-random.js";

const DATES = ["2023-09-25", "2023-09-26", "2023-09-27", "2023-09-28", "2023-09-29"];
const bars = (closes: number[]): Bar[] =>
  closes.map((close, i) => ({
    date: DATES[i] as string,
    open: close,
    high: close,
    low: close,
    close,
    adjClose: close,
    volume: 1,
  }));

describe("alwaysUpBaseline", () => {
  it("when evaluated, then it predicts UP every day: accuracy is the UP share, recall 1, AUC 0.5", () => {
    expect(alwaysUpBaseline(3)).toEqual([1, 1, 1]);
    const y = [1, 0, 1, 1];
    const report = evaluateBaselines(y, bars([1, 2, 3, 4, 5]), DATES.slice(1), 0.5).alwaysUp;
    expect(report.accuracy).toBe(0.75);
    expect(report.recall).toBe(1);
    expect(report.rocAuc).toBe(0.5);
  });

  it("when a calibrated probability is passed, then that constant is used; outside [0, 1] it throws", () => {
    expect(alwaysUpBaseline(2, 0.53)).toEqual([0.53, 0.53]);
    expect(() => alwaysUpBaseline(2, 1.2)).toThrow(RangeError);
  });
});

describe("previousDayDirectionBaseline", () => {
  it("when evaluating day t, then it predicts UP exactly when close[t] > close[t-1] (unchanged is DOWN)", () => {
    const history = bars([10, 11, 10.5, 10.5, 12]);
    expect(previousDayDirectionBaseline(history, DATES.slice(1))).toEqual([1, 0, 0, 1]);
  });

  it("when any bar after day t changes, then the baseline for day t does not (no look-ahead, 200 random cases)", () => {
    const random = seededRandom(5);
    const closes = [10, 11, 10.5, 10.5, 12];
    for (let k = 0; k < 200; k++) {
      const t = randomInt(random, 1, 4);
      const changed = closes.map((c, i) => (i > t ? c * (0.5 + random()) : c));
      const date = DATES.slice(t, t + 1);
      expect(previousDayDirectionBaseline(bars(changed), date)).toEqual(
        previousDayDirectionBaseline(bars(closes), date),
      );
    }
  });

  it("when the evaluation date is missing or is the first bar, then it fails clearly", () => {
    const history = bars([10, 11]);
    expect(() => previousDayDirectionBaseline(history, ["2023-10-02"])).toThrow(
      new DataError("baseline: no bar for evaluation date 2023-10-02"),
    );
    expect(() => previousDayDirectionBaseline(history, ["2023-09-25"])).toThrow(
      "baseline: no bar before evaluation date 2023-09-25",
    );
  });

  it("when run on the real evaluation window, then its predictions are the previous rows' labels", async () => {
    const history = cleanBars((await createCsvSource(spy2yCsv()).fetchBars()).bars, {
      now: new Date("2023-10-02T12:00:00Z"),
    }).bars;
    const dataset = buildDataset(history, DEFAULT_FEATURE_SPEC);
    const last = 60;
    const dates = dataset.dates.slice(-last);
    const predictions = previousDayDirectionBaseline(history, dates);
    // Yesterday's direction for row i is the label of row i - 1.
    expect(predictions).toEqual(dataset.y.slice(-last - 1, -1));
    const reports = evaluateBaselines(dataset.y.slice(-last), history, dates);
    expect(reports.previousDayDirection.n).toBe(last);
    expect(reports.alwaysUp.accuracy).toBe(dataset.y.slice(-last).filter((v) => v === 1).length / last);
  });
});
