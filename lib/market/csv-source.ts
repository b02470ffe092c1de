import { readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { DataError } from "./errors.js";
import {
  DEFAULT_TICKER,
  withinRange,
  type BarRange,
  type MarketDataSource,
  type RawBar,
  type RawFetchResult,
} from "./source.js";
import { isIsoDate } from "./time.js";

/** Accepted headers: the lab's own (as in ../shared/data/spy-daily.csv) and Yahoo's original CSV download. */
const HEADERS = ["date,open,high,low,close,adj_close,volume", "Date,Open,High,Low,Close,Adj Close,Volume"] as const;
const FIELDS = ["date", "open", "high", "low", "close", "adj_close", "volume"] as const;

export interface CsvSourceOptions {
  /** The ticker the file holds (recorded in the lineage; default "SPY"). */
  ticker?: string;
  now?: () => Date;
}

/** A number, or null for an empty or "null" field (Yahoo writes "null" for missing values). */
function parseValue(raw: string, field: string, where: string): number | null {
  const text = raw.trim();
  if (text === "" || text.toLowerCase() === "null") return null;
  const value = Number(text);
  if (!Number.isFinite(value)) {
    throw new DataError(`${where}: ${field} is not a number: ${JSON.stringify(raw)}`);
  }
  return value;
}

/** Parses CSV text in the spy-daily.csv format; `name` is used in error messages ("file:line"). */
export function parseBarsCsv(text: string, name: string): RawBar[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  const header = (lines[0] ?? "").trim();
  if (!HEADERS.some((accepted) => accepted.toLowerCase() === header.toLowerCase())) {
    throw new DataError(
      `${name}:1: unexpected header ${JSON.stringify(header)}; expected ${HEADERS.map((h) => JSON.stringify(h)).join(" or ")}`,
    );
  }
  const bars: RawBar[] = [];
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index] ?? "";
    if (line.trim() === "") continue;
    const where = `${name}:${index + 1}`;
    const cells = line.split(",");
    if (cells.length !== FIELDS.length) {
      throw new DataError(`${where}: expected ${FIELDS.length} fields (${FIELDS.join(",")}), found ${cells.length}`);
    }
    const date = (cells[0] ?? "").trim();
    if (!isIsoDate(date)) throw new DataError(`${where}: date is not a real YYYY-MM-DD date: ${JSON.stringify(date)}`);
    const value = (i: number) => parseValue(cells[i] ?? "", FIELDS[i] ?? "field", where);
    bars.push({
      date,
      open: value(1),
      high: value(2),
      low: value(3),
      close: value(4),
      adjClose: value(5),
      volume: value(6),
    });
  }
  return bars;
}

/** Daily bars from a CSV file (`date,open,high,low,close,adj_close,volume`), e.g. ../shared/data/spy-daily.csv. */
export function createCsvSource(file: string, options: CsvSourceOptions = {}): MarketDataSource {
  const absolute = path.resolve(file);
  const ticker = options.ticker ?? DEFAULT_TICKER;
  const now = options.now ?? (() => new Date());
  const description = `CSV file ${absolute}, ${ticker} daily`;

  async function fetchBars(range?: BarRange): Promise<RawFetchResult> {
    let text: string;
    try {
      text = await readFile(absolute, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === "ENOENT" ? "file not found" : code === "EISDIR" ? "is a directory" : String(error);
      throw new DataError(`cannot read market data file ${absolute}: ${reason}`, { cause: error });
    }
    return {
      bars: withinRange(parseBarsCsv(text, absolute), range),
      lineage: {
        sourceType: "local",
        uri: pathToFileURL(absolute).href,
        ticker,
        description,
        fetchedAt: now().toISOString(),
      },
    };
  }

  return { ticker, description, fetchBars };
}
