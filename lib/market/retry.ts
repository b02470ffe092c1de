import { backoffDelayMs } from "../mlflow/retry.js";

/**
 * Bounded retries with exponential backoff and full jitter (the MLflow client's backoff), for network calls whose
 * failures may be transient.
 */

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
      const backoff = backoffDelayMs(
        attempt - 1,
        { retries: options.maxAttempts - 1, baseDelayMs: options.baseDelayMs, maxDelayMs: options.maxDelayMs },
        options.random,
      );
      const delayMs = Math.min(options.maxDelayMs, Math.max(requested, backoff));
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs);
    }
  }
}
