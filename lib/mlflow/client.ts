import { ConfigError } from "../config.js";
import type { Logger } from "../log.js";
import { ArtifactsApi } from "./artifacts.js";
import type { MlflowAuth } from "./auth.js";
import { ExperimentsApi } from "./experiments.js";
import { MlflowHttp, type FetchLike } from "./http.js";
import { RegistryApi } from "./registry.js";
import { DEFAULT_RETRY, type RetryOptions } from "./retry.js";
import { RunsApi } from "./runs.js";

export const DEFAULT_TIMEOUT_MS = 30_000;

export interface MlflowClientOptions {
  /** `http(s)://host:port[/prefix]`, e.g. from MLFLOW_TRACKING_URI. */
  trackingUri: string;
  auth?: MlflowAuth;
  /** Per-attempt timeout of every call (default 30 s). */
  timeoutMs?: number;
  /** Retries on connection errors, timeouts, 429 and 5xx (never on other 4xx). */
  retry?: Partial<RetryOptions>;
  /** Replaces the global fetch (fault injection, request counting). */
  fetch?: FetchLike;
  /** Retries and recoveries are logged at warn/info level. */
  logger?: Logger;
}

/** Typed client of the MLflow REST API (tracking, registry, proxied artifacts) on global fetch. */
export class MlflowClient {
  readonly trackingUri: string;
  readonly experiments: ExperimentsApi;
  readonly runs: RunsApi;
  readonly artifacts: ArtifactsApi;
  readonly registry: RegistryApi;
  private readonly http: MlflowHttp;

  constructor(options: MlflowClientOptions) {
    this.trackingUri = normalizeTrackingUri(options.trackingUri);
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!(timeoutMs > 0)) throw new ConfigError(`MLflow timeout must be positive (got ${timeoutMs} ms)`);
    const retry = { ...DEFAULT_RETRY, ...options.retry };
    if (!Number.isInteger(retry.retries) || retry.retries < 0 || retry.baseDelayMs < 0 || retry.maxDelayMs < 0) {
      throw new ConfigError(`invalid MLflow retry settings: ${JSON.stringify(retry)}`);
    }
    this.http = new MlflowHttp({
      trackingUri: this.trackingUri,
      auth: options.auth,
      timeoutMs,
      retry,
      fetch: options.fetch ?? ((input, init) => fetch(input, init)),
      logger: options.logger,
    });
    this.experiments = new ExperimentsApi(this.http);
    this.runs = new RunsApi(this.http);
    this.artifacts = new ArtifactsApi(this.http);
    this.registry = new RegistryApi(this.http);
  }

  /**
   * Resolves when `GET /health` answers 200 (one attempt, no retry: a probe reports the present state). Needs no
   * credentials, even under basic auth.
   */
  async health(): Promise<void> {
    await this.http.text({ method: "GET", path: "/health", retries: 0 });
  }

  /** The server's MLflow version, e.g. "3.17.2" (needs credentials under basic auth). */
  async serverVersion(): Promise<string> {
    return (await this.http.text({ method: "GET", path: "/version" })).trim();
  }
}

/** Checks a tracking URI and removes the trailing slash; throws a ConfigError saying what is wrong. */
export function normalizeTrackingUri(uri: string): string {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw new ConfigError(`MLFLOW_TRACKING_URI "${uri}" is not a URL: expected e.g. http://127.0.0.1:5000`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new ConfigError(`MLFLOW_TRACKING_URI "${uri}" must be an http(s) URL of an MLflow server`);
  }
  if (url.username || url.password) {
    throw new ConfigError(
      "MLFLOW_TRACKING_URI must not contain credentials: set MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD",
    );
  }
  if (url.search || url.hash) throw new ConfigError(`MLFLOW_TRACKING_URI "${uri}" must not have a query or fragment`);
  return `${url.origin}${url.pathname}`.replace(/\/+$/, "");
}
