import { z } from "zod";
import { envSchemas, loadEnv } from "../config.js";
import type { MlflowAuth } from "./auth.js";
import { normalizeTrackingUri } from "./client.js";
import type { RetryOptions } from "./retry.js";

/**
 * MLflow connection settings, under the names MLflow's own clients read. Timeouts and backoff are in seconds like
 * MLflow's (the defaults differ: 30 s timeout, 7 retries, 0.5 s base backoff capped at 15 s, full jitter).
 */
export const mlflowEnvSchema = z
  .object({
    MLFLOW_TRACKING_URI: envSchemas.httpUrl().default("http://127.0.0.1:5000"),
    MLFLOW_TRACKING_USERNAME: z.string().optional(),
    MLFLOW_TRACKING_PASSWORD: z.string().optional(),
    MLFLOW_TRACKING_TOKEN: z.string().trim().optional(),
    MLFLOW_HTTP_REQUEST_TIMEOUT: z.coerce.number().positive().max(3600).default(30),
    MLFLOW_HTTP_REQUEST_MAX_RETRIES: z.coerce.number().int().min(0).max(20).default(7),
    MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: z.coerce.number().min(0).max(60).default(0.5),
    MLFLOW_HTTP_REQUEST_MAX_BACKOFF: z.coerce.number().min(0).max(600).default(15),
  })
  .superRefine((env, context) => {
    const hasUser = env.MLFLOW_TRACKING_USERNAME !== undefined;
    const hasPassword = env.MLFLOW_TRACKING_PASSWORD !== undefined;
    if (hasUser !== hasPassword) {
      context.addIssue({
        code: "custom",
        path: [hasUser ? "MLFLOW_TRACKING_PASSWORD" : "MLFLOW_TRACKING_USERNAME"],
        message: "set both MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD, or neither",
      });
    }
    if (hasUser && env.MLFLOW_TRACKING_USERNAME?.includes(":")) {
      context.addIssue({ code: "custom", path: ["MLFLOW_TRACKING_USERNAME"], message: "must not contain ':'" });
    }
  });

/** What `new MlflowClient()` needs to connect, read from the environment. */
export interface MlflowConnection {
  trackingUri: string;
  auth: MlflowAuth | undefined;
  timeoutMs: number;
  retry: RetryOptions;
}

/**
 * Connection settings from MLFLOW_TRACKING_URI (default http://127.0.0.1:5000), MLFLOW_TRACKING_USERNAME/PASSWORD
 * (basic auth; wins over a token, as in MLflow's Python client) or MLFLOW_TRACKING_TOKEN (bearer), and
 * MLFLOW_HTTP_REQUEST_TIMEOUT / _MAX_RETRIES / _BACKOFF_FACTOR / _MAX_BACKOFF. Throws one ConfigError listing every
 * invalid variable.
 */
export function mlflowConnectionFromEnv(env: Record<string, string | undefined> = process.env): MlflowConnection {
  const vars = loadEnv(mlflowEnvSchema, env);
  let auth: MlflowAuth | undefined;
  if (vars.MLFLOW_TRACKING_USERNAME !== undefined && vars.MLFLOW_TRACKING_PASSWORD !== undefined) {
    auth = { type: "basic", username: vars.MLFLOW_TRACKING_USERNAME, password: vars.MLFLOW_TRACKING_PASSWORD };
  } else if (vars.MLFLOW_TRACKING_TOKEN) {
    auth = { type: "bearer", token: vars.MLFLOW_TRACKING_TOKEN };
  }
  return {
    trackingUri: normalizeTrackingUri(vars.MLFLOW_TRACKING_URI),
    auth,
    timeoutMs: Math.round(vars.MLFLOW_HTTP_REQUEST_TIMEOUT * 1000),
    retry: {
      retries: vars.MLFLOW_HTTP_REQUEST_MAX_RETRIES,
      baseDelayMs: Math.round(vars.MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR * 1000),
      maxDelayMs: Math.round(vars.MLFLOW_HTTP_REQUEST_MAX_BACKOFF * 1000),
    },
  };
}
