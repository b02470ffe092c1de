import YahooFinance from "yahoo-finance2";
import type { Logger } from "../log.js";
import { DataError, DataUnavailableError } from "./errors.js";
import { isRetryableStatus, RetryError, retryAfterMs, retryWithBackoff } from "../retry.js";
import {
  DEFAULT_HISTORY_START,
  DEFAULT_TICKER,
  withinRange,
  type BarRange,
  type MarketDataSource,
  type RawBar,
  type RawFetchResult,
} from "./source.js";
import { addDays, assertIsoDate, newYorkDate, newYorkInstant } from "./time.js";

export interface YahooSourceOptions {
  /** Default "SPY". */
  ticker?: string;
  /** First date fetched when a request gives none (default 1993-01-29, i.e. SPY's full history). */
  start?: string;
  /** The fetch used for every request (tests inject recorded responses here). Default: global fetch. */
  fetch?: typeof fetch;
  /** Attempts per request, including the first (default 4). */
  maxAttempts?: number;
  /** First backoff delay, doubling per attempt (default 1,000 ms). */
  baseDelayMs?: number;
  /** Longest single backoff delay (default 30,000 ms). */
  maxDelayMs?: number;
  /** Timeout of one HTTP request (default 30,000 ms). */
  timeoutMs?: number;
  logger?: Logger;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => Date;
}

/** A non-OK HTTP answer, raised inside our fetch wrapper so yahoo-finance2 never prints it with console.error. */
class YahooHttpError extends Error {
  override readonly name = "YahooHttpError";
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly retryAfterMs: number | undefined,
  ) {
    super(`HTTP ${status}${detail ? ` ${detail}` : ""}`);
  }
}

/** The request never got an HTTP answer (DNS, connection reset, timeout). */
class YahooNetworkError extends Error {
  override readonly name = "YahooNetworkError";
}

function isRetryable(error: unknown): boolean {
  if (error instanceof YahooNetworkError) return true;
  return error instanceof YahooHttpError && isRetryableStatus(error.status);
}

/** Yahoo's JSON error body (`{"chart":{"error":{"code","description"}}}`) or the first 200 characters of the text. */
function summariseBody(text: string): string {
  try {
    const parsed = JSON.parse(text) as { chart?: { error?: { code?: unknown; description?: unknown } } };
    const error = parsed.chart?.error;
    if (error && typeof error.description === "string") {
      return typeof error.code === "string" ? `${error.code}: ${error.description}` : error.description;
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > 200 ? `${oneLine.slice(0, 200)}...` : oneLine;
}

function describeCause(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : "";
  return `${error.message}${cause}`;
}

/** Wraps fetch: per-request timeout, non-OK answers and network failures become typed errors, URL recorded. */
function guardedFetch(base: typeof fetch, timeoutMs: number, onRequest: (url: string) => void): typeof fetch {
  return async (input, init) => {
    onRequest(input instanceof Request ? input.url : String(input));
    let response: Response;
    try {
      response = await base(input, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new YahooNetworkError(`network error: ${describeCause(error)}`, { cause: error });
    }
    if (!response.ok) {
      const text = await response.text().catch(() => "");
      throw new YahooHttpError(
        response.status,
        summariseBody(text) || response.statusText,
        retryAfterMs(response.headers.get("retry-after")),
      );
    }
    return response;
  };
}

/** A pino logger in the shape yahoo-finance2 expects; with no logger the library stays silent. */
function libraryLogger(logger: Logger | undefined) {
  const text = (args: unknown[]) => args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" ");
  return {
    info: (...args: unknown[]) => logger?.debug({ source: "yahoo-finance2" }, text(args)),
    warn: (...args: unknown[]) => logger?.warn({ source: "yahoo-finance2" }, text(args)),
    error: (...args: unknown[]) => logger?.warn({ source: "yahoo-finance2" }, text(args)),
    debug: (...args: unknown[]) => logger?.debug({ source: "yahoo-finance2" }, text(args)),
    dir: (...args: unknown[]) => logger?.debug({ source: "yahoo-finance2" }, text(args)),
  };
}

/** Maps yahoo-finance2 quotes to raw bars keyed by their New York trading date. */
function toRawBars(quotes: readonly { date: Date; [key: string]: unknown }[]): RawBar[] {
  const num = (value: unknown): number | null => (typeof value === "number" && Number.isFinite(value) ? value : null);
  return quotes.map((quote) => ({
    date: newYorkDate(quote.date),
    open: num(quote.open),
    high: num(quote.high),
    low: num(quote.low),
    close: num(quote.close),
    adjClose: num(quote.adjclose),
    volume: num(quote.volume),
  }));
}

/**
 * Daily bars from Yahoo Finance's chart API through yahoo-finance2 (`chart()`, interval 1d). One HTTP request per
 * call; 429, 5xx and network errors are retried with exponential backoff up to `maxAttempts`, other errors are not.
 */
export function createYahooSource(options: YahooSourceOptions = {}): MarketDataSource {
  const ticker = options.ticker ?? DEFAULT_TICKER;
  const defaultStart = options.start ?? DEFAULT_HISTORY_START;
  assertIsoDate(defaultStart, "history start");
  const maxAttempts = options.maxAttempts ?? 4;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const baseFetch = options.fetch ?? globalThis.fetch;
  const now = options.now ?? (() => new Date());
  const logger = options.logger;
  const description = `Yahoo Finance chart API (yahoo-finance2), ${ticker} daily`;
  const client = new YahooFinance({
    versionCheck: false,
    suppressNotices: ["yahooSurvey", "ripHistorical"],
    queue: { concurrency: 1 },
    validation: { logErrors: false, logOptionsErrors: false },
    logger: libraryLogger(logger),
  });

  async function fetchBars(range?: BarRange): Promise<RawFetchResult> {
    const start = range?.start ?? defaultStart;
    assertIsoDate(start, "start");
    if (range?.end !== undefined) assertIsoDate(range.end, "end");
    // period1 = midnight New York of the first day; period2 = midnight after the last day (or now).
    const period1 = newYorkInstant(start, 0);
    const period2 = range?.end !== undefined ? newYorkInstant(addDays(range.end, 1), 0) : now();
    if (period2.getTime() <= period1.getTime()) {
      throw new DataError(`Yahoo Finance request for ${ticker}: start ${start} is not before the end of the range`);
    }
    let url = "";
    const fetchForCall = guardedFetch(baseFetch, timeoutMs, (requested) => (url = requested));
    try {
      const result = await retryWithBackoff(
        () => client.chart(ticker, { period1, period2, interval: "1d" }, { fetch: fetchForCall }),
        {
          maxAttempts,
          baseDelayMs: options.baseDelayMs ?? 1_000,
          maxDelayMs: options.maxDelayMs ?? 30_000,
          isRetryable,
          minDelayFor: (error) => (error instanceof YahooHttpError ? error.retryAfterMs : undefined),
          onRetry: ({ attempt, delayMs, error }) =>
            logger?.warn(
              { ticker, attempt, maxAttempts, delayMs, err: error instanceof Error ? error.message : String(error) },
              "Yahoo Finance request failed; retrying",
            ),
          ...(options.sleep ? { sleep: options.sleep } : {}),
          ...(options.random ? { random: options.random } : {}),
        },
      );
      return {
        bars: withinRange(toRawBars(result.quotes), { start, ...(range?.end !== undefined ? { end: range.end } : {}) }),
        lineage: { sourceType: "http", uri: url, ticker, description, fetchedAt: now().toISOString() },
      };
    } catch (error) {
      throw toSourceError(error, ticker);
    }
  }

  return { ticker, description, fetchBars };
}

/** Turns the last failure into DataUnavailableError (worth retrying later) or DataError (it will not get better). */
function toSourceError(error: unknown, ticker: string): Error {
  if (!(error instanceof RetryError)) return error instanceof Error ? error : new Error(String(error));
  const last = error.cause;
  if (error.retryable) {
    return new DataUnavailableError(
      `Yahoo Finance unreachable after ${error.attempts} attempts: ${error.message}; ` +
        "set MARKET_DATA_FILE to a CSV file to run offline",
      { cause: last },
    );
  }
  if (last instanceof YahooHttpError && (last.status === 404 || last.status === 400)) {
    return new DataError(`Yahoo Finance has no daily data for ticker ${JSON.stringify(ticker)}: ${error.message}`, {
      cause: last,
    });
  }
  const name = last instanceof Error ? last.name : "Error";
  const detail =
    name === "FailedYahooValidationError"
      ? "the response did not match yahoo-finance2's schema (Yahoo may have changed its API)"
      : error.message;
  return new DataUnavailableError(
    `Yahoo Finance request for ${ticker} failed (${name}): ${detail}; set MARKET_DATA_FILE to a CSV file to run offline`,
    { cause: last },
  );
}
