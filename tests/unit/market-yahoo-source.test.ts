import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { cleanBars } from "../../lib/market/clean.js";
import { createCsvSource } from "../../lib/market/csv-source.js";
import { DataError, DataUnavailableError } from "../../lib/market/errors.js";
import { newYorkInstant } from "../../lib/market/time.js";
import { createYahooSource, type YahooSourceOptions } from "../../lib/market/yahoo-source.js";
import { EXIT_CODES } from "../../lib/exit-codes.js";
import {
  chartFromRows,
  chartRows,
  jsonResponse,
  recordedChart,
  scriptedFetch,
  type ChartRow,
  type Scripted,
} from "../fixtures/yahoo/chart.js";
import { spy2yCsv } from "../helpers/data.js";

const RECORDED_DATES = ["2023-09-25", "2023-09-26", "2023-09-27", "2023-09-28", "2023-09-29"];
const tooManyRequests = () => new Response("Edge: Too Many Requests", { status: 429 });
const serverError = () => new Response("<html>502 Bad Gateway</html>", { status: 502 });

function source(script: Scripted[], options: YahooSourceOptions = {}) {
  const scripted = scriptedFetch(script);
  const sleeps: number[] = [];
  const yahoo = createYahooSource({
    fetch: scripted.fetch,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 0.5,
    now: () => new Date("2023-10-02T12:00:00Z"),
    ...options,
  });
  return { yahoo, calls: scripted.calls, sleeps };
}

async function failure(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the promise to reject");
}

let consoleSpies: MockInstance[] = [];
beforeEach(() => {
  consoleSpies = (["error", "warn", "log", "info", "dir"] as const).map((method) =>
    vi.spyOn(console, method).mockImplementation(() => undefined),
  );
});
afterEach(() => {
  // yahoo-finance2 prints the URL with console.error on non-OK answers; our fetch wrapper must keep it quiet.
  for (const spy of consoleSpies) expect(spy).not.toHaveBeenCalled();
  vi.restoreAllMocks();
});

describe("Yahoo source: normal responses", () => {
  it("when Yahoo answers the recorded chart, then one request yields the five bars keyed by New York date", async () => {
    const { yahoo, calls, sleeps } = source([jsonResponse(recordedChart())]);
    const result = await yahoo.fetchBars({ start: "2023-09-25", end: "2023-09-29" });
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(result.bars.map((b) => b.date)).toEqual(RECORDED_DATES);
    expect(result.bars[4]).toEqual({
      date: "2023-09-29",
      open: 431.6700134277344,
      high: 431.8500061035156,
      low: 425.9100036621094,
      close: 427.4800109863281,
      adjClose: 427.4800109863281,
      volume: 115078500,
    });
  });

  it("when fetching, then the request asks for daily bars from New York midnight and the lineage records the URL", async () => {
    const { yahoo, calls } = source([jsonResponse(recordedChart())]);
    const result = await yahoo.fetchBars({ start: "2023-09-25", end: "2023-09-29" });
    const url = new URL(calls[0] ?? "");
    expect(url.origin + url.pathname).toBe("https://query2.finance.yahoo.com/v8/finance/chart/SPY");
    expect(url.searchParams.get("interval")).toBe("1d");
    expect(url.searchParams.get("period1")).toBe("1695614400"); // 2023-09-25T04:00:00Z = 00:00 EDT
    expect(url.searchParams.get("period2")).toBe("1696046400"); // 2023-09-30T04:00:00Z
    expect(result.lineage).toEqual({
      sourceType: "http",
      uri: calls[0],
      ticker: "SPY",
      description: "Yahoo Finance chart API (yahoo-finance2), SPY daily",
      fetchedAt: "2023-10-02T12:00:00.000Z",
    });
  });

  it("when no start is given, then the full history from SPY's first session (1993-01-29) is requested", async () => {
    const { yahoo, calls } = source([jsonResponse(recordedChart())]);
    await yahoo.fetchBars();
    const url = new URL(calls[0] ?? "");
    expect(url.searchParams.get("period1")).toBe(String(Date.parse("1993-01-29T05:00:00Z") / 1000));
    expect(url.searchParams.get("period2")).toBe(String(Date.parse("2023-10-02T12:00:00Z") / 1000));
  });

  it("when the response is a slice of the real history, then cleaned Yahoo bars equal the cleaned CSV bars", async () => {
    const csv = await createCsvSource(spy2yCsv()).fetchBars();
    const rows: ChartRow[] = csv.bars.map((bar) => ({
      timestamp: newYorkInstant(bar.date, 9, 30).getTime() / 1000,
      open: bar.open,
      high: bar.high,
      low: bar.low,
      close: bar.close,
      adjclose: bar.adjClose,
      volume: bar.volume,
    }));
    const { yahoo } = source([jsonResponse(chartFromRows(rows))]);
    const now = new Date("2023-10-02T12:00:00Z");
    const fromYahoo = cleanBars((await yahoo.fetchBars({ start: "2021-10-05" })).bars, { now });
    const fromCsv = cleanBars(csv.bars, { now });
    expect(fromYahoo.bars).toHaveLength(500);
    expect(fromYahoo.bars).toEqual(fromCsv.bars);
  });
});

describe("Yahoo source: rows that cleaning must handle", () => {
  it("when a row is all null (a holiday), then it is passed on and cleaning drops it", async () => {
    const rows = chartRows(recordedChart());
    const holiday: ChartRow = {
      timestamp: Date.parse("2023-09-04T13:30:00Z") / 1000, // Labor Day
      open: null,
      high: null,
      low: null,
      close: null,
      adjclose: null,
      volume: null,
    };
    const { yahoo } = source([jsonResponse(chartFromRows([holiday, ...rows]))]);
    const { bars } = await yahoo.fetchBars({ start: "2023-09-01" });
    expect(bars[0]).toMatchObject({ date: "2023-09-04", close: null });
    const cleaned = cleanBars(bars, { now: new Date("2023-10-02T12:00:00Z"), minRows: 1 });
    expect(cleaned.report.dropped.allNull).toBe(1);
    expect(cleaned.bars.map((b) => b.date)).toEqual(RECORDED_DATES);
  });

  it("when the last day appears twice, then both rows carry the same New York date and cleaning keeps the last", async () => {
    const rows = chartRows(recordedChart());
    const last = rows.at(-1) as ChartRow;
    const live: ChartRow = { ...last, timestamp: Date.parse("2023-09-29T20:00:00Z") / 1000, close: 427.5 };
    const { yahoo } = source([jsonResponse(chartFromRows([...rows, live]))]);
    const { bars } = await yahoo.fetchBars({ start: "2023-09-25" });
    expect(bars.map((b) => b.date)).toEqual([...RECORDED_DATES, "2023-09-29"]);
    const cleaned = cleanBars(bars, { now: new Date("2023-10-02T12:00:00Z"), minRows: 1 });
    expect(cleaned.report.dropped.duplicate).toBe(1);
    expect(cleaned.bars.at(-1)).toMatchObject({ date: "2023-09-29", close: 427.5 });
  });

  it("when today's session is in progress, then its bar is dropped until the session has closed", async () => {
    const rows = chartRows(recordedChart());
    const today: ChartRow = {
      timestamp: Date.parse("2023-10-02T13:30:00Z") / 1000,
      open: 426.6199951171875,
      high: 428.5,
      low: 424.8299865722656,
      close: 427.1000061035156,
      adjclose: 427.1000061035156,
      volume: 41_882_000,
    };
    const { yahoo } = source([jsonResponse(chartFromRows([...rows, today]))]);
    const { bars } = await yahoo.fetchBars({ start: "2023-09-25" });
    expect(bars.at(-1)?.date).toBe("2023-10-02");

    const during = cleanBars(bars, { now: new Date("2023-10-02T15:00:00Z"), minRows: 1 }); // 11:00 New York
    expect(during.report.dropped.unfinished).toBe(1);
    expect(during.bars.at(-1)?.date).toBe("2023-09-29");

    const after = cleanBars(bars, { now: new Date("2023-10-02T21:00:00Z"), minRows: 1 }); // 17:00 New York
    expect(after.report.dropped.unfinished).toBe(0);
    expect(after.bars.at(-1)?.date).toBe("2023-10-02");
  });
});

describe("Yahoo source: retries", () => {
  it("when Yahoo answers 429 once, then the request is retried after a backoff and succeeds", async () => {
    const { yahoo, calls, sleeps } = source([tooManyRequests, jsonResponse(recordedChart())]);
    const result = await yahoo.fetchBars({ start: "2023-09-25" });
    expect(calls).toHaveLength(2);
    expect(sleeps).toEqual([500]); // full jitter: 0.5 x base 1,000 ms
    expect(result.bars).toHaveLength(5);
  });

  it("when 429 carries Retry-After, then the wait is at least that long (capped by maxDelayMs)", async () => {
    const limited = () => new Response("Edge: Too Many Requests", { status: 429, headers: { "retry-after": "7" } });
    const { yahoo, sleeps } = source([limited, limited, jsonResponse(recordedChart())], { maxDelayMs: 10_000 });
    await yahoo.fetchBars({ start: "2023-09-25" });
    expect(sleeps).toEqual([7_000, 7_000]);
  });

  it("when a network error and a 5xx precede success, then both are retried", async () => {
    const network = new TypeError("fetch failed", {
      cause: new Error("getaddrinfo EAI_AGAIN query2.finance.yahoo.com"),
    });
    const { yahoo, calls, sleeps } = source([network, serverError, jsonResponse(recordedChart())]);
    const result = await yahoo.fetchBars({ start: "2023-09-25" });
    expect(calls).toHaveLength(3);
    expect(sleeps).toEqual([500, 1_000]);
    expect(result.bars).toHaveLength(5);
  });

  it("when Yahoo keeps failing, then exactly maxAttempts requests are made and a transient error says how to run offline", async () => {
    const { yahoo, calls, sleeps } = source([tooManyRequests], { maxAttempts: 4 });
    const error = await failure(yahoo.fetchBars({ start: "2023-09-25" }));
    expect(calls).toHaveLength(4);
    expect(sleeps).toEqual([500, 1_000, 2_000]);
    expect(error).toBeInstanceOf(DataUnavailableError);
    expect((error as DataUnavailableError).exitCode).toBe(EXIT_CODES.transient);
    expect(error.message).toBe(
      "Yahoo Finance unreachable after 4 attempts: HTTP 429 Edge: Too Many Requests; " +
        "set MARKET_DATA_FILE to a CSV file to run offline",
    );
  });

  it("when a request hangs, then it times out and counts as a retryable network error", async () => {
    const hanging = ((_input: string | URL | Request, init?: RequestInit) =>
      new Promise<Response>((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason as Error));
      })) as typeof fetch;
    let attempts = 0;
    const counting = ((input: string | URL | Request, init?: RequestInit) => {
      attempts++;
      return hanging(input, init);
    }) as typeof fetch;
    const yahoo = createYahooSource({ fetch: counting, timeoutMs: 20, maxAttempts: 2, sleep: () => Promise.resolve() });
    const error = await failure(yahoo.fetchBars({ start: "2023-09-25" }));
    expect(attempts).toBe(2);
    expect(error).toBeInstanceOf(DataUnavailableError);
    expect(error.message).toMatch(/^Yahoo Finance unreachable after 2 attempts: network error: .*timeout/i);
  });

  it("when the ticker is unknown (404), then it is not retried and the error is a bad-input error", async () => {
    const notFound = jsonResponse(
      { chart: { result: null, error: { code: "Not Found", description: "No data found, symbol may be delisted" } } },
      404,
    );
    const { yahoo, calls, sleeps } = source([notFound], { ticker: "NOSUCHTICKER" });
    const error = await failure(yahoo.fetchBars());
    expect(calls).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).exitCode).toBe(EXIT_CODES.badConfig);
    expect(error.message).toBe(
      'Yahoo Finance has no daily data for ticker "NOSUCHTICKER": HTTP 404 Not Found: No data found, symbol may be delisted',
    );
  });

  it("when Yahoo answers another 4xx (401), then it is not retried", async () => {
    const { yahoo, calls } = source([new Response("Unauthorized", { status: 401 })]);
    const error = await failure(yahoo.fetchBars());
    expect(calls).toHaveLength(1);
    expect(error).toBeInstanceOf(DataUnavailableError);
    expect(error.message).toContain("HTTP 401 Unauthorized");
  });

  it("when the response does not match the library's schema, then it fails at once with a clear message", async () => {
    const doc = recordedChart();
    delete (doc.chart.result[0]?.meta as Record<string, unknown>).currency;
    const { yahoo, calls } = source([jsonResponse(doc)]);
    const error = await failure(yahoo.fetchBars());
    expect(calls).toHaveLength(1);
    expect(error).toBeInstanceOf(DataUnavailableError);
    expect(error.message).toContain("did not match yahoo-finance2's schema");
  });
});
