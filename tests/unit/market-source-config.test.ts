import path from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadEnv } from "../../lib/config.js";
import { createMarketDataSource, marketEnvSchema } from "../../lib/market/source-config.js";
import { jsonResponse, recordedChart, scriptedFetch } from "../fixtures/yahoo/chart.js";
import { spy2yCsv } from "../helpers/data.js";

describe("market data source configuration", () => {
  it("when nothing is set, then Yahoo Finance is used for SPY from 1993-01-29 with 4 attempts", async () => {
    const env = loadEnv(marketEnvSchema, {});
    expect(env).toEqual({
      MARKET_TICKER: "SPY",
      MARKET_HISTORY_START: "1993-01-29",
      YAHOO_MAX_ATTEMPTS: 4,
      YAHOO_TIMEOUT_MS: 30_000,
    });
    const scripted = scriptedFetch([jsonResponse(recordedChart())]);
    const source = createMarketDataSource(env, { fetch: scripted.fetch });
    expect(source.description).toBe("Yahoo Finance chart API (yahoo-finance2), SPY daily");
    const { lineage } = await source.fetchBars({ end: "2023-09-29" });
    expect(lineage.sourceType).toBe("http");
    expect(new URL(scripted.calls[0] ?? "").searchParams.get("period1")).toBe("728283600"); // 1993-01-29 00:00 EST
  });

  it("when MARKET_DATA_FILE is set, then that CSV file is read instead", async () => {
    const source = createMarketDataSource(loadEnv(marketEnvSchema, { MARKET_DATA_FILE: spy2yCsv() }));
    expect(source.description).toBe(`CSV file ${path.resolve(spy2yCsv())}, SPY daily`);
    expect((await source.fetchBars()).bars).toHaveLength(500);
  });

  it("when the ticker or start date is invalid, then a ConfigError names the variables", () => {
    let caught: unknown;
    try {
      loadEnv(marketEnvSchema, { MARKET_TICKER: "SPY; rm -rf", MARKET_HISTORY_START: "1993-02-30" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as Error).message).toContain("MARKET_TICKER");
    expect((caught as Error).message).toContain("MARKET_HISTORY_START");
  });
});
