import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { createCsvSource, parseBarsCsv } from "../../lib/market/csv-source.js";
import { DataError } from "../../lib/market/errors.js";
import { EXIT_CODES } from "../../lib/exit-codes.js";
import { spy2yCsv, spyFullCsv } from "../helpers/data.js";

const dir = mkdtempSync(path.join(tmpdir(), "csv-source-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writeCsv(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

function parseError(text: string): DataError {
  try {
    parseBarsCsv(text, "bars.csv");
  } catch (error) {
    expect(error).toBeInstanceOf(DataError);
    return error as DataError;
  }
  throw new Error("expected parseBarsCsv to throw");
}

const HEADER = "date,open,high,low,close,adj_close,volume";

describe("CSV source", () => {
  it("when reading the 2-year file, then it yields its 500 rows with the exact values", async () => {
    const result = await createCsvSource(spy2yCsv()).fetchBars();
    expect(result.bars).toHaveLength(500);
    expect(result.bars[0]?.date).toBe("2021-10-05");
    expect(result.bars.at(-1)).toEqual({
      date: "2023-09-29",
      open: 431.670013,
      high: 431.850006,
      low: 425.910004,
      close: 427.480011,
      adjClose: 427.480011,
      volume: 115078500,
    });
  });

  it("when reading the full file, then it yields 7,723 rows from 1993-01-29 with the spot-checked closes", async () => {
    const { bars } = await createCsvSource(spyFullCsv()).fetchBars();
    expect(bars).toHaveLength(7723);
    expect(bars[0]).toMatchObject({ date: "1993-01-29", open: 43.96875, close: 43.9375 });
    expect(bars.find((b) => b.date === "2020-03-23")?.close).toBe(222.949997);
    expect(bars.find((b) => b.date === "2009-03-09")?.close).toBe(68.110001);
  });

  it("when a range is given, then only bars within it (inclusive) are returned", async () => {
    const { bars } = await createCsvSource(spy2yCsv()).fetchBars({ start: "2023-09-25", end: "2023-09-28" });
    expect(bars.map((b) => b.date)).toEqual(["2023-09-25", "2023-09-26", "2023-09-27", "2023-09-28"]);
  });

  it("when reading, then the lineage names the file as a local source", async () => {
    const file = spy2yCsv();
    const source = createCsvSource(file, { ticker: "SPY", now: () => new Date("2024-01-02T00:00:00Z") });
    const { lineage } = await source.fetchBars();
    expect(lineage).toEqual({
      sourceType: "local",
      uri: pathToFileURL(path.resolve(file)).href,
      ticker: "SPY",
      description: `CSV file ${path.resolve(file)}, SPY daily`,
      fetchedAt: "2024-01-02T00:00:00.000Z",
    });
    expect(source.description).toBe(lineage.description);
  });

  it("when the file has Yahoo's original header, CRLF line ends and 'null' values, then it is read", () => {
    const text =
      "Date,Open,High,Low,Close,Adj Close,Volume\r\n" +
      "2023-09-28,425.48,430.25,424.87,428.52,428.52,92258300\r\n" +
      "2023-09-29,null,null,null,null,null,null\r\n";
    expect(parseBarsCsv(text, "yahoo.csv")).toEqual([
      {
        date: "2023-09-28",
        open: 425.48,
        high: 430.25,
        low: 424.87,
        close: 428.52,
        adjClose: 428.52,
        volume: 92258300,
      },
      { date: "2023-09-29", open: null, high: null, low: null, close: null, adjClose: null, volume: null },
    ]);
  });

  it("when the file does not exist, then a bad-input error names the path", async () => {
    const missing = path.join(dir, "nope.csv");
    const error = await createCsvSource(missing)
      .fetchBars()
      .then(
        () => undefined,
        (e: unknown) => e as DataError,
      );
    expect(error).toBeInstanceOf(DataError);
    expect(error?.exitCode).toBe(EXIT_CODES.badConfig);
    expect(error?.message).toBe(`cannot read market data file ${missing}: file not found`);
  });

  it("when the header is wrong, then the error quotes it and the accepted headers", () => {
    expect(parseError("day,o,h,l,c,v\n").message).toBe(
      'bars.csv:1: unexpected header "day,o,h,l,c,v"; expected ' +
        '"date,open,high,low,close,adj_close,volume" or "Date,Open,High,Low,Close,Adj Close,Volume"',
    );
  });

  it.each([
    [
      "a row has too few fields",
      "2023-09-28,1,2,0.5,1.5,1.5",
      "bars.csv:3: expected 7 fields (date,open,high,low,close,adj_close,volume), found 6",
    ],
    ["a value is not a number", "2023-09-28,1,2,abc,1.5,1.5,100", 'bars.csv:3: low is not a number: "abc"'],
    [
      "a date is not real",
      "2023-02-30,1,2,0.5,1.5,1.5,100",
      'bars.csv:3: date is not a real YYYY-MM-DD date: "2023-02-30"',
    ],
    [
      "a date has another format",
      "09/28/2023,1,2,0.5,1.5,1.5,100",
      'bars.csv:3: date is not a real YYYY-MM-DD date: "09/28/2023"',
    ],
  ])("when %s, then the error gives the line number", (_case, badLine, message) => {
    const text = `${HEADER}\n2023-09-27,1,2,0.5,1.5,1.5,100\n${badLine}\n`;
    expect(parseError(text).message).toBe(message);
  });

  it("when the file is written to disk with a malformed row, then fetchBars reports file and line", async () => {
    const file = writeCsv("bad.csv", `${HEADER}\n2023-09-27,1,2,0.5,1.5,1.5,100\n\n2023-09-28,1,2,0.5,x,1.5,100\n`);
    await expect(createCsvSource(file).fetchBars()).rejects.toThrow(
      `${path.resolve(file)}:4: close is not a number: "x"`,
    );
  });
});
