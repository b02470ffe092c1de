import { PREDICTION_FIELDS } from "../helpers/prediction-contract.js";
import { beforeAll, describe, expect, it } from "vitest";
import type { ServedModel } from "../../api/champion.js";
import type { MarketSnapshot } from "../../api/market-data.js";
import { computePrediction, decide, PredictionCache, renderPrediction } from "../../api/prediction.js";
import { API_VERSION } from "../../api/version.js";
import { parseBundle } from "../../lib/model/bundle.js";
import { testDataset, trainTestBundle } from "../helpers/model-registry.js";

let model: ServedModel;
let snapshot: MarketSnapshot;

const RUN_ID = "ab".repeat(16);

beforeAll(async () => {
  const bundle = await trainTestBundle({ seed: 3, runId: RUN_ID });
  model = {
    name: "spy-direction",
    alias: "champion",
    version: "7",
    runId: RUN_ID,
    createdAt: new Date("2023-09-30T00:00:00Z"),
    loadedAt: new Date(),
    source: "mlflow-artifacts:/1/x/artifacts/model",
    model: parseBundle(bundle.files),
  };
  const data = testDataset();
  snapshot = {
    asOf: data.latest.date,
    forDate: "2023-10-02",
    features: data.latest.features,
    bars: 500,
    firstDate: "2021-10-05",
    source: "test",
  };
});

const snapshotOfRow = (row: number[], asOf: string): MarketSnapshot => ({ ...snapshot, asOf, features: row });

describe("prediction rendering", () => {
  it("when rendered, then the body is JSON with every contract field, in order, with its type and value", () => {
    const prediction = computePrediction(model, snapshot);
    const body = JSON.parse(renderPrediction(prediction, 0.3, "2023-09-30T12:00:00.000Z")) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(PREDICTION_FIELDS);
    expect(body).toEqual({
      prediction: prediction.probability >= 0.3 ? "UP" : "DOWN",
      confidence: prediction.probability,
      threshold: 0.3,
      model_source: "mlflow",
      model_alias: "champion",
      model_name: "spy-direction",
      model_version: "7",
      run_id: RUN_ID,
      as_of: "2023-09-29",
      for_date: "2023-10-02",
      generated_at: "2023-09-30T12:00:00.000Z",
      api_version: API_VERSION,
    });
  });

  it("when computed, then confidence is P(UP) = the share of trees voting UP, not a class label", () => {
    const prediction = computePrediction(model, snapshot);
    const votes = model.model.forest.treeVotes(snapshot.features);
    const up = votes.reduce((sum, vote) => sum + vote, 0);
    expect(prediction.probability).toBe(up / votes.length);
    expect(prediction.probability).toBeGreaterThan(0);
    expect(prediction.probability).toBeLessThan(1);
  });

  it("when the feature rows differ, then the confidence varies across them", () => {
    const { X, dates } = testDataset();
    const confidences = new Set(
      X.slice(-40).map((row, i) => computePrediction(model, snapshotOfRow(row, dates.at(-40 + i)!)).probability),
    );
    expect(confidences.size).toBeGreaterThanOrEqual(3);
  });

  it("when thresholds sweep [0, 1], then UP is answered exactly when P(UP) >= threshold", () => {
    const prediction = computePrediction(model, snapshot);
    const p = prediction.probability;
    for (let i = 0; i <= 100; i++) {
      const threshold = i / 100;
      const body = JSON.parse(renderPrediction(prediction, threshold, "2023-09-30T12:00:00.000Z")) as {
        prediction: string;
        threshold: number;
      };
      expect(body).toMatchObject({ prediction: p >= threshold ? "UP" : "DOWN", threshold });
    }
    expect(decide(p, 0)).toBe("UP");
    expect(decide(p, p)).toBe("UP");
    expect(decide(p, p + 1e-12)).toBe("DOWN");
    expect(decide(p, 1)).toBe("DOWN");
    expect(decide(1, 1)).toBe("UP");
  });
});

describe("prediction cache", () => {
  it("when neither the model nor the snapshot changes, then the model is evaluated once", () => {
    const computed: number[] = [];
    const cache = new PredictionCache((prediction) => computed.push(prediction.probability));
    expect(cache.update(undefined, snapshot)).toBeUndefined();
    expect(cache.update(model, undefined)).toBeUndefined();
    const first = cache.update(model, snapshot);
    expect(cache.update(model, snapshot)).toBe(first);
    expect(cache.current).toBe(first);
    expect(computed).toHaveLength(1);
  });

  it("when the model version or the as-of data changes, then the prediction is recomputed for the new pair", () => {
    const cache = new PredictionCache();
    const first = cache.update(model, snapshot)!;
    const nextModel: ServedModel = { ...model, version: "8" };
    const second = cache.update(nextModel, snapshot)!;
    expect(second).not.toBe(first);
    expect(second.modelVersion).toBe("8");
    const { X } = testDataset();
    const nextDay = snapshotOfRow(X.at(-1)!, "2023-09-28");
    const third = cache.update(nextModel, nextDay)!;
    expect(third.asOf).toBe("2023-09-28");
    expect(third.probability).toBe(computePrediction(nextModel, nextDay).probability);
  });
});
