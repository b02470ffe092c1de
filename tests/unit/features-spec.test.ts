import { describe, expect, it } from "vitest";
import {
  checkSpecCompatibility,
  DEFAULT_FEATURE_SPEC,
  FEATURE_SPEC_VERSION,
  featureSpecSchema,
  type FeatureSpec,
} from "../../lib/features/spec.js";

/** A deep copy, as if read back from a model bundle. */
const fromBundle = (spec: unknown): unknown => JSON.parse(JSON.stringify(spec));

function issues(input: unknown): string[] {
  const result = featureSpecSchema.safeParse(input);
  expect(result.success).toBe(false);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("feature spec schema", () => {
  it("when the default spec is saved and read back, then it parses to the same value and is compatible", () => {
    const parsed = featureSpecSchema.parse(fromBundle(DEFAULT_FEATURE_SPEC));
    expect(parsed).toEqual(DEFAULT_FEATURE_SPEC);
    expect(checkSpecCompatibility(parsed, DEFAULT_FEATURE_SPEC)).toEqual({ ok: true });
  });

  it("when listing the default features, then there are 23 with unique lower_snake_case names", () => {
    const names = DEFAULT_FEATURE_SPEC.features.map((f) => f.name);
    expect(names).toHaveLength(23);
    expect(new Set(names).size).toBe(23);
    expect(DEFAULT_FEATURE_SPEC.version).toBe(FEATURE_SPEC_VERSION);
  });

  it("when a kind is unknown, then parsing fails at that feature", () => {
    const spec = { version: 1, features: [{ name: "x", kind: "tea_leaves", params: {} }] };
    expect(issues(spec)[0]).toMatch(/^features\.0\.kind: Invalid discriminator value/);
  });

  it("when a parameter is unknown, missing or out of range, then parsing fails naming it", () => {
    expect(issues({ version: 1, features: [{ name: "r", kind: "rsi", params: { period: 14, smooth: 2 } }] })).toEqual([
      'features.0.params: Unrecognized key: "smooth"',
    ]);
    expect(issues({ version: 1, features: [{ name: "r", kind: "rsi", params: {} }] })[0]).toMatch(
      /^features\.0\.params\.period: /,
    );
    expect(issues({ version: 1, features: [{ name: "r", kind: "return", params: { horizon: 0 } }] })[0]).toMatch(
      /^features\.0\.params\.horizon: /,
    );
    expect(
      issues({
        version: 1,
        features: [{ name: "m", kind: "macd_histogram", params: { fast: 26, slow: 12, signal: 9 } }],
      }),
    ).toEqual(["features.0.params: fast must be shorter than slow"]);
  });

  it("when names repeat or are not lower_snake_case, then parsing fails", () => {
    const twice = { name: "a", kind: "intraday_range", params: {} };
    expect(issues({ version: 1, features: [twice, twice] })).toEqual(["features: feature names must be unique"]);
    expect(issues({ version: 1, features: [{ ...twice, name: "Bad Name" }] })[0]).toMatch(/^features\.0\.name: /);
  });

  it("when the version or the features are missing, then parsing fails", () => {
    expect(issues({ features: DEFAULT_FEATURE_SPEC.features })[0]).toMatch(/^version: /);
    expect(issues({ version: 1, features: [] })[0]).toMatch(/^features: /);
    expect(issues("not a spec")).toHaveLength(1);
  });
});

describe("checkSpecCompatibility", () => {
  const code = DEFAULT_FEATURE_SPEC;
  const model = (): FeatureSpec => featureSpecSchema.parse(fromBundle(DEFAULT_FEATURE_SPEC));

  it("when the model's spec has another version, then the reason names both versions", () => {
    expect(checkSpecCompatibility({ ...model(), version: 2 }, code)).toEqual({
      ok: false,
      reason: "feature spec version 2 of the model differs from version 1 of this code",
    });
  });

  it("when the model has fewer features, then the reason gives both counts", () => {
    const spec = model();
    spec.features.pop();
    expect(checkSpecCompatibility(spec, code)).toEqual({
      ok: false,
      reason: "the model has 22 features, this code computes 23",
    });
  });

  it("when two features are swapped, then the first position that differs is named", () => {
    const spec = model();
    const [first, second] = spec.features;
    spec.features[0] = second as FeatureSpec["features"][number];
    spec.features[1] = first as FeatureSpec["features"][number];
    expect(checkSpecCompatibility(spec, code)).toEqual({
      ok: false,
      reason: 'feature 1: the model expects "ret_5", this code computes "ret_1"',
    });
  });

  it("when a parameter differs, then the reason shows both parameter sets", () => {
    const spec = model();
    spec.features[10] = { name: "rsi_14", kind: "rsi", params: { period: 10 } };
    expect(checkSpecCompatibility(spec, code)).toEqual({
      ok: false,
      reason: 'feature "rsi_14": the model uses rsi {period: 10}, this code computes rsi {period: 14}',
    });
  });

  it("when the kind differs under the same name, then the reason shows both kinds", () => {
    const spec = model();
    spec.features[8] = { name: "close_ema_12", kind: "sma_ratio", params: { period: 12 } };
    expect(checkSpecCompatibility(spec, code)).toEqual({
      ok: false,
      reason:
        'feature "close_ema_12": the model uses sma_ratio {period: 12}, this code computes ema_ratio {period: 12}',
    });
  });
});
