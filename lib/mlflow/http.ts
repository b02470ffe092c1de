import { setTimeout as sleep } from "node:timers/promises";
import type { Logger } from "../log.js";
import { authorizationHeader, type MlflowAuth } from "./auth.js";
import { MlflowApiError, MlflowUnavailableError } from "./errors.js";
import { backoffDelayMs, isRetryableStatus, retryAfterMs } from "../retry.js";
import { appliedForStatus, classifyTransportError, type Applied, type RetryOptions } from "./retry.js";

export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

export type QueryValue = string | number | boolean | readonly string[] | undefined;

export interface HttpSettings {
  /** Base URL without a trailing slash (may include a static prefix, e.g. `https://host/mlflow`). */
  trackingUri: string;
  auth: MlflowAuth | undefined;
  timeoutMs: number;
  retry: RetryOptions;
  fetch: FetchLike;
  logger: Logger | undefined;
}

/**
 * How a call may be repeated after a failure that may have reached the server:
 * - "idempotent": re-send (reads, upserts, overwrites);
 * - "non-idempotent": re-send only when the request provably never reached the server or was refused unprocessed
 *   (429); otherwise run `recover` to find the first attempt's result, and re-send only if it finds nothing.
 *   Without `recover` the call fails with an "outcome unknown" error.
 */
export type RetryMode = "idempotent" | "non-idempotent";

export interface CallOptions<T> {
  method: HttpMethod;
  /** Path under the tracking URI, e.g. `/api/2.0/mlflow/runs/get`. */
  path: string;
  query?: Record<string, QueryValue>;
  /** JSON request body (sent with `Content-Type: application/json`). */
  json?: unknown;
  /** Raw request body (sent as `application/octet-stream`). */
  bytes?: Uint8Array;
  mode?: RetryMode;
  recover?: () => Promise<T | undefined>;
  /** Overrides the client's per-attempt timeout. */
  timeoutMs?: number;
  /** Overrides the client's retry count (e.g. 0 for a health probe). */
  retries?: number;
}

type Failure =
  | { kind: "http"; error: MlflowApiError; retryable: boolean; applied: Applied; waitHintMs: number | undefined }
  | { kind: "transport"; error: unknown; retryable: true; applied: Applied; reason: string };

type Attempt<T> = { ok: true; value: T } | { ok: false; failure: Failure };

/** The HTTP core shared by every resource family: base URL, auth, timeout on every attempt, retries. */
export class MlflowHttp {
  constructor(private readonly settings: HttpSettings) {}

  /** Sends the call and parses the JSON answer (an empty body counts as `{}`). */
  json<T>(options: CallOptions<T>): Promise<T> {
    return this.send(options, async (response, endpoint) => {
      const text = await response.text();
      if (text.trim() === "") return {} as T;
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new Error(
          `MLflow ${options.method} ${endpoint} answered ${response.status} with a body that is not JSON ` +
            `(is ${this.settings.trackingUri} an MLflow server?): ${text.slice(0, 200)}`,
        );
      }
    });
  }

  /** Sends the call and returns the raw answer body. */
  bytes(options: CallOptions<Uint8Array>): Promise<Uint8Array> {
    return this.send(options, async (response) => new Uint8Array(await response.arrayBuffer()));
  }

  /** Sends the call and returns the answer as text. */
  text(options: CallOptions<string>): Promise<string> {
    return this.send(options, (response) => response.text());
  }

  private async send<T>(
    options: CallOptions<T>,
    read: (response: Response, endpoint: string) => Promise<T>,
  ): Promise<T> {
    const { method, path } = options;
    const mode = options.mode ?? "idempotent";
    const retries = options.retries ?? this.settings.retry.retries;
    const timeoutMs = options.timeoutMs ?? this.settings.timeoutMs;
    const url = this.settings.trackingUri + path + queryString(options.query);
    const started = performance.now();

    for (let attempt = 1; ; attempt++) {
      const result = await this.attempt(url, options, timeoutMs, read);
      if (result.ok) return result.value;
      const { failure } = result;
      const mayBeApplied = mode === "non-idempotent" && failure.applied === "maybe";
      if (!failure.retryable || attempt > retries) {
        throw this.finalError(options, failure, attempt, started, mayBeApplied);
      }

      const backoff = backoffDelayMs(attempt - 1, this.settings.retry);
      const delayMs =
        failure.kind === "http" && failure.waitHintMs !== undefined
          ? Math.min(this.settings.retry.maxDelayMs, Math.max(backoff, failure.waitHintMs))
          : backoff;
      const reason = failureReason(failure);

      if (mayBeApplied) {
        if (!options.recover) throw this.finalError(options, failure, attempt, started, true);
        this.settings.logger?.warn(
          { method, endpoint: path, attempt, delayMs, reason },
          "MLflow call failed and may have been applied; looking up its result before re-sending",
        );
        await sleep(delayMs);
        const recovered = await options.recover();
        if (recovered !== undefined) {
          this.settings.logger?.info({ method, endpoint: path }, "MLflow call had been applied; using its result");
          return recovered;
        }
        continue;
      }
      this.settings.logger?.warn({ method, endpoint: path, attempt, delayMs, reason }, "MLflow call failed; retrying");
      await sleep(delayMs);
    }
  }

  private async attempt<T>(
    url: string,
    options: CallOptions<T>,
    timeoutMs: number,
    read: (response: Response, endpoint: string) => Promise<T>,
  ): Promise<Attempt<T>> {
    const headers: Record<string, string> = {};
    const authorization = authorizationHeader(this.settings.auth);
    if (authorization) headers.authorization = authorization;
    let body: Uint8Array | string | undefined;
    if (options.bytes !== undefined) {
      headers["content-type"] = "application/octet-stream";
      body = options.bytes;
    } else if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    }
    try {
      const response = await this.settings.fetch(url, {
        method: options.method,
        headers,
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.ok) return { ok: true, value: await read(response, options.path) };
      const text = await response.text();
      const error = new MlflowApiError({
        trackingUri: this.settings.trackingUri,
        method: options.method,
        endpoint: options.path,
        status: response.status,
        statusText: response.statusText,
        contentType: response.headers.get("content-type"),
        body: text,
        auth: this.settings.auth?.type,
      });
      return {
        ok: false,
        failure: {
          kind: "http",
          error,
          retryable: isRetryableStatus(response.status),
          applied: appliedForStatus(response.status),
          waitHintMs: retryAfterMs(response.headers.get("retry-after")),
        },
      };
    } catch (error) {
      const transport = classifyTransportError(error, timeoutMs);
      if (!transport) throw error;
      return { ok: false, failure: { kind: "transport", error, retryable: true, ...transport } };
    }
  }

  private finalError(
    options: CallOptions<unknown>,
    failure: Failure,
    attempts: number,
    started: number,
    outcomeUnknown = false,
  ): Error {
    if (failure.kind === "http") return failure.error;
    return new MlflowUnavailableError({
      trackingUri: this.settings.trackingUri,
      method: options.method,
      endpoint: options.path,
      attempts,
      elapsedMs: performance.now() - started,
      reason: failure.reason,
      outcomeUnknown,
      cause: failure.error,
    });
  }
}

function failureReason(failure: Failure): string {
  return failure.kind === "http"
    ? `${failure.error.status}${failure.error.errorCode ? ` ${failure.error.errorCode}` : ""}`
    : failure.reason;
}

/** `?a=1&b=x&b=y` from a record (arrays repeat the key; undefined values are left out), or "". */
export function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return "";
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) params.append(key, item);
    else params.append(key, String(value));
  }
  // URLSearchParams writes spaces as "+"; "%20" reads the same everywhere.
  const text = params.toString().replace(/\+/g, "%20");
  return text ? `?${text}` : "";
}
