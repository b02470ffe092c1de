/**
 * Retrying network calls, for every client of the lab (MLflow, Yahoo Finance, the alert webhook): exponential
 * backoff with full jitter, server-requested delays (Retry-After), and a bounded retry loop.
 */

/** Full-jitter backoff: a uniform wait in [0, min(maxDelayMs, baseDelayMs * 2^retryIndex)]. */
export function backoffDelayMs(
  retryIndex: number,
  options: { baseDelayMs: number; maxDelayMs: number },
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(retryIndex, 30));
  return Math.round(random() * ceiling);
}

/** A `Retry-After` header (seconds or HTTP date) in milliseconds, or undefined. */
export function retryAfterMs(header: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** HTTP statuses worth retrying: 429 and 5xx, except 501/505 (the server will never support the request). */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501 && status !== 505);
}

export interface RetryOptions {
  /** Total attempts including the first (>= 1). */
  maxAttempts: number;
  /** Delay before the second attempt; doubles with each further attempt. */
  baseDelayMs: number;
  /** Upper bound of one delay. */
  maxDelayMs: number;
  /** Decides whether an error is worth another attempt. */
  isRetryable: (error: unknown) => boolean;
  /** A server-requested minimum delay for this error (e.g. Retry-After), if any. */
  minDelayFor?: (error: unknown) => number | undefined;
  /** Called before each wait (for logging). */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  sleep?: (ms: number) => Promise<void>;
  /** Returns [0, 1); the wait is random() x min(maxDelayMs, baseDelayMs x 2^(attempt-1)) (full jitter). */
  random?: () => number;
}

/** Thrown when every attempt failed or an error was not retryable; `cause` is the last error. */
export class RetryError extends Error {
  override readonly name = "RetryError";
  constructor(
    message: string,
    readonly attempts: number,
    readonly retryable: boolean,
    options: { cause: unknown },
  ) {
    super(message, options);
  }
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `fn` until it succeeds, fails with a non-retryable error, or `maxAttempts` attempts have failed. */
export async function retryWithBackoff<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  if (!Number.isInteger(options.maxAttempts) || options.maxAttempts < 1) {
    throw new RangeError(`maxAttempts must be an integer >= 1, got ${options.maxAttempts}`);
  }
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      const retryable = options.isRetryable(error);
      if (!retryable || attempt >= options.maxAttempts) {
        const message = error instanceof Error ? error.message : String(error);
        throw new RetryError(message, attempt, retryable, { cause: error });
      }
      const requested = options.minDelayFor?.(error) ?? 0;
      const backoff = backoffDelayMs(attempt - 1, options, options.random);
      const delayMs = Math.min(options.maxDelayMs, Math.max(requested, backoff));
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs);
    }
  }
}
