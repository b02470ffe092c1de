import { beforeAll, describe, expect, it } from "vitest";
import { computeFeatures, type FeatureMatrix } from "../../lib/features/compute.js";
import { DEFAULT_FEATURE_SPEC } from "../../lib/features/spec.js";
import { cleanBars } from "../../lib/market/clean.js";
import { createCsvSource } from "../../lib/market/csv-source.js";
import { DataError } from "../../lib/market/errors.js";
import type { Bar } from "../../lib/market/types.js";
import { spy2yCsv, spyFullCsv } from "../helpers/data.js";
import { randomInt, seededRandom } from "../helpers/seeded-random.js";

const NOW = new Date("2023-10-02T12:00:00Z");
async function loadBars(file: string): Promise<Bar[]> {
  return cleanBars((await createCsvSource(file).fetchBars()).bars, { now: NOW }).bars;
}

let bars2y: Bar[];
let barsFull: Bar[];
let full: FeatureMatrix;
beforeAll(async () => {
  bars2y = await loadBars(spy2yCsv());
  barsFull = await loadBars(spyFullCsv());
  full = computeFeatures(barsFull, DEFAULT_FEATURE_SPEC);
});

// ---- An independent, straightforward reference for each default feature at bar index t ----

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const populationStd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(mean(xs.map((x) => (x - m) ** 2)));
};
const window = (xs: number[], t: number, n: number) => xs.slice(t - n + 1, t + 1);

/** EMA seeded with the SMA of the first `period` values, as is conventional. */
function ema(values: number[], period: number): (number | undefined)[] {
  const k = 2 / (period + 1);
  const out: (number | undefined)[] = new Array<number | undefined>(values.length).fill(undefined);
  let previous = mean(values.slice(0, period));
  out[period - 1] = previous;
  for (let t = period; t < values.length; t++) {
    previous = (values[t] as number) * k + previous * (1 - k);
    out[t] = previous;
  }
  return out;
}

/** Wilder smoothing: seed = mean of the first `period` values, then (prev * (p - 1) + x) / p. */
function wilder(values: number[], period: number): number[] {
  const out: number[] = [];
  let previous = mean(values.slice(0, period));
  out[period - 1] = previous;
  for (let t = period; t < values.length; t++) {
    previous = (previous * (period - 1) + (values[t] as number)) / period;
    out[t] = previous;
  }
  return out;
}

function reference(bars: Bar[]): Record<string, (t: number) => number> {
  const c = bars.map((b) => b.close);
  const h = bars.map((b) => b.high);
  const l = bars.map((b) => b.low);
  const o = bars.map((b) => b.open);
  const logVolume = bars.map((b) => Math.log1p(b.volume));
  const logReturns = c.map((x, t) => (t === 0 ? Number.NaN : Math.log(x / (c[t - 1] as number))));
  const at = (xs: number[], t: number) => xs[t] as number;

  const ema12 = ema(c, 12);
  const ema26 = ema(c, 26);
  const macdLine = c.map((_, t) => (t >= 25 ? at(ema12 as number[], t) - at(ema26 as number[], t) : Number.NaN));
  const signal = ema(macdLine.slice(25), 9);
  const gains = c.map((x, t) => (t === 0 ? 0 : Math.max(0, x - at(c, t - 1)))).slice(1);
  const losses = c.map((x, t) => (t === 0 ? 0 : Math.max(0, at(c, t - 1) - x))).slice(1);
  const avgGain = wilder(gains, 14);
  const avgLoss = wilder(losses, 14);
  const trueRange = c.map((_, t) =>
    t === 0
      ? at(h, 0) - at(l, 0)
      : Math.max(at(h, t) - at(l, t), Math.abs(at(h, t) - at(c, t - 1)), Math.abs(at(l, t) - at(c, t - 1))),
  );
  const atr = wilder(trueRange.slice(1), 14);
  const stochK = (t: number) => {
    const lowest = Math.min(...window(l, t, 14));
    const highest = Math.max(...window(h, t, 14));
    return ((at(c, t) - lowest) / (highest - lowest)) * 100;
  };
  const bollinger = (t: number) => {
    const w = window(c, t, 20);
    return { middle: mean(w), sd: populationStd(w) };
  };

  return {
    ret_1: (t) => at(c, t) / at(c, t - 1) - 1,
    ret_5: (t) => at(c, t) / at(c, t - 5) - 1,
    ret_10: (t) => at(c, t) / at(c, t - 10) - 1,
    ret_20: (t) => at(c, t) / at(c, t - 20) - 1,
    close_sma_10: (t) => at(c, t) / mean(window(c, t, 10)) - 1,
    close_sma_20: (t) => at(c, t) / mean(window(c, t, 20)) - 1,
    close_sma_50: (t) => at(c, t) / mean(window(c, t, 50)) - 1,
    close_sma_200: (t) => at(c, t) / mean(window(c, t, 200)) - 1,
    close_ema_12: (t) => at(c, t) / (ema12[t] as number) - 1,
    close_ema_26: (t) => at(c, t) / (ema26[t] as number) - 1,
    rsi_14: (t) => 100 - 100 / (1 + at(avgGain, t - 1) / at(avgLoss, t - 1)),
    macd_hist_close: (t) => (at(macdLine, t) - (signal[t - 25] as number)) / at(c, t),
    bb_percent_b_20: (t) => {
      const { middle, sd } = bollinger(t);
      return (at(c, t) - (middle - 2 * sd)) / (4 * sd);
    },
    bb_bandwidth_20: (t) => {
      const { middle, sd } = bollinger(t);
      return (4 * sd) / middle;
    },
    atr_close_14: (t) => at(atr, t - 1) / at(c, t),
    stoch_k_14: stochK,
    stoch_d_14_3: (t) => mean([stochK(t - 2), stochK(t - 1), stochK(t)]),
    volume_z_20: (t) => (at(logVolume, t) - mean(window(logVolume, t, 20))) / populationStd(window(logVolume, t, 20)),
    realized_vol_10: (t) => populationStd(window(logReturns, t, 10)),
    realized_vol_20: (t) => populationStd(window(logReturns, t, 20)),
    range_close: (t) => (at(h, t) - at(l, t)) / at(c, t),
    close_location: (t) => (at(c, t) - at(l, t)) / (at(h, t) - at(l, t)),
    gap_open: (t) => at(o, t) / at(c, t - 1) - 1,
  };
}

/** A random but valid continuation of `bars` after index t (dates kept, every value changed). */
function perturbAfter(bars: Bar[], t: number, random: () => number): Bar[] {
  const out = bars.slice(0, t + 1);
  let previousClose = (bars[t] as Bar).close;
  for (let i = t + 1; i < bars.length; i++) {
    const open = previousClose * (1 + (random() - 0.5) * 0.02);
    const close = open * (1 + (random() - 0.5) * 0.06);
    const high = Math.max(open, close) * (1 + random() * 0.01);
    const low = Math.min(open, close) * (1 - random() * 0.01);
    out.push({
      date: (bars[i] as Bar).date,
      open,
      high,
      low,
      close,
      adjClose: null,
      volume: randomInt(random, 1e6, 3e8),
    });
    previousClose = close;
  }
  return out;
}

const rowAt = (matrix: FeatureMatrix, date: string) => matrix.rows[matrix.dates.indexOf(date)];

describe("computeFeatures on real SPY data", () => {
  it("when computed on the 2-year file, then the 199-bar warm-up is dropped and every row is complete", () => {
    const matrix = computeFeatures(bars2y, DEFAULT_FEATURE_SPEC);
    expect(matrix.names).toEqual(DEFAULT_FEATURE_SPEC.features.map((f) => f.name));
    expect(matrix.warmup).toBe(199);
    expect(matrix.rows).toHaveLength(500 - 199);
    expect(matrix.dates[0]).toBe(bars2y[199]?.date);
    expect(matrix.dates.at(-1)).toBe("2023-09-29");
    expect(matrix.rows.every((row) => row.length === 23)).toBe(true);
  });

  it("when computed on the full history, then there is no NaN or Infinity anywhere", () => {
    expect(full.rows).toHaveLength(7723 - 199);
    const bad = full.rows.flatMap((row, i) =>
      row.flatMap((value, j) => (Number.isFinite(value) ? [] : [`${full.dates[i]} ${full.names[j]} ${value}`])),
    );
    expect(bad).toEqual([]);
  });

  it("when computed twice (also from a copy of the bars), then the results are identical", () => {
    const again = computeFeatures(
      barsFull.map((b) => ({ ...b })),
      DEFAULT_FEATURE_SPEC,
    );
    expect(again).toEqual(full);
  });

  it.each(["1994-06-01", "2008-10-10", "2020-03-23", "2023-09-29"])(
    "when compared with a straightforward reference on %s, then every feature belongs to that date",
    (date) => {
      const t = barsFull.findIndex((b) => b.date === date);
      const row = rowAt(full, date) as number[];
      const ref = reference(barsFull);
      full.names.forEach((name, j) => {
        const expected = (ref[name] as (t: number) => number)(t);
        const actual = row[j] as number;
        // RSI is rounded to 2 decimals by technicalindicators; everything else agrees to float precision.
        const tolerance = name === "rsi_14" ? 0.006 : 1e-9 * Math.max(1, Math.abs(expected));
        expect({ name, diff: Math.abs(actual - expected) <= tolerance }).toEqual({ name, diff: true });
        // The reference one day earlier is different, so a one-bar shift could not pass.
        const previous = (ref[name] as (t: number) => number)(t - 1);
        expect({ name, shifted: Math.abs(actual - previous) <= tolerance }).toEqual({ name, shifted: false });
      });
    },
  );
});

describe("computeFeatures: no look-ahead (property)", () => {
  it("when any bars after day t change, then no feature at day t or before changes (60 random t)", () => {
    const random = seededRandom(20231002);
    const base = computeFeatures(bars2y, DEFAULT_FEATURE_SPEC);
    for (let k = 0; k < 60; k++) {
      const t = k === 0 ? bars2y.length - 2 : randomInt(random, 150, bars2y.length - 2);
      const perturbed = computeFeatures(perturbAfter(bars2y, t, random), DEFAULT_FEATURE_SPEC);
      const cut = (bars2y[t] as Bar).date;
      const kept = base.dates.filter((d) => d <= cut).length;
      expect(perturbed.dates.slice(0, kept)).toEqual(base.dates.slice(0, kept));
      expect(perturbed.rows.slice(0, kept)).toEqual(base.rows.slice(0, kept));
      // The perturbation is real: the next day's features did change.
      expect(perturbed.rows[kept]).not.toEqual(base.rows[kept]);
    }
  });
});

describe("computeFeatures: bad input", () => {
  it("when there are fewer bars than the warm-up needs, then it fails saying so", () => {
    expect(() => computeFeatures(bars2y.slice(0, 199), DEFAULT_FEATURE_SPEC)).toThrow(
      "too few bars to compute features: 199 bars do not cover the warm-up of the feature spec (version 1)",
    );
    expect(computeFeatures(bars2y.slice(0, 200), DEFAULT_FEATURE_SPEC).rows).toHaveLength(1);
  });

  it("when bars are out of order or repeated, then it fails instead of computing nonsense", () => {
    const swapped = [...bars2y];
    [swapped[10], swapped[11]] = [swapped[11] as Bar, swapped[10] as Bar];
    expect(() => computeFeatures(swapped, DEFAULT_FEATURE_SPEC)).toThrow(DataError);
    expect(() => computeFeatures([...bars2y, bars2y.at(-1) as Bar], DEFAULT_FEATURE_SPEC)).toThrow(
      "bars must be in strictly increasing date order: 2023-09-29 then 2023-09-29",
    );
  });

  it("when a bar bypassing cleaning has a zero close, then it fails naming the feature and the date", () => {
    const broken = bars2y.map((b, i) => (i === 300 ? { ...b, close: 0, low: 0 } : b));
    expect(() => computeFeatures(broken, DEFAULT_FEATURE_SPEC)).toThrow(
      `feature macd_hist_close is -Infinity at ${broken[300]?.date}: the bars are broken`,
    );
  });

  it("when prices and volume are flat for 30 days, then spread-based features take neutral values, not float noise", () => {
    const flat = bars2y.map((b, i) =>
      i >= 300 && i < 330 ? { ...b, open: 400, high: 400, low: 400, close: 400, volume: 1e6 } : b,
    );
    const matrix = computeFeatures(flat, DEFAULT_FEATURE_SPEC);
    const row = rowAt(matrix, (flat[325] as Bar).date) as number[];
    const value = (name: string) => row[matrix.names.indexOf(name)];
    expect(value("bb_percent_b_20")).toBe(0.5);
    expect(value("bb_bandwidth_20")).toBe(0);
    expect(value("volume_z_20")).toBe(0);
    expect(value("close_location")).toBe(0.5);
    expect(value("realized_vol_20")).toBe(0);
  });
});
