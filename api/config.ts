import { z } from "zod";
import { ConfigError, envSchemas, loadEnv } from "../lib/config.js";
import { marketEnvSchema, type MarketEnv } from "../lib/market/source-config.js";
import { mlflowConnectionFromEnv, type MlflowConnection } from "../lib/mlflow/index.js";

type Env = Record<string, string | undefined>;

/** Seconds as a positive decimal (fractions allowed, so tests can poll every 0.2 s). */
const seconds = (max: number) => z.coerce.number().positive().max(max);

/** `*` or a comma-separated list of origins such as `http://localhost:3000,https://lab.example`. */
const corsOrigins = z
  .string()
  .transform((text) =>
    text
      .split(",")
      .map((origin) => origin.trim())
      .filter((origin) => origin !== ""),
  )
  .pipe(
    z
      .array(
        z.string().refine((origin) => origin === "*" || isOrigin(origin), {
          message: 'expected "*" or origins like http://localhost:3000 (scheme://host[:port], no path)',
        }),
      )
      .min(1, "expected at least one origin"),
  );

/** The API's own environment variables; MLflow and market-data variables are shared with the job. */
export const apiEnvSchema = z.object({
  API_PORT: envSchemas.port(true).default(30951),
  API_HOST: z.string().trim().min(1).default("0.0.0.0"),
  MODEL_NAME: z.string().trim().min(1).max(256).default("spy-direction"),
  MODEL_ALIAS: z
    .string()
    .trim()
    .regex(/^[\w-]{1,255}$/, "expected an MLflow alias name such as champion")
    .default("champion"),
  CHAMPION_POLL_SECONDS: seconds(86_400).default(30),
  DATA_REFRESH_SECONDS: seconds(86_400).default(900),
  CORS_ORIGINS: corsOrigins.optional(),
  SHUTDOWN_TIMEOUT_SECONDS: seconds(600).default(20),
});

export interface ApiConfig {
  port: number;
  host: string;
  modelName: string;
  modelAlias: string;
  /** Mean interval between two reads of the alias (each wait is jittered by ±20 %). */
  championPollMs: number;
  /** Interval between two market-data refreshes (failed refreshes are retried sooner). */
  dataRefreshMs: number;
  /** Origins allowed by CORS; undefined: no CORS headers at all. */
  corsOrigins: string[] | undefined;
  /** How long SIGTERM waits for in-flight requests before closing the remaining connections. */
  shutdownTimeoutMs: number;
  mlflow: MlflowConnection;
  market: MarketEnv;
}

/**
 * The API configuration from the environment, validated at start. Throws one ConfigError that lists every invalid
 * variable (API, MLflow and market data alike).
 */
export function loadApiConfig(env: Env = process.env): ApiConfig {
  const problems: string[] = [];
  const attempt = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(error.message.replace(/^invalid configuration:\n/, ""));
      return undefined;
    }
  };
  const api = attempt(() => loadEnv(apiEnvSchema, env));
  const mlflow = attempt(() => mlflowConnectionFromEnv(env));
  const market = attempt(() => loadEnv(marketEnvSchema, env));
  if (!api || !mlflow || !market) throw new ConfigError(`invalid configuration:\n${problems.join("\n")}`);
  return {
    port: api.API_PORT,
    host: api.API_HOST,
    modelName: api.MODEL_NAME,
    modelAlias: api.MODEL_ALIAS,
    championPollMs: Math.round(api.CHAMPION_POLL_SECONDS * 1000),
    dataRefreshMs: Math.round(api.DATA_REFRESH_SECONDS * 1000),
    corsOrigins: api.CORS_ORIGINS,
    shutdownTimeoutMs: Math.round(api.SHUTDOWN_TIMEOUT_SECONDS * 1000),
    mlflow,
    market,
  };
}

function isOrigin(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === text;
  } catch {
    return false;
  }
}
