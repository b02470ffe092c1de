import { ATR, BollingerBands, EMA, MACD, RSI, SMA, Stochastic } from "technicalindicators";
import type { Bar } from "../market/types.js";
import { alignRight } from "./align.js";
import type { FeatureDefinition } from "./spec.js";

/** One value per bar; undefined during an indicator's warm-up. Every value at index t uses bars 0..t only. */
export type Column = (number | undefined)[];

/** The bar columns, extracted once per computation. */
export interface BarSeries {
  open: number[];
  high: number[];
  low: number[];
  close: number[];
  volume: number[];
}

export function barSeries(bars: readonly Bar[]): BarSeries {
  return {
    open: bars.map((b) => b.open),
    high: bars.map((b) => b.high),
    low: bars.map((b) => b.low),
    close: bars.map((b) => b.close),
    volume: bars.map((b) => b.volume),
  };
}

/**
 * Relative size below which a spread (band width, standard deviation) counts as zero: technicalindicators' running
 * sums leave float noise (~1e-15) on flat stretches, which would otherwise turn 0/0 into arbitrary finite values.
 */
const FLAT = 1e-9;

/** column[t] = f(t) for t >= from, undefined before. */
function fromIndex(n: number, from: number, f: (t: number) => number | undefined): Column {
  const column: Column = new Array<number | undefined>(n).fill(undefined);
  for (let t = from; t < n; t++) column[t] = f(t);
  return column;
}

/** value[t] / close[t] - 1 where an indicator value exists. */
function ratioToClose(indicator: Column, close: readonly number[]): Column {
  return indicator.map((value, t) => (value === undefined ? undefined : (close[t] as number) / value - 1));
}

/** Population mean and standard deviation of values[t - period + 1 .. t] (each window summed afresh: no drift). */
function rollingMeanStd(values: Column, period: number, t: number): { mean: number; std: number } | undefined {
  if (t + 1 < period) return undefined;
  let sum = 0;
  for (let i = t - period + 1; i <= t; i++) {
    const value = values[i];
    if (value === undefined) return undefined;
    sum += value;
  }
  const mean = sum / period;
  let squares = 0;
  for (let i = t - period + 1; i <= t; i++) squares += ((values[i] as number) - mean) ** 2;
  return { mean, std: Math.sqrt(squares / period) };
}

/** Computes one feature column over the whole history. */
export function computeColumn(feature: FeatureDefinition, series: BarSeries): Column {
  const { open, high, low, close, volume } = series;
  const n = close.length;
  switch (feature.kind) {
    case "return": {
      const h = feature.params.horizon;
      return fromIndex(n, h, (t) => (close[t] as number) / (close[t - h] as number) - 1);
    }
    case "sma_ratio":
      return ratioToClose(alignRight(SMA.calculate({ period: feature.params.period, values: close }), n), close);
    case "ema_ratio":
      return ratioToClose(alignRight(EMA.calculate({ period: feature.params.period, values: close }), n), close);
    case "rsi":
      return alignRight(RSI.calculate({ period: feature.params.period, values: close }), n);
    case "macd_histogram": {
      const { fast, slow, signal } = feature.params;
      const output = MACD.calculate({
        values: close,
        fastPeriod: fast,
        slowPeriod: slow,
        signalPeriod: signal,
        SimpleMAOscillator: false,
        SimpleMASignal: false,
      });
      const histogram = alignRight(
        output.map((o) => o.histogram),
        n,
      );
      return histogram.map((value, t) => (value === undefined ? undefined : value / (close[t] as number)));
    }
    case "bollinger_percent_b":
    case "bollinger_bandwidth": {
      const bands = alignRight(BollingerBands.calculate({ ...feature.params, values: close }), n);
      // A band of zero width (a flat stretch) puts the close in the middle (%B 0.5) with bandwidth 0.
      return bands.map((band) => {
        if (band === undefined) return undefined;
        const flat = band.upper - band.lower <= FLAT * band.middle;
        if (feature.kind === "bollinger_percent_b") return flat ? 0.5 : band.pb;
        return flat ? 0 : (band.upper - band.lower) / band.middle;
      });
    }
    case "atr_ratio": {
      const atr = alignRight(ATR.calculate({ period: feature.params.period, high, low, close }), n);
      return atr.map((value, t) => (value === undefined ? undefined : value / (close[t] as number)));
    }
    case "stochastic_k":
    case "stochastic_d": {
      const signalPeriod = feature.kind === "stochastic_d" ? feature.params.signal : 3;
      const output = alignRight(
        Stochastic.calculate({ period: feature.params.period, signalPeriod, high, low, close }),
        n,
      );
      return output.map((o) => (o === undefined ? undefined : feature.kind === "stochastic_k" ? o.k : o.d));
    }
    case "volume_zscore": {
      const logVolume: Column = volume.map((v) => Math.log1p(v));
      return fromIndex(n, 0, (t) => {
        const stats = rollingMeanStd(logVolume, feature.params.period, t);
        if (!stats) return undefined;
        return stats.std <= FLAT * stats.mean ? 0 : ((logVolume[t] as number) - stats.mean) / stats.std;
      });
    }
    case "realized_volatility": {
      const logReturns = fromIndex(n, 1, (t) => Math.log((close[t] as number) / (close[t - 1] as number)));
      return fromIndex(n, 0, (t) => rollingMeanStd(logReturns, feature.params.period, t)?.std);
    }
    case "intraday_range":
      return fromIndex(n, 0, (t) => ((high[t] as number) - (low[t] as number)) / (close[t] as number));
    case "close_location":
      return fromIndex(n, 0, (t) => {
        const range = (high[t] as number) - (low[t] as number);
        return range === 0 ? 0.5 : ((close[t] as number) - (low[t] as number)) / range;
      });
    case "overnight_gap":
      return fromIndex(n, 1, (t) => (open[t] as number) / (close[t - 1] as number) - 1);
  }
}
