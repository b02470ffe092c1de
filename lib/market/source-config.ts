import { z } from "zod";
import { envSchemas } from "../config.js";
import type { Logger } from "../log.js";
import { createCsvSource } from "./csv-source.js";
import { DEFAULT_HISTORY_START, DEFAULT_TICKER, type MarketDataSource } from "./source.js";
import { createYahooSource } from "./yahoo-source.js";

/**
 * Environment variables choosing the market-data source, shared by the job and the API (validate with loadEnv).
 * MARKET_DATA_FILE set: read that CSV file (offline); unset: download from Yahoo Finance.
 */
export const marketEnvSchema = z.object({
  MARKET_TICKER: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9.^=-]{1,20}$/, "expected a ticker symbol such as SPY")
    .default(DEFAULT_TICKER),
  MARKET_DATA_FILE: z.string().trim().min(1).optional(),
  MARKET_HISTORY_START: envSchemas.isoDate().default(DEFAULT_HISTORY_START),
  YAHOO_MAX_ATTEMPTS: envSchemas.positiveInt().max(10).default(4),
  YAHOO_TIMEOUT_MS: envSchemas.positiveInt().default(30_000),
});

export type MarketEnv = z.infer<typeof marketEnvSchema>;

/** The source the configuration asks for. */
export function createMarketDataSource(
  env: MarketEnv,
  deps: { logger?: Logger; fetch?: typeof fetch } = {},
): MarketDataSource {
  if (env.MARKET_DATA_FILE !== undefined) return createCsvSource(env.MARKET_DATA_FILE, { ticker: env.MARKET_TICKER });
  return createYahooSource({
    ticker: env.MARKET_TICKER,
    start: env.MARKET_HISTORY_START,
    maxAttempts: env.YAHOO_MAX_ATTEMPTS,
    timeoutMs: env.YAHOO_TIMEOUT_MS,
    ...(deps.logger ? { logger: deps.logger } : {}),
    ...(deps.fetch ? { fetch: deps.fetch } : {}),
  });
}
