import { describe, expect, it } from "vitest";
import { buildDataset } from "../../lib/dataset/build.js";
import { DEFAULT_FEATURE_SPEC } from "../../lib/features/spec.js";
import { barsAsOf } from "../../lib/market/as-of.js";
import { cleanBars } from "../../lib/market/clean.js";
import { createCsvSource } from "../../lib/market/csv-source.js";
import type { Bar } from "../../lib/market/types.js";
import {
  buildLiveReport,
  closeTimestamp,
  liveMetrics,
  liveSummaryFromTags,
  liveVersionTags,
  parseLiveReport,
  rowsSince,
  scoreLiveDays,
} from "../../lib/monitoring/live-accuracy.js";
import { LIVE_METRICS } from "../../lib/monitoring/names.js";
import { trainForest } from "../../lib/model/train.js";
import { spy2yCsv } from "../helpers/data.js";

const dates = ["2023-09-18", "2023-09-19", "2023-09-20", "2023-09-21", "2023-09-22", "2023-09-25", "2023-09-26"];
//                 hit      miss     hit      hit      miss     hit      hit
const actual: (0 | 1)[] = [1, 0, 0, 1, 1, 0, 1];
const pUp = [0.7, 0.6, 0.2, 0.5, 0.49, 0.1, 0.9];

async function spyBars(): Promise<Bar[]> {
  const raw = await createCsvSource(spy2yCsv()).fetchBars();
  return cleanBars(raw.bars, { now: new Date("2024-01-01T00:00:00Z") }).bars;
}

describe("scoreLiveDays", () => {
  it("when days are scored, then each is a hit when (P(UP) >= 0.5) matches the next close", () => {
    const live = scoreLiveDays(dates, actual, pUp);
    expect(live.days.map((d) => d.predicted)).toEqual([1, 1, 0, 1, 0, 0, 1]);
    expect(live.days.map((d) => d.correct)).toEqual([1, 0, 1, 1, 0, 1, 1]);
  });

  it("when a week of days exists, then the weekly accuracy is the mean of the last 5 days, and null before", () => {
    const live = scoreLiveDays(dates, actual, pUp);
    expect(live.days.map((d) => d.weekly)).toEqual([null, null, null, null, 3 / 5, 3 / 5, 4 / 5]);
    expect(live.days.map((d) => d.cumulative)).toEqual([1, 1 / 2, 2 / 3, 3 / 4, 3 / 5, 4 / 6, 5 / 7]);
    expect(live.summary).toEqual({
      days: 7,
      accuracy: 5 / 7,
      lastWeekAccuracy: 4 / 5,
      alwaysUpAccuracy: 4 / 7,
      firstDate: "2023-09-18",
      lastDate: "2023-09-26",
    });
  });

  it("when there is no live day, then the summary says 0 days and no accuracy", () => {
    expect(scoreLiveDays([], [], []).summary).toEqual({
      days: 0,
      accuracy: null,
      lastWeekAccuracy: null,
      alwaysUpAccuracy: null,
      firstDate: null,
      lastDate: null,
    });
  });

  it("when the inputs disagree in length or a probability is out of [0, 1], then it throws", () => {
    expect(() => scoreLiveDays(dates, actual.slice(1), pUp)).toThrow(RangeError);
    expect(() => scoreLiveDays(["2023-09-18"], [1], [1.5])).toThrow(/must be in \[0, 1\]/);
    expect(() => scoreLiveDays(["2023-09-18"], [1], [Number.NaN])).toThrow(RangeError);
  });
});

describe("live days of a model and leakage", () => {
  it("when rows are taken since a model's as-of date, then they start at that date and keep their order", () => {
    const rows = { dates, X: dates.map((_, i) => [i]), y: actual };
    const since = rowsSince(rows, "2023-09-21");
    expect(since.dates).toEqual(dates.slice(3));
    expect(since.X).toEqual([[3], [4], [5], [6]]);
    expect(rowsSince(rows, "2023-09-23").dates[0]).toBe("2023-09-25");
    expect(rowsSince(rows, "2024-01-01").dates).toEqual([]);
  });

  it("when more sessions arrive, then no earlier live prediction changes and the newest bar is never scored", async () => {
    const bars = await spyBars();
    const asOf = "2023-08-31";
    const training = buildDataset(barsAsOf(bars, asOf), DEFAULT_FEATURE_SPEC);
    const trained = await trainForest(training.X, training.y, {
      nEstimators: 10,
      maxDepth: 4,
      minSamplesLeaf: 20,
      seed: 7,
      threads: 1,
    });
    const scoreAsOf = (end: string) => {
      const dataset = buildDataset(barsAsOf(bars, end), DEFAULT_FEATURE_SPEC);
      const rows = rowsSince(dataset, asOf);
      return { dataset, live: scoreLiveDays(rows.dates, rows.y, trained.forest.predictUpProbability(rows.X)) };
    };
    const early = scoreAsOf("2023-09-15");
    const late = scoreAsOf("2023-09-29");
    // Features of day t come from bars up to t: scoring later changes nothing already scored.
    expect(late.live.days.slice(0, early.live.days.length)).toEqual(early.live.days);
    // The first live day is the as-of date itself (its next close was unknown to the model); the last bar,
    // whose next close is unknown, is never scored.
    expect(early.live.days[0]?.date).toBe(asOf);
    expect(early.live.days.at(-1)?.date).toBe("2023-09-14");
    expect(early.dataset.latest.date).toBe("2023-09-15");
    expect(late.live.days.at(-1)?.date).toBe("2023-09-28");
    // Each label is the next close against the day's close.
    const close = new Map(bars.map((bar) => [bar.date, bar.close]));
    for (const [i, day] of late.live.days.entries()) {
      const next = late.live.days[i + 1]?.date ?? "2023-09-29";
      expect(day.actual).toBe(close.get(next)! > close.get(day.date)! ? 1 : 0);
    }
  });
});

describe("what is logged", () => {
  const live = scoreLiveDays(dates, actual, pUp);

  it("when the metrics are built, then the daily series use the day index as step and its close as timestamp", () => {
    const metrics = liveMetrics(live);
    const series = (key: string) => metrics.filter((m) => m.key === key);
    expect(series(LIVE_METRICS.dailyCorrect).map((m) => [m.step, m.value])).toEqual(
      live.days.map((d, i) => [i, d.correct]),
    );
    expect(series(LIVE_METRICS.weeklyAccuracy).map((m) => m.step)).toEqual([4, 5, 6]);
    expect(series(LIVE_METRICS.cumulativeAccuracy)).toHaveLength(7);
    expect(series(LIVE_METRICS.dailyCorrect)[0]?.timestamp).toBe(Date.parse("2023-09-18T20:00:00Z"));
    expect(closeTimestamp("2023-11-24")).toBe(Date.parse("2023-11-24T18:00:00Z")); // early close, 13:00 EST
    expect(series(LIVE_METRICS.accuracy).map((m) => m.value)).toEqual([5 / 7]);
    expect(series(LIVE_METRICS.days).map((m) => m.value)).toEqual([7]);
  });

  it("when the version tags are written and read back, then the summary survives the round trip", () => {
    const tags = liveVersionTags(live.summary, "scored", {
      runId: "r1",
      scoredAt: new Date("2026-01-05T22:00:00Z"),
      dataAsOf: "2023-09-27",
    });
    expect(liveSummaryFromTags(tags)).toEqual({
      ...live.summary,
      status: "scored",
      scoredAt: "2026-01-05T22:00:00.000Z",
      dataAsOf: "2023-09-27",
      runId: "r1",
    });
    const none = liveVersionTags(scoreLiveDays([], [], []).summary, "no_live_days", {
      runId: "r2",
      scoredAt: new Date(),
      dataAsOf: "2023-09-27",
    });
    expect(liveSummaryFromTags(none)).toMatchObject({ status: "no_live_days", days: 0, accuracy: null });
    expect(liveSummaryFromTags({ "eval.accuracy": "0.5" })).toBeUndefined();
  });

  it("when the report is built and parsed back, then it validates; a broken report is rejected with the field", () => {
    const report = buildLiveReport({
      model: "spy-direction",
      version: "3",
      modelAsOf: "2023-09-18",
      dataAsOf: "2023-09-27",
      scoredAt: new Date("2026-01-05T22:00:00Z"),
      runId: "r1",
      live,
    });
    expect(parseLiveReport(JSON.stringify(report))).toEqual(report);
    expect(report.days).toHaveLength(7);
    expect(report.summary.accuracy).toBe(5 / 7);
    expect(() => parseLiveReport("{")).toThrow(/not JSON/);
    expect(() => parseLiveReport(JSON.stringify({ ...report, days: [{ ...report.days[0], p_up: 2 }] }))).toThrow(
      /days\.0\.p_up/,
    );
  });
});
