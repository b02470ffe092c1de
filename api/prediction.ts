import type { ServedModel } from "./champion.js";
import type { MarketSnapshot } from "./market-data.js";
import { API_VERSION } from "./version.js";

/** Where the served model comes from (the response's `model_source`). */
export const MODEL_SOURCE = "mlflow";

/** Tomorrow's P(UP) for one (model version, market snapshot), computed once and served to every request. */
export interface Prediction {
  /** P(UP): the share of the forest's trees voting UP. */
  probability: number;
  modelName: string;
  modelAlias: string;
  modelVersion: string;
  runId: string;
  asOf: string;
  forDate: string;
  computedAt: Date;
  /** Pre-rendered pieces of the response body: a request only adds the threshold and the time. */
  readonly body: { up: string; down: string; tail: string };
}

/** The response body of GET /predictionForTomorrow, field by field (the JSON keys). */
export interface PredictionResponse {
  prediction: "UP" | "DOWN";
  confidence: number;
  threshold: number;
  model_source: typeof MODEL_SOURCE;
  model_alias: string;
  model_name: string;
  model_version: string;
  run_id: string;
  as_of: string;
  for_date: string;
  generated_at: string;
  api_version: string;
}

/** Evaluates the model on the snapshot's feature row (the only model evaluation of a (version, as-of) pair). */
export function computePrediction(model: ServedModel, snapshot: MarketSnapshot, now = new Date()): Prediction {
  const [probability] = model.model.forest.predictUpProbability([snapshot.features]);
  if (probability === undefined || !(probability >= 0 && probability <= 1)) {
    throw new RangeError(`version ${model.version} predicted ${probability} for ${snapshot.asOf}`);
  }
  const fixed: Omit<PredictionResponse, "prediction" | "confidence" | "threshold" | "generated_at" | "api_version"> = {
    model_source: MODEL_SOURCE,
    model_alias: model.alias,
    model_name: model.name,
    model_version: model.version,
    run_id: model.runId,
    as_of: snapshot.asOf,
    for_date: snapshot.forDate,
  };
  const confidence = `","confidence":${JSON.stringify(probability)},"threshold":`;
  return {
    probability,
    modelName: model.name,
    modelAlias: model.alias,
    modelVersion: model.version,
    runId: model.runId,
    asOf: snapshot.asOf,
    forDate: snapshot.forDate,
    computedAt: now,
    body: {
      up: `{"prediction":"UP${confidence}`,
      down: `{"prediction":"DOWN${confidence}`,
      tail: `,${JSON.stringify(fixed).slice(1, -1)},"generated_at":"`,
    },
  };
}

/** "UP" when P(UP) >= threshold, else "DOWN". */
export function decide(probability: number, threshold: number): "UP" | "DOWN" {
  return probability >= threshold ? "UP" : "DOWN";
}

const END = `","api_version":${JSON.stringify(API_VERSION)}}`;

/**
 * The JSON body of a prediction for one request (a `PredictionResponse`), by concatenating pre-rendered pieces:
 * no model evaluation and no serialisation of the whole object per request. `threshold` must be finite.
 */
export function renderPrediction(prediction: Prediction, threshold: number, generatedAt: string): string {
  const head = decide(prediction.probability, threshold) === "UP" ? prediction.body.up : prediction.body.down;
  return head + String(threshold) + prediction.body.tail + generatedAt + END;
}

/**
 * The prediction for the current (model, snapshot), recomputed only when either changes: the follower swaps the
 * model object only for another version, the feed the snapshot only for another as-of date or other feature values.
 */
export class PredictionCache {
  private model: ServedModel | undefined;
  private snapshot: MarketSnapshot | undefined;
  private value: Prediction | undefined;

  constructor(private readonly onComputed?: (prediction: Prediction) => void) {}

  get current(): Prediction | undefined {
    return this.value;
  }

  /** Recomputes if the model or the snapshot is not the one the cached prediction was made from. */
  update(model: ServedModel | undefined, snapshot: MarketSnapshot | undefined): Prediction | undefined {
    if (!model || !snapshot) return this.value;
    if (model === this.model && snapshot === this.snapshot) return this.value;
    const prediction = computePrediction(model, snapshot);
    this.model = model;
    this.snapshot = snapshot;
    this.value = prediction;
    this.onComputed?.(prediction);
    return prediction;
  }
}
