import { beforeAll, describe, expect, it } from "vitest";
import { buildDataset } from "../../lib/dataset/build.js";
import { barsDigest } from "../../lib/dataset/digest.js";
import { computeFeatures } from "../../lib/features/compute.js";
import { DEFAULT_FEATURE_SPEC } from "../../lib/features/spec.js";
import { barsAsOf } from "../../lib/market/as-of.js";
import { cleanBars } from "../../lib/market/clean.js";
import { createCsvSource } from "../../lib/market/csv-source.js";
import { DataError } from "../../lib/market/errors.js";
import type { Bar } from "../../lib/market/types.js";
import { spy2yCsv } from "../helpers/data.js";
import { randomInt, seededRandom } from "../helpers/seeded-random.js";

let bars: Bar[];
beforeAll(async () => {
  bars = cleanBars((await createCsvSource(spy2yCsv()).fetchBars()).bars, {
    now: new Date("2023-10-02T12:00:00Z"),
  }).bars;
});

describe("buildDataset", () => {
  it("when built from the 2-year file, then X/y hold every row with a known next close and latest holds the last bar", () => {
    const dataset = buildDataset(bars, DEFAULT_FEATURE_SPEC);
    const matrix = computeFeatures(bars, DEFAULT_FEATURE_SPEC);
    expect(dataset.names).toEqual(matrix.names);
    expect(dataset.X).toHaveLength(500 - 199 - 1);
    expect(dataset.y).toHaveLength(dataset.X.length);
    expect(dataset.dates).toEqual(matrix.dates.slice(0, -1));
    expect(dataset.X).toEqual(matrix.rows.slice(0, -1));
    expect(dataset.dates.at(-1)).toBe("2023-09-28");
    expect(dataset.latest).toEqual({ date: "2023-09-29", features: matrix.rows.at(-1) });
    expect(dataset.dates).not.toContain("2023-09-29");
  });

  it("when built, then each label compares the next session's close with the row's close", () => {
    const dataset = buildDataset(bars, DEFAULT_FEATURE_SPEC);
    const index = new Map(bars.map((b, i) => [b.date, i]));
    dataset.dates.forEach((date, i) => {
      const t = index.get(date) as number;
      expect(dataset.y[i]).toBe((bars[t + 1] as Bar).close > (bars[t] as Bar).close ? 1 : 0);
    });
    // 2023-09-28 closed at 428.519989, 2023-09-29 at 427.480011: DOWN.
    expect(dataset.y.at(-1)).toBe(0);
  });

  it("when the history is cut at any as-of date, then that date's row never reaches X/y (100 random cuts)", () => {
    const random = seededRandom(42);
    for (let k = 0; k < 100; k++) {
      const asOf = (bars[randomInt(random, 201, bars.length - 1)] as Bar).date;
      const dataset = buildDataset(barsAsOf(bars, asOf), DEFAULT_FEATURE_SPEC);
      expect(dataset.latest.date).toBe(asOf);
      expect(dataset.dates).not.toContain(asOf);
      expect(dataset.dates.every((d) => d < asOf)).toBe(true);
      expect(dataset.X).toHaveLength(dataset.y.length);
      expect(dataset.lineage.lastRowDate < asOf).toBe(true);
    }
  });

  it("when built, then the lineage records digest, counts and date ranges", () => {
    const { lineage } = buildDataset(bars, DEFAULT_FEATURE_SPEC);
    expect(lineage).toEqual({
      digest: barsDigest(bars),
      barCount: 500,
      firstBarDate: "2021-10-05",
      lastBarDate: "2023-09-29",
      rows: 300,
      firstRowDate: (bars[199] as Bar).date,
      lastRowDate: "2023-09-28",
      warmup: 199,
      featureSpecVersion: 1,
      label: { name: "up_next_close", column: "close", rule: expect.any(String) as string, horizon: 1 },
    });
  });

  it("when only the warm-up and the last bar exist, then there is nothing to train on and it fails clearly", () => {
    expect(() => buildDataset(bars.slice(0, 200), DEFAULT_FEATURE_SPEC)).toThrow(DataError);
    expect(() => buildDataset(bars.slice(0, 200), DEFAULT_FEATURE_SPEC)).toThrow(
      "too few bars for a dataset: 200 bars leave 0 labelled rows after a warm-up of 199 bars",
    );
    expect(buildDataset(bars.slice(0, 201), DEFAULT_FEATURE_SPEC).X).toHaveLength(1);
  });
});

describe("barsDigest", () => {
  it("when the bars are the real 2-year file, then the digest is the recorded one (the format is stable)", () => {
    // sha256 of "bars-v1\n" + "date,open,high,low,close,volume\n" per row, cross-checked with a Python script.
    expect(barsDigest(bars)).toBe("f9ef6e2686f7582608dc80d2e06a000eee4b04e56d437b2f614ef3cbd04cf41b");
  });

  it("when any used value changes, then the digest changes; when only adjClose changes, then it does not", () => {
    const base = barsDigest(bars);
    const copy = () => bars.map((b) => ({ ...b }));
    for (const field of ["open", "high", "low", "close", "volume"] as const) {
      const changed = copy();
      (changed[250] as Bar)[field] += 0.01;
      expect({ field, same: barsDigest(changed) === base }).toEqual({ field, same: false });
    }
    const dated = copy();
    (dated[0] as Bar).date = "2021-10-04";
    expect(barsDigest(dated)).not.toBe(base);
    expect(barsDigest(bars.slice(1))).not.toBe(base);
    const adjusted = copy().map((b) => ({ ...b, adjClose: (b.adjClose ?? 0) * 1.01 }));
    expect(barsDigest(adjusted)).toBe(base);
  });
});
