/**
 * The answer of GET /predictionForTomorrow as the issue specifies it, written down once for the tests (unit,
 * integration, end-to-end) and independently of the code under test: the fields, in the order the API renders
 * them, and their types.
 */
export const PREDICTION_FIELDS = [
  "prediction",
  "confidence",
  "threshold",
  "model_source",
  "model_alias",
  "model_name",
  "model_version",
  "run_id",
  "as_of",
  "for_date",
  "generated_at",
  "api_version",
] as const;

export interface Prediction {
  prediction: "UP" | "DOWN";
  confidence: number;
  threshold: number;
  model_source: string;
  model_alias: string;
  model_name: string;
  model_version: string;
  run_id: string;
  as_of: string;
  for_date: string;
  generated_at: string;
  api_version: string;
}
