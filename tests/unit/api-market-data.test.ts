import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MarketDataFeed, type MarketSnapshot } from "../../api/market-data.js";
import { createLogger } from "../../lib/log.js";
import { createCsvSource } from "../../lib/market/csv-source.js";
import { spy2yCsv } from "../helpers/data.js";
import { testDataset } from "../helpers/model-registry.js";

let dir: string;
let lines: string[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "api-market-"));
  lines = readFileSync(spy2yCsv(), "utf8").trimEnd().split("\n");
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A feed over a CSV file in the temporary folder holding the first `rows` data rows of the 2-year file. */
async function feedOver(rows: number, name: string, now?: Date) {
  const file = path.join(dir, name);
  await writeFile(file, `${lines.slice(0, rows + 1).join("\n")}\n`);
  const snapshots: MarketSnapshot[] = [];
  const failures: unknown[] = [];
  const feed = new MarketDataFeed({
    source: createCsvSource(file),
    refreshMs: 60_000,
    logger: createLogger("test"),
    onSnapshot: (snapshot) => snapshots.push(snapshot),
    onFailure: (error) => failures.push(error),
    ...(now ? { now: () => now } : {}),
  });
  return { feed, file, snapshots, failures };
}

describe("market data feed", () => {
  it("when refreshed, then the snapshot is the last bar's features by the shared dataset code and the next trading day", async () => {
    const { feed, snapshots } = await feedOver(500, "full.csv");
    expect(feed.current).toBeUndefined();
    await feed.refresh();
    expect(feed.current).toEqual({
      asOf: "2023-09-29",
      forDate: "2023-10-02",
      features: testDataset().latest.features,
      bars: 500,
      firstDate: "2021-10-05",
      source: expect.stringContaining("full.csv") as string,
    });
    expect(snapshots).toHaveLength(1);
    expect(feed.status()).toMatchObject({ consecutiveFailures: 0, lastError: undefined });
  });

  it("when the data has not changed, then the snapshot object is kept so the cached prediction stays valid", async () => {
    const { feed, snapshots } = await feedOver(500, "same.csv");
    await feed.refresh();
    const first = feed.current;
    await feed.refresh();
    expect(feed.current).toBe(first);
    expect(snapshots).toHaveLength(1);
    expect(feed.status().lastSuccessAt).toBeInstanceOf(Date);
  });

  it("when a new session is added, then the next refresh moves the as-of date", async () => {
    const { feed, file, snapshots } = await feedOver(499, "growing.csv");
    await feed.refresh();
    expect(feed.current?.asOf).toBe("2023-09-28");
    expect(feed.current?.forDate).toBe("2023-09-29");
    await writeFile(file, `${lines.join("\n")}\n`);
    await feed.refresh();
    expect(feed.current?.asOf).toBe("2023-09-29");
    expect(snapshots.map((s) => s.asOf)).toEqual(["2023-09-28", "2023-09-29"]);
  });

  it("when a refresh fails, then the last good snapshot stays and the error is reported", async () => {
    const { feed, file, failures } = await feedOver(500, "breaks.csv");
    await feed.refresh();
    const good = feed.current;
    await rm(file);
    await feed.refresh();
    expect(feed.current).toBe(good);
    expect(failures).toHaveLength(1);
    expect(feed.status()).toMatchObject({
      consecutiveFailures: 1,
      lastError: {
        message: expect.stringMatching(/cannot read market data file .*breaks\.csv: file not found/) as string,
      },
    });
    await writeFile(file, "date,open\n2023-09-29,not-a-number\n");
    await feed.refresh();
    expect(feed.current).toBe(good);
    expect(feed.status().consecutiveFailures).toBe(2);
  });

  it("when the session of today has not closed yet, then its bar is left out, as the job does", async () => {
    const duringSession = new Date("2023-09-29T18:00:00Z"); // 14:00 in New York, before the 16:00 close
    const { feed } = await feedOver(500, "intraday.csv", duringSession);
    await feed.refresh();
    expect(feed.current).toMatchObject({ asOf: "2023-09-28", forDate: "2023-09-29", bars: 499 });
  });
});
