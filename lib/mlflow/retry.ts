/**
 * Retry policy of the MLflow client: which failures are worth another attempt and whether a failed request may
 * have been applied by the server (the waits are lib/retry.ts's backoff).
 */

export interface RetryOptions {
  /** Attempts after the first one (0 = no retry). */
  retries: number;
  /** Upper bound of the first wait; doubles at each retry. */
  baseDelayMs: number;
  /** Upper bound of any single wait. */
  maxDelayMs: number;
}

/** About 23 s of waiting on average (at most ~46 s): enough to ride out an MLflow restart. */
export const DEFAULT_RETRY: RetryOptions = { retries: 7, baseDelayMs: 500, maxDelayMs: 15_000 };

/**
 * Whether the server may have applied a failed request: "no" when it provably never got it (the connection was
 * never established) or refused it unprocessed (429); "maybe" otherwise (timeout, reset, 5xx).
 */
export type Applied = "no" | "maybe";

export interface TransportFailure {
  applied: Applied;
  /** Short human description, e.g. "connect ECONNREFUSED 127.0.0.1:5000" or "no answer within 30 s". */
  reason: string;
}

/** Error codes meaning the TCP connection was never established, so the request never left this process. */
const NOT_SENT_CODES = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EHOSTDOWN",
  "ENETDOWN",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
]);

/** Error codes of connections that broke after they were established: the request may have been processed. */
const BROKEN_CODES = new Set([
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ECONNABORTED",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
]);

/** Whether a retryable HTTP answer may have been applied: 429 is a refusal before any processing. */
export function appliedForStatus(status: number): Applied {
  return status === 429 ? "no" : "maybe";
}

/**
 * Classifies an error thrown by `fetch` (or while reading the body). Returns undefined for errors that are not
 * network failures (programming errors, invalid URLs): those must not be retried.
 */
export function classifyTransportError(error: unknown, timeoutMs: number): TransportFailure | undefined {
  if (isNamed(error, "TimeoutError")) {
    return { applied: "maybe", reason: `no answer within ${formatSeconds(timeoutMs)}` };
  }
  const codes = errorCodes(error);
  const notSent = codes.find((code) => NOT_SENT_CODES.has(code));
  if (notSent) return { applied: "no", reason: describe(error, notSent) };
  const broken = codes.find((code) => BROKEN_CODES.has(code));
  if (broken) return { applied: "maybe", reason: describe(error, broken) };
  // undici reports every network failure as TypeError("fetch failed" | "terminated") with a cause.
  if (error instanceof TypeError && (error.message === "fetch failed" || error.message === "terminated")) {
    return { applied: "maybe", reason: describe(error, undefined) };
  }
  return undefined;
}

/** Every `code` found on the error, its `cause` chain and the members of an AggregateError. */
function errorCodes(error: unknown, depth = 0): string[] {
  if (!error || typeof error !== "object" || depth > 5) return [];
  const codes: string[] = [];
  const { code, cause, errors } = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === "string") codes.push(code);
  if (Array.isArray(errors)) for (const inner of errors) codes.push(...errorCodes(inner, depth + 1));
  codes.push(...errorCodes(cause, depth + 1));
  return codes;
}

function describe(error: unknown, code: string | undefined): string {
  let current: unknown = error;
  let message = error instanceof Error ? error.message : String(error);
  for (let depth = 0; depth < 5 && current instanceof Error && current.cause; depth++) {
    current = current.cause;
    if (current instanceof Error && current.message) message = current.message;
  }
  if (!message || message === "fetch failed") return code ?? "network error";
  return code && !message.includes(code) ? `${code}: ${message}` : message;
}

function isNamed(error: unknown, name: string): boolean {
  return !!error && typeof error === "object" && (error as { name?: unknown }).name === name;
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
