import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import { beforeAll, describe, expect, it } from "vitest";
import { buildDataset, type Dataset } from "../../lib/dataset/build.js";
import { DEFAULT_FEATURE_SPEC, type FeatureSpec } from "../../lib/features/spec.js";
import { cleanBars } from "../../lib/market/clean.js";
import { parseBarsCsv } from "../../lib/market/csv-source.js";
import {
  BUNDLE_FILES,
  createBundleFiles,
  parseBundle,
  readBundleMlModel,
  type BundleFiles,
} from "../../lib/model/bundle.js";
import { BundleError, type BundleRejection } from "../../lib/model/errors.js";
import type { ForestJson } from "../../lib/model/forest-format.js";
import { trainForest, type TrainedForest } from "../../lib/model/train.js";
import { spy2yCsv } from "../helpers/data.js";

let dataset: Dataset;
let trained: TrainedForest;
let files: Record<string, string>;
const RUN_ID = "0123456789abcdef0123456789abcdef";

beforeAll(async () => {
  const bars = cleanBars(parseBarsCsv(readFileSync(spy2yCsv(), "utf8"), "spy-daily-2y.csv")).bars;
  dataset = buildDataset(bars, DEFAULT_FEATURE_SPEC);
  trained = await trainForest(dataset.X, dataset.y, { nEstimators: 15, maxDepth: 5, minSamplesLeaf: 5, threads: 1 });
  files = createBundleFiles({
    trained,
    featureSpec: DEFAULT_FEATURE_SPEC,
    training: {
      asOf: dataset.latest.date,
      firstDate: dataset.dates[0]!,
      lastDate: dataset.dates.at(-1)!,
      rows: dataset.X.length,
      datasetDigest: dataset.lineage.digest,
    },
    smokeRow: dataset.latest.features,
    runId: RUN_ID,
    codeVersion: "0.1.0",
    gitCommit: "abc1234",
    mlflowVersion: "3.17.2",
    createdAt: new Date("2026-11-22T08:15:02.123Z"),
    modelUuid: "f".repeat(32),
  });
});

/** Asserts parseBundle rejects `bundle` with `reason` and a message matching `message`. */
function expectRejected(bundle: BundleFiles, reason: BundleRejection, message: RegExp, codeSpec?: FeatureSpec): void {
  let caught: unknown;
  try {
    parseBundle(bundle, codeSpec ? { codeSpec } : {});
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(BundleError);
  expect((caught as BundleError).reason).toBe(reason);
  expect((caught as BundleError).message).toMatch(message);
}

const withFile = (name: string, content: string | Uint8Array): BundleFiles => ({ ...files, [name]: content });
const editJson = (name: string, edit: (value: Record<string, unknown>) => void): BundleFiles => {
  const value = JSON.parse(files[name]!) as Record<string, unknown>;
  edit(value);
  return withFile(name, JSON.stringify(value));
};

describe("model bundle", () => {
  it("when created, then it holds the four files and an MLmodel the MLflow UI understands", () => {
    expect(Object.keys(files).sort()).toEqual(["MLmodel", "feature_spec.json", "metadata.json", "model.json"]);
    const mlmodel = parseYaml(files.MLmodel!) as Record<string, unknown>;
    expect(mlmodel).toMatchObject({
      artifact_path: "model",
      run_id: RUN_ID,
      model_uuid: "f".repeat(32),
      mlflow_version: "3.17.2",
      utc_time_created: "2026-11-22 08:15:02.123000",
      flavors: {
        spy_rf: { format: "json", model_file: "model.json", feature_spec: "feature_spec.json", runtime: "node24" },
      },
    });
    const signature = mlmodel.signature as { inputs: string; outputs: string };
    const inputs = JSON.parse(signature.inputs) as { type: string; name: string }[];
    expect(inputs.map((c) => c.name)).toEqual(DEFAULT_FEATURE_SPEC.features.map((f) => f.name));
    expect(new Set(inputs.map((c) => c.type))).toEqual(new Set(["double"]));
    expect(readBundleMlModel(files)).toEqual(mlmodel);
  });

  it("when parsed back (as downloaded bytes), then it predicts exactly as the trained forest", () => {
    const bytes = Object.fromEntries(
      Object.entries(files).map(([name, text]) => [name, new TextEncoder().encode(text)]),
    );
    const loaded = parseBundle(bytes);
    expect(loaded.forest.predictUpProbability(dataset.X)).toEqual(trained.forest.predictUpProbability(dataset.X));
    expect(loaded.featureNames).toEqual(dataset.names);
    expect(loaded.featureSpec).toEqual(DEFAULT_FEATURE_SPEC);
    expect(loaded.smokeProbability).toBe(trained.forest.predictUpProbability([dataset.latest.features])[0]);
    expect(loaded.smokeProbability).toBeGreaterThanOrEqual(0);
    expect(loaded.smokeProbability).toBeLessThanOrEqual(1);
    expect(loaded.metadata).toMatchObject({
      run_id: RUN_ID,
      code_version: "0.1.0",
      git_commit: "abc1234",
      training: { as_of: dataset.latest.date, rows: dataset.X.length, dataset_digest: dataset.lineage.digest },
      trainer: { algorithm: "fast", options: { nEstimators: 15, maxDepth: 5 } },
      label: { column: "close", classes: { "0": "DOWN", "1": "UP" } },
    });
    const importance = loaded.metadata.feature_importance;
    expect(importance.map((f) => f.name)).toEqual(dataset.names);
    expect(importance.reduce((sum, f) => sum + f.importance, 0)).toBeCloseTo(1, 12);
  });

  describe("when a file is missing, then the bundle is rejected naming it", () => {
    it.each(Object.values(BUNDLE_FILES))("%s", (name) => {
      const { [name]: _dropped, ...rest } = files;
      expectRejected(rest, "missing_file", new RegExp(`no ${name}`));
    });
  });

  describe("when a file is corrupt, then the bundle is rejected naming it", () => {
    it.each([BUNDLE_FILES.model, BUNDLE_FILES.featureSpec, BUNDLE_FILES.metadata])("%s cut in half", (name) => {
      expectRejected(
        withFile(name, files[name]!.slice(0, files[name]!.length / 2)),
        "corrupt_file",
        new RegExp(`${name} is not valid JSON`),
      );
    });
    it("MLmodel that is not YAML", () => {
      expectRejected(withFile(BUNDLE_FILES.mlmodel, "flavors: [unclosed"), "corrupt_file", /MLmodel is not valid YAML/);
    });
    it("bytes that are not UTF-8", () => {
      expectRejected(
        withFile(BUNDLE_FILES.model, Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])),
        "corrupt_file",
        /model.json is not UTF-8/,
      );
    });
  });

  describe("when a file has the wrong shape, then the bundle is rejected", () => {
    it("model.json that is not a forest", () => {
      expectRejected(
        withFile(BUNDLE_FILES.model, JSON.stringify({ name: "RFClassifier" })),
        "invalid_shape",
        /model.json: not an ml-random-forest classifier: baseModel/,
      );
    });
    it("model.json with a broken tree", () => {
      const broken = editJson(BUNDLE_FILES.model, (forest) => {
        const model = forest as unknown as ForestJson;
        (model.baseModel.estimators[0]!.root as unknown as Record<string, unknown>).left = 42;
      });
      expectRejected(
        broken,
        "invalid_shape",
        /model.json: baseModel.estimators.0.root.left: expected a tree node object/,
      );
    });
    it("MLmodel without the spy_rf flavor", () => {
      const mlmodel = parseYaml(files.MLmodel!) as Record<string, unknown>;
      expectRejected(
        withFile(BUNDLE_FILES.mlmodel, JSON.stringify({ ...mlmodel, flavors: { python_function: {} } })),
        "invalid_shape",
        /MLmodel: flavors.spy_rf/,
      );
    });
    it("metadata.json without the smoke row", () => {
      expectRejected(
        editJson(BUNDLE_FILES.metadata, (m) => delete m.smoke),
        "invalid_shape",
        /metadata.json: smoke/,
      );
    });
    it("feature_spec.json with an unknown feature kind", () => {
      const broken = editJson(BUNDLE_FILES.featureSpec, (spec) => {
        (spec.features as { kind: string }[])[0]!.kind = "moon_phase";
      });
      expectRejected(broken, "invalid_shape", /feature_spec.json: features.0/);
    });
  });

  describe("when the feature spec does not match the serving code, then the bundle is rejected", () => {
    it("an older spec version", () => {
      expectRejected(
        editJson(BUNDLE_FILES.featureSpec, (spec) => (spec.version = 99)),
        "incompatible_spec",
        /version 99 of the model differs/,
      );
    });
    it("a feature computed with other parameters", () => {
      const codeSpec: FeatureSpec = structuredClone(DEFAULT_FEATURE_SPEC);
      codeSpec.features[10] = { name: "rsi_14", kind: "rsi", params: { period: 21 } };
      expectRejected(
        files,
        "incompatible_spec",
        /feature "rsi_14": the model uses rsi \{period: 14\}, this code computes rsi \{period: 21\}/,
        codeSpec,
      );
    });
    it("code that computes fewer features", () => {
      const codeSpec: FeatureSpec = { ...DEFAULT_FEATURE_SPEC, features: DEFAULT_FEATURE_SPEC.features.slice(0, 20) };
      expectRejected(files, "incompatible_spec", /the model has 23 features, this code computes 20/, codeSpec);
    });
  });

  describe("when feature counts disagree inside the bundle, then it is rejected", () => {
    it("metadata lists other features than the spec", () => {
      const broken = editJson(
        BUNDLE_FILES.metadata,
        (m) => ((m.features as { names: string[] }).names = dataset.names.slice(1)),
      );
      expectRejected(broken, "feature_mismatch", /metadata.json lists features that differ/);
    });
    it("the smoke row has the wrong width", () => {
      const broken = editJson(BUNDLE_FILES.metadata, (m) => ((m.smoke as { row: number[] }).row = [0.1, 0.2]));
      expectRejected(broken, "feature_mismatch", /smoke row has 2 values for 23 features/);
    });
    it("the forest reads a column the spec does not have", () => {
      const broken = editJson(BUNDLE_FILES.model, (forest) => {
        (forest as unknown as ForestJson).baseModel.indexes[0] = Array.from({ length: 23 }, (_, i) => i + 30);
      });
      expectRejected(broken, "feature_mismatch", /model.json reads feature column 52, the spec has 23 features/);
    });
    it("createBundleFiles is given a smoke row of the wrong width", () => {
      expect(() =>
        createBundleFiles({
          trained,
          featureSpec: DEFAULT_FEATURE_SPEC,
          training: { asOf: "2023-09-29", firstDate: "2022-07-01", lastDate: "2023-09-28", rows: 1 },
          smokeRow: [1, 2, 3],
          runId: RUN_ID,
          codeVersion: "0.1.0",
        }),
      ).toThrow(/smoke row has 3 values, the spec 23 features/);
    });
  });

  describe("when the forest does not reproduce its recorded smoke prediction, then it is rejected", () => {
    it("a recorded probability that differs", () => {
      const recorded = trained.forest.predictUpProbability([dataset.latest.features])[0]!;
      const broken = editJson(
        BUNDLE_FILES.metadata,
        (m) => ((m.smoke as { p_up: number }).p_up = recorded > 0.5 ? 0 : 1),
      );
      expectRejected(broken, "smoke_failed", /smoke prediction .* differs from the recorded/);
    });
    it("a model.json swapped for another forest", async () => {
      const other = await trainForest(
        dataset.X,
        dataset.y.map((v) => 1 - v),
        { nEstimators: 15, maxDepth: 5, minSamplesLeaf: 5, threads: 1 },
      );
      expectRejected(
        withFile(BUNDLE_FILES.model, JSON.stringify(other.model)),
        "smoke_failed",
        /does not match its metadata/,
      );
    });
  });
});
