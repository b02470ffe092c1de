import { ATR, BollingerBands, EMA, MACD, OBV, ROC, RSI, SMA, Stochastic } from "technicalindicators";
import { describe, expect, it } from "vitest";
import { alignRight } from "../../lib/features/align.js";
import { computeFeatures, featureWarmup, specWarmup } from "../../lib/features/compute.js";
import { DEFAULT_FEATURE_SPEC } from "../../lib/features/spec.js";
import { cleanBars } from "../../lib/market/clean.js";
import { createCsvSource } from "../../lib/market/csv-source.js";
import { spy2yCsv } from "../helpers/data.js";

const N = 60;
const close = Array.from({ length: N }, (_, i) => 100 + 5 * Math.sin(i / 3) + 0.1 * i);
const high = close.map((c, i) => c + 1 + 0.1 * Math.cos(i));
const low = close.map((c, i) => c - 1 - 0.1 * Math.sin(i));
const volume = close.map((_, i) => 1000 + 10 * i);

/** The first input index that receives a defined value after alignment. */
const firstDefined = (values: readonly unknown[]): number => alignRight(values, N).findIndex((v) => v !== undefined);

describe("alignRight", () => {
  it("when an output is shorter than its input, then it is placed at the end and the warm-up stays undefined", () => {
    expect(alignRight([7, 8], 4)).toEqual([undefined, undefined, 7, 8]);
    expect(alignRight([], 2)).toEqual([undefined, undefined]);
    expect(alignRight([1, 2, 3], 3)).toEqual([1, 2, 3]);
  });

  it("when an output is longer than its input, then it throws", () => {
    expect(() => alignRight([1, 2, 3], 2)).toThrow(RangeError);
  });

  // The table in libraries.md §2, measured with N = 60 inputs.
  it.each([
    ["SMA(10)", () => SMA.calculate({ period: 10, values: close }), N - 10 + 1, 9],
    ["EMA(10)", () => EMA.calculate({ period: 10, values: close }), N - 10 + 1, 9],
    ["BollingerBands(20)", () => BollingerBands.calculate({ period: 20, stdDev: 2, values: close }), N - 20 + 1, 19],
    ["RSI(14)", () => RSI.calculate({ period: 14, values: close }), N - 14, 14],
    ["ATR(14)", () => ATR.calculate({ period: 14, high, low, close }), N - 14, 14],
    ["ROC(10)", () => ROC.calculate({ period: 10, values: close }), N - 10, 10],
    [
      "MACD(12,26,9)",
      () =>
        MACD.calculate({
          values: close,
          fastPeriod: 12,
          slowPeriod: 26,
          signalPeriod: 9,
          SimpleMAOscillator: false,
          SimpleMASignal: false,
        }),
      N - 26 + 1,
      25,
    ],
    ["Stochastic(14,3)", () => Stochastic.calculate({ period: 14, signalPeriod: 3, high, low, close }), N - 14 + 1, 13],
    ["OBV", () => OBV.calculate({ close, volume }), N - 1, 1],
  ])(
    "when %s is aligned, then its output length and first input index match the table",
    (_name, run, length, first) => {
      const output = run() as unknown[];
      expect(output).toHaveLength(length);
      expect(firstDefined(output)).toBe(first);
    },
  );

  it("when MACD's histogram and the stochastic %D are aligned, then they start sig - 1 bars after their line", () => {
    const macd = MACD.calculate({
      values: close,
      fastPeriod: 12,
      slowPeriod: 26,
      signalPeriod: 9,
      SimpleMAOscillator: false,
      SimpleMASignal: false,
    });
    expect(firstDefined(macd.map((m) => m.histogram))).toBe(26 + 9 - 2);
    const stochastic = Stochastic.calculate({ period: 14, signalPeriod: 3, high, low, close });
    expect(firstDefined(stochastic.map((s) => s.d))).toBe(14 + 3 - 2);
  });

  it("when SMA(5) is aligned, then the value at index t is the mean of inputs t-4..t", () => {
    const aligned = alignRight(SMA.calculate({ period: 5, values: close }), N);
    for (const t of [4, 30, N - 1]) {
      const mean = close.slice(t - 4, t + 1).reduce((a, b) => a + b, 0) / 5;
      expect(aligned[t]).toBeCloseTo(mean, 10);
    }
  });

  it("when each default feature is computed alone on real data, then its warm-up equals featureWarmup", async () => {
    const { bars } = cleanBars((await createCsvSource(spy2yCsv()).fetchBars()).bars, {
      now: new Date("2023-10-02T12:00:00Z"),
    });
    for (const feature of DEFAULT_FEATURE_SPEC.features) {
      const { warmup } = computeFeatures(bars, { version: DEFAULT_FEATURE_SPEC.version, features: [feature] });
      expect({ feature: feature.name, warmup }).toEqual({ feature: feature.name, warmup: featureWarmup(feature) });
    }
    expect(specWarmup(DEFAULT_FEATURE_SPEC)).toBe(199);
  });
});
