import { z } from "zod";

/**
 * The versioned feature spec: which features a model was trained on, in column order, with their parameters.
 * It is saved in every model bundle; the API checks it against the code before serving a model.
 *
 * Bump FEATURE_SPEC_VERSION whenever the computation of any feature kind changes (formula, input column,
 * warm-up handling), so models trained on the old computation are rejected instead of silently fed different
 * numbers.
 */
export const FEATURE_SPEC_VERSION = 1;

const period = z.number().int().min(1).max(1000);

const featureDefinition = z.discriminatedUnion("kind", [
  /** close[t] / close[t - horizon] - 1 */
  z.object({ kind: z.literal("return"), params: z.strictObject({ horizon: period }) }),
  /** close / SMA(period) - 1 */
  z.object({ kind: z.literal("sma_ratio"), params: z.strictObject({ period }) }),
  /** close / EMA(period) - 1 */
  z.object({ kind: z.literal("ema_ratio"), params: z.strictObject({ period }) }),
  /** RSI(period), 0..100 */
  z.object({ kind: z.literal("rsi"), params: z.strictObject({ period }) }),
  /** MACD(fast, slow, signal) histogram / close */
  z.object({
    kind: z.literal("macd_histogram"),
    params: z
      .strictObject({ fast: period, slow: period, signal: period })
      .refine((p) => p.fast < p.slow, "fast must be shorter than slow"),
  }),
  /** Bollinger %B: (close - lower) / (upper - lower); 0.5 when the band has zero width */
  z.object({
    kind: z.literal("bollinger_percent_b"),
    params: z.strictObject({ period: period.min(2), stdDev: z.number().positive().max(10) }),
  }),
  /** Bollinger bandwidth: (upper - lower) / middle; 0 when the band has zero width */
  z.object({
    kind: z.literal("bollinger_bandwidth"),
    params: z.strictObject({ period: period.min(2), stdDev: z.number().positive().max(10) }),
  }),
  /** ATR(period) / close */
  z.object({ kind: z.literal("atr_ratio"), params: z.strictObject({ period }) }),
  /** Stochastic %K(period), 0..100 */
  z.object({ kind: z.literal("stochastic_k"), params: z.strictObject({ period }) }),
  /** Stochastic %D: SMA(signal) of %K(period), 0..100 */
  z.object({ kind: z.literal("stochastic_d"), params: z.strictObject({ period, signal: period }) }),
  /** z-score of ln(1 + volume) against its mean and standard deviation over `period` days (0 when flat) */
  z.object({ kind: z.literal("volume_zscore"), params: z.strictObject({ period: period.min(2) }) }),
  /** Standard deviation of daily log returns over `period` days */
  z.object({ kind: z.literal("realized_volatility"), params: z.strictObject({ period: period.min(2) }) }),
  /** (high - low) / close */
  z.object({ kind: z.literal("intraday_range"), params: z.strictObject({}) }),
  /** (close - low) / (high - low): where the close sits in the day's range (0.5 when high = low) */
  z.object({ kind: z.literal("close_location"), params: z.strictObject({}) }),
  /** open[t] / close[t - 1] - 1 */
  z.object({ kind: z.literal("overnight_gap"), params: z.strictObject({}) }),
]);

const featureName = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,63}$/, "feature names are lower_snake_case, at most 64 characters");

/** Parses a feature spec read from a model bundle (any version; compatibility is checked separately). */
export const featureSpecSchema = z.object({
  version: z.number().int().positive(),
  features: z
    .array(z.intersection(z.object({ name: featureName }), featureDefinition))
    .min(1)
    .refine(
      (features) => new Set(features.map((f) => f.name)).size === features.length,
      "feature names must be unique",
    ),
});

export type FeatureSpec = z.infer<typeof featureSpecSchema>;
export type FeatureDefinition = FeatureSpec["features"][number];
export type FeatureKind = FeatureDefinition["kind"];

/** The features the job trains on and the API computes: 23 stationary features of daily OHLCV bars. */
export const DEFAULT_FEATURE_SPEC: FeatureSpec = {
  version: FEATURE_SPEC_VERSION,
  features: [
    { name: "ret_1", kind: "return", params: { horizon: 1 } },
    { name: "ret_5", kind: "return", params: { horizon: 5 } },
    { name: "ret_10", kind: "return", params: { horizon: 10 } },
    { name: "ret_20", kind: "return", params: { horizon: 20 } },
    { name: "close_sma_10", kind: "sma_ratio", params: { period: 10 } },
    { name: "close_sma_20", kind: "sma_ratio", params: { period: 20 } },
    { name: "close_sma_50", kind: "sma_ratio", params: { period: 50 } },
    { name: "close_sma_200", kind: "sma_ratio", params: { period: 200 } },
    { name: "close_ema_12", kind: "ema_ratio", params: { period: 12 } },
    { name: "close_ema_26", kind: "ema_ratio", params: { period: 26 } },
    { name: "rsi_14", kind: "rsi", params: { period: 14 } },
    { name: "macd_hist_close", kind: "macd_histogram", params: { fast: 12, slow: 26, signal: 9 } },
    { name: "bb_percent_b_20", kind: "bollinger_percent_b", params: { period: 20, stdDev: 2 } },
    { name: "bb_bandwidth_20", kind: "bollinger_bandwidth", params: { period: 20, stdDev: 2 } },
    { name: "atr_close_14", kind: "atr_ratio", params: { period: 14 } },
    { name: "stoch_k_14", kind: "stochastic_k", params: { period: 14 } },
    { name: "stoch_d_14_3", kind: "stochastic_d", params: { period: 14, signal: 3 } },
    { name: "volume_z_20", kind: "volume_zscore", params: { period: 20 } },
    { name: "realized_vol_10", kind: "realized_volatility", params: { period: 10 } },
    { name: "realized_vol_20", kind: "realized_volatility", params: { period: 20 } },
    { name: "range_close", kind: "intraday_range", params: {} },
    { name: "close_location", kind: "close_location", params: {} },
    { name: "gap_open", kind: "overnight_gap", params: {} },
  ],
};

/** Params as a stable string (sorted keys) for comparison and messages. */
function paramsText(params: Record<string, number>): string {
  const keys = Object.keys(params).sort();
  return `{${keys.map((key) => `${key}: ${params[key]}`).join(", ")}}`;
}

export type SpecCompatibility = { ok: true } | { ok: false; reason: string };

/**
 * Whether this code (`codeSpec`, normally DEFAULT_FEATURE_SPEC) computes exactly the features a model was trained
 * on (`modelSpec`, from its bundle): same version, same features in the same order with the same parameters.
 * Returns the first difference as a sentence otherwise.
 */
export function checkSpecCompatibility(modelSpec: FeatureSpec, codeSpec: FeatureSpec): SpecCompatibility {
  if (modelSpec.version !== codeSpec.version) {
    return {
      ok: false,
      reason: `feature spec version ${modelSpec.version} of the model differs from version ${codeSpec.version} of this code`,
    };
  }
  const count = Math.max(modelSpec.features.length, codeSpec.features.length);
  for (let i = 0; i < count; i++) {
    const model = modelSpec.features[i];
    const code = codeSpec.features[i];
    if (!model || !code) {
      return {
        ok: false,
        reason: `the model has ${modelSpec.features.length} features, this code computes ${codeSpec.features.length}`,
      };
    }
    if (model.name !== code.name) {
      return {
        ok: false,
        reason: `feature ${i + 1}: the model expects "${model.name}", this code computes "${code.name}"`,
      };
    }
    const modelParams = paramsText(model.params);
    const codeParams = paramsText(code.params);
    if (model.kind !== code.kind || modelParams !== codeParams) {
      return {
        ok: false,
        reason:
          `feature "${model.name}": the model uses ${model.kind} ${modelParams}, ` +
          `this code computes ${code.kind} ${codeParams}`,
      };
    }
  }
  return { ok: true };
}
