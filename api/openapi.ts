import { DEFAULT_THRESHOLD } from "./threshold.js";
import { API_VERSION } from "./version.js";

/** An OpenAPI path item (`{get: {...}}`), as plain JSON. */
export type PathItem = Record<string, unknown>;

const json = (schema: unknown, description: string): Record<string, unknown> => ({
  description,
  content: { "application/json": { schema } },
});

const ref = (name: string): { $ref: string } => ({ $ref: `#/components/schemas/${name}` });

const timestamp = { type: "string", format: "date-time" } as const;
const date = { type: "string", format: "date", example: "2023-09-29" } as const;
const nullable = (schema: Record<string, unknown>): Record<string, unknown> => ({
  oneOf: [schema, { type: "null" }],
});

const schemas = {
  Prediction: {
    type: "object",
    additionalProperties: false,
    required: [
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
    ],
    properties: {
      prediction: {
        type: "string",
        enum: ["UP", "DOWN"],
        description: "UP when confidence >= threshold, else DOWN.",
      },
      confidence: {
        type: "number",
        minimum: 0,
        maximum: 1,
        description: "P(UP): the share of the forest's trees voting that the next close is above the last one.",
      },
      threshold: { type: "number", minimum: 0, maximum: 1, description: "The threshold applied." },
      model_source: { type: "string", const: "mlflow", description: "Where the model was loaded from." },
      model_alias: { type: "string", example: "champion", description: "The registry alias the API follows." },
      model_name: { type: "string", example: "spy-direction" },
      model_version: { type: "string", example: "3", description: "Registry version that answered." },
      run_id: { type: "string", description: "MLflow run that trained the version." },
      as_of: { ...date, description: "Date of the last market session used." },
      for_date: { ...date, example: "2023-10-02", description: "The next NYSE trading day: what is predicted." },
      generated_at: { ...timestamp, description: "When this answer was made." },
      api_version: { type: "string", example: API_VERSION },
    },
  },
  Error: {
    type: "object",
    required: ["error", "message"],
    properties: {
      error: { type: "string", description: "Machine-readable code, e.g. invalid_threshold, not_ready, not_found." },
      message: { type: "string", description: "What is wrong and what is allowed." },
    },
    additionalProperties: true,
  },
  Readiness: {
    type: "object",
    required: ["status"],
    properties: {
      status: { type: "string", enum: ["ready", "not_ready"] },
      reasons: { type: "array", items: { type: "string" } },
    },
  },
  Health: {
    type: "object",
    required: ["status", "ready", "model", "model_refresh", "data", "data_refresh", "mlflow"],
    properties: {
      status: { type: "string", enum: ["ok", "degraded", "not_ready"] },
      ready: { type: "boolean" },
      not_ready_reasons: { type: "array", items: { type: "string" } },
      api_version: { type: "string" },
      started_at: timestamp,
      model: nullable({
        type: "object",
        properties: {
          uri: { type: "string", example: "models:/spy-direction@champion" },
          name: { type: "string" },
          alias: { type: "string" },
          version: { type: "string" },
          run_id: { type: "string" },
          source: nullable({ type: "string" }),
          created_at: nullable(timestamp),
          loaded_at: timestamp,
          trees: { type: "integer" },
        },
      }),
      model_refresh: {
        type: "object",
        properties: {
          alias_present: nullable({ type: "boolean" }),
          alias_version: nullable({ type: "string" }),
          last_poll_at: nullable(timestamp),
          last_error: nullable({
            type: "object",
            properties: {
              at: timestamp,
              kind: { type: "string", enum: ["mlflow_unreachable", "alias_missing", "registry_error", "load_failed"] },
              message: { type: "string" },
            },
          }),
          rejected_versions: {
            type: "array",
            items: {
              type: "object",
              properties: {
                version: { type: "string" },
                reason: { type: "string" },
                message: { type: "string" },
                failures: { type: "integer" },
                last_failure_at: timestamp,
                retry_at: timestamp,
              },
            },
          },
        },
      },
      data: nullable({
        type: "object",
        properties: {
          as_of: date,
          for_date: date,
          bars: { type: "integer" },
          first_date: date,
          source: { type: "string" },
        },
      }),
      data_refresh: {
        type: "object",
        properties: {
          last_attempt_at: nullable(timestamp),
          last_success_at: nullable(timestamp),
          consecutive_failures: { type: "integer" },
          last_error: nullable({
            type: "object",
            properties: { at: timestamp, message: { type: "string" } },
          }),
        },
      },
      mlflow: {
        type: "object",
        properties: {
          tracking_uri: { type: "string" },
          reachable: nullable({ type: "boolean" }),
          last_contact_at: nullable(timestamp),
        },
      },
    },
  },
};

const corePaths: Record<string, PathItem> = {
  "/predictionForTomorrow": {
    get: {
      operationId: "predictionForTomorrow",
      summary: "Whether SPY closes UP or DOWN on the next trading day, by the champion model",
      description:
        "Served from a cache computed once per (model version, as-of date): no I/O and no model evaluation per request.",
      parameters: [
        {
          name: "threshold",
          in: "query",
          required: false,
          description:
            "Decimal number in [0, 1], given at most once: predict UP when P(UP) >= threshold. " +
            "Any other query parameter is refused.",
          schema: { type: "number", minimum: 0, maximum: 1, default: DEFAULT_THRESHOLD },
        },
      ],
      responses: {
        "200": json(ref("Prediction"), "The prediction."),
        "400": json(ref("Error"), "Invalid threshold or unknown query parameter; the message states the range."),
        "503": json(ref("Error"), "No model or no market data loaded yet (error not_ready, with reasons)."),
      },
    },
  },
  "/livez": {
    get: {
      operationId: "livez",
      summary: "Liveness: the process answers",
      responses: { "200": json({ type: "object", properties: { status: { const: "alive" } } }, "Alive.") },
    },
  },
  "/readyz": {
    get: {
      operationId: "readyz",
      summary: "Readiness: a model and market data are loaded (stays ready when MLflow goes down later)",
      responses: {
        "200": json(ref("Readiness"), "Ready to answer predictions."),
        "503": json(ref("Readiness"), "Not ready, with reasons."),
      },
    },
  },
  "/healthz": {
    get: {
      operationId: "healthz",
      summary: "What is served and what is failing: model version, load time, data as-of date, refresh errors, MLflow",
      responses: { "200": json(ref("Health"), "Always 200; see status.") },
    },
  },
  "/metrics": {
    get: {
      operationId: "metrics",
      summary: "Prometheus metrics (text exposition format)",
      responses: {
        "200": { description: "Metrics.", content: { "text/plain": { schema: { type: "string" } } } },
      },
    },
  },
  "/openapi.json": {
    get: {
      operationId: "openapi",
      summary: "This document",
      responses: { "200": json({ type: "object" }, "OpenAPI 3.1 document.") },
    },
  },
};

/** The OpenAPI 3.1 document of the API, including the paths that extensions add. */
export function buildOpenApiDocument(extraPaths: Record<string, PathItem> = {}): Record<string, unknown> {
  return {
    openapi: "3.1.0",
    info: {
      title: "spy-mlops-lab prediction API",
      version: API_VERSION,
      description:
        "Serves the MLflow champion of the SPY direction model. Errors are JSON {error, message}; unknown routes 404, " +
        "wrong methods 405.",
    },
    paths: { ...corePaths, ...extraPaths },
    components: { schemas },
  };
}
