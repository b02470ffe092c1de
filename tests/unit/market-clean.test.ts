import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { barsAsOf } from "../../lib/market/as-of.js";
import { cleanBars, summariseCleaning } from "../../lib/market/clean.js";
import { parseBarsCsv } from "../../lib/market/csv-source.js";
import { DataError } from "../../lib/market/errors.js";
import type { RawBar } from "../../lib/market/source.js";
import { spy2yCsv } from "../helpers/data.js";

const AFTER_DATA = new Date("2023-10-02T12:00:00Z");
const real = (): RawBar[] => parseBarsCsv(readFileSync(spy2yCsv(), "utf8"), "spy-daily-2y.csv");

const bar = (date: string, close: number, extra: Partial<RawBar> = {}): RawBar => ({
  date,
  open: close,
  high: close + 1,
  low: close - 1,
  close,
  adjClose: close,
  volume: 1000,
  ...extra,
});
const nullBar = (date: string): RawBar => ({
  date,
  open: null,
  high: null,
  low: null,
  close: null,
  adjClose: null,
  volume: null,
});

function cleanError(raw: RawBar[], options: Parameters<typeof cleanBars>[1]): DataError {
  try {
    cleanBars(raw, options);
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return error as DataError;
  }
  throw new Error("expected cleanBars to throw");
}

describe("cleanBars", () => {
  it("when the data is the real 2-year file, then every row is kept and the report is empty", () => {
    const { bars, report } = cleanBars(real(), { now: AFTER_DATA });
    expect(bars).toHaveLength(500);
    expect(report).toEqual({
      inputRows: 500,
      outputRows: 500,
      dropped: { allNull: 0, duplicate: 0, unfinished: 0 },
      rejected: { partialNull: 0, nonPositivePrice: 0, negativeVolume: 0, highLowInconsistent: 0, notTradingDay: 0 },
      rejectedRows: [],
      firstDate: "2021-10-05",
      lastDate: "2023-09-29",
    });
  });

  it("when rows are all null, duplicated and unordered, then nulls go, the last duplicate wins and dates ascend", () => {
    const raw = [
      bar("2023-09-27", 12),
      nullBar("2023-09-28"),
      bar("2023-09-25", 10),
      bar("2023-09-26", 11),
      bar("2023-09-27", 13),
    ];
    const { bars, report } = cleanBars(raw, { now: AFTER_DATA, minRows: 1 });
    expect(bars.map((b) => [b.date, b.close])).toEqual([
      ["2023-09-25", 10],
      ["2023-09-26", 11],
      ["2023-09-27", 13],
    ]);
    expect(report.dropped).toEqual({ allNull: 1, duplicate: 1, unfinished: 0 });
    expect(summariseCleaning(report)).toBe(
      "3 of 5 rows kept (2023-09-25..2023-09-27); dropped: allNull 1, duplicate 1; rejected: none",
    );
  });

  it("when the last session closes early (13:00), then its bar counts only 20 minutes after that close", () => {
    const raw = [bar("2023-11-22", 10), bar("2023-11-24", 11)];
    const before = cleanBars(raw, { now: new Date("2023-11-24T18:10:00Z"), minRows: 1 }); // 13:10 New York
    expect(before.bars.map((b) => b.date)).toEqual(["2023-11-22"]);
    expect(before.report.dropped.unfinished).toBe(1);
    const after = cleanBars(raw, { now: new Date("2023-11-24T18:25:00Z"), minRows: 1 });
    expect(after.bars.map((b) => b.date)).toEqual(["2023-11-22", "2023-11-24"]);
    const noSettle = cleanBars(raw, { now: new Date("2023-11-24T18:00:00Z"), minRows: 1, settleMinutes: 0 });
    expect(noSettle.bars).toHaveLength(2);
  });

  it("when a bar is dated after now (a clock skew or a future row), then it is dropped as unfinished", () => {
    const { report } = cleanBars([bar("2023-09-29", 10), bar("2023-10-03", 11)], { now: AFTER_DATA, minRows: 1 });
    expect(report.dropped.unfinished).toBe(1);
  });

  it("when rows are invalid, then each is rejected with its reason and detail", () => {
    const raw = [
      ...real(),
      bar("2023-10-02", 10, { volume: null }),
      bar("2023-10-03", 10, { low: 0 }),
      bar("2023-10-04", 10, { high: 9.5 }),
      bar("2023-10-05", 10, { low: 10.5 }),
      bar("2023-10-06", 10, { volume: -5 }),
      bar("2023-10-07", 10),
    ];
    const { bars, report } = cleanBars(raw, {
      now: new Date("2023-10-10T12:00:00Z"),
      maxRejectedShare: 0.05,
    });
    expect(bars).toHaveLength(500);
    expect(report.rejected).toEqual({
      partialNull: 1,
      nonPositivePrice: 1,
      negativeVolume: 1,
      highLowInconsistent: 2,
      notTradingDay: 1,
    });
    expect(report.rejectedRows).toEqual([
      { date: "2023-10-02", reason: "partialNull", detail: "missing volume" },
      { date: "2023-10-03", reason: "nonPositivePrice", detail: "low 0" },
      { date: "2023-10-04", reason: "highLowInconsistent", detail: "open 10 high 9.5 low 9 close 10" },
      { date: "2023-10-05", reason: "highLowInconsistent", detail: "open 10 high 11 low 10.5 close 10" },
      { date: "2023-10-06", reason: "negativeVolume", detail: "volume -5" },
      { date: "2023-10-07", reason: "notTradingDay", detail: "not an NYSE session" },
    ]);
  });

  it("when more rows are invalid than the tolerated share, then cleaning fails saying the data looks broken", () => {
    const raw = [...real(), bar("2023-10-02", 10, { high: 9 })];
    const error = cleanError(raw, { now: new Date("2023-10-10T12:00:00Z") });
    expect(error.message).toMatch(
      /^market data looks broken: 1 invalid rows \(highLowInconsistent 1\), first 2023-10-02 \(highLowInconsistent: open 10 high 9 low 9 close 10\); 500 of 501 rows kept/,
    );
  });

  it("when too few rows remain, then cleaning fails with the count, the minimum and what was dropped", () => {
    const raw = [bar("2023-09-28", 10), nullBar("2023-09-29")];
    const error = cleanError(raw, { now: AFTER_DATA, minRows: 2 });
    expect(error.message).toBe(
      "too little market data: 1 usable rows, need at least 2; 1 of 2 rows kept (2023-09-28..2023-09-28); " +
        "dropped: allNull 1; rejected: none",
    );
  });

  it("when the source returned nothing, then the default minimum (250 rows) applies", () => {
    expect(cleanError([], { now: AFTER_DATA }).message).toContain(
      "0 usable rows, need at least 250; 0 of 0 rows kept (no dates)",
    );
  });
});

describe("barsAsOf", () => {
  it("when cutting at an as-of date, then bars up to and including that date remain", () => {
    const { bars } = cleanBars(real(), { now: AFTER_DATA });
    expect(barsAsOf(bars, "2023-09-27").at(-1)?.date).toBe("2023-09-27");
    expect(barsAsOf(bars, "2023-09-30")).toHaveLength(500);
    expect(barsAsOf(bars, "2023-09-23").at(-1)?.date).toBe("2023-09-22"); // a Saturday: the Friday before
  });

  it("when the as-of date precedes all data or is malformed, then it fails clearly", () => {
    const { bars } = cleanBars(real(), { now: AFTER_DATA });
    expect(() => barsAsOf(bars, "2020-01-01")).toThrow(
      "no market data on or before the as-of date 2020-01-01 (first bar: 2021-10-05)",
    );
    expect(() => barsAsOf(bars, "2023/09/27")).toThrow(RangeError);
  });
});
