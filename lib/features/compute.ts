import { DataError } from "../market/errors.js";
import type { Bar } from "../market/types.js";
import { barSeries, computeColumn, type Column } from "./columns.js";
import type { FeatureDefinition, FeatureSpec } from "./spec.js";

/** Feature rows, one per bar after the warm-up, columns in spec order. */
export interface FeatureMatrix {
  names: string[];
  /** The bar date of each row. */
  dates: string[];
  rows: number[][];
  /** How many leading bars were dropped because some indicator had no value yet. */
  warmup: number;
}

function assertUsableBars(bars: readonly Bar[]): void {
  for (let i = 0; i < bars.length; i++) {
    const bar = bars[i] as Bar;
    const previous = bars[i - 1];
    if (previous && previous.date >= bar.date) {
      throw new DataError(`bars must be in strictly increasing date order: ${previous.date} then ${bar.date}`);
    }
    for (const field of ["open", "high", "low", "close", "volume"] as const) {
      if (!Number.isFinite(bar[field])) throw new DataError(`bar ${bar.date}: ${field} is not a finite number`);
    }
  }
}

/**
 * Computes the spec's features over the whole history at once and drops the warm-up rows (the leading bars where
 * any indicator has no value yet); nothing is ever zero-filled. Every value at a bar's date uses that bar and
 * earlier bars only. Call it on the full available history, never on a short window: EMA, RSI and MACD depend on
 * their seed and converge only after a few hundred bars. A missing or non-finite value after the warm-up means the
 * bars are broken and throws DataError.
 */
export function computeFeatures(bars: readonly Bar[], spec: FeatureSpec): FeatureMatrix {
  assertUsableBars(bars);
  const series = barSeries(bars);
  const names = spec.features.map((feature) => feature.name);
  const columns: Column[] = spec.features.map((feature) => computeColumn(feature, series));

  // The warm-up ends at the first bar where every column has a finite value.
  let warmup = 0;
  while (warmup < bars.length && columns.some((column) => !Number.isFinite(column[warmup]))) warmup++;
  if (warmup === bars.length) {
    throw new DataError(
      `too few bars to compute features: ${bars.length} bars do not cover the warm-up of the feature spec ` +
        `(version ${spec.version}); provide a longer history`,
    );
  }

  const dates: string[] = [];
  const rows: number[][] = [];
  for (let t = warmup; t < bars.length; t++) {
    const row = new Array<number>(columns.length);
    for (let j = 0; j < columns.length; j++) {
      const value = (columns[j] as Column)[t];
      if (value === undefined || !Number.isFinite(value)) {
        throw new DataError(`feature ${names[j]} is ${String(value)} at ${(bars[t] as Bar).date}: the bars are broken`);
      }
      row[j] = value;
    }
    dates.push((bars[t] as Bar).date);
    rows.push(row);
  }
  return { names, dates, rows, warmup };
}

/** Leading bars without a value for one feature (the table in libraries.md §2, plus the plain formulas here). */
export function featureWarmup(feature: FeatureDefinition): number {
  switch (feature.kind) {
    case "return":
      return feature.params.horizon;
    case "sma_ratio":
    case "ema_ratio":
    case "stochastic_k":
    case "volume_zscore":
    case "bollinger_percent_b":
    case "bollinger_bandwidth":
      return feature.params.period - 1;
    case "rsi":
    case "atr_ratio":
    case "realized_volatility":
      return feature.params.period;
    case "macd_histogram":
      return feature.params.slow + feature.params.signal - 2;
    case "stochastic_d":
      return feature.params.period + feature.params.signal - 2;
    case "intraday_range":
    case "close_location":
      return 0;
    case "overnight_gap":
      return 1;
  }
}

/** Leading bars dropped by computeFeatures for `spec`: the longest warm-up of its features. */
export function specWarmup(spec: FeatureSpec): number {
  return Math.max(...spec.features.map(featureWarmup));
}
