import { assertIsoDate } from "./time.js";

/**
 * Where daily bars come from. Both implementations (Yahoo Finance and a CSV file) return the bars as the source
 * gave them (nulls, duplicates and an unfinished last session included: `cleanBars` deals with those) plus the
 * lineage needed to log the data as an MLflow dataset input.
 */

export const DEFAULT_TICKER = "SPY";
/** SPY's first trading day: the default start of the history. */
export const DEFAULT_HISTORY_START = "1993-01-29";

/** A bar as a source delivers it: any value may be missing. */
export interface RawBar {
  /** Trading date in America/New_York, YYYY-MM-DD. */
  date: string;
  open: number | null;
  high: number | null;
  low: number | null;
  close: number | null;
  adjClose: number | null;
  volume: number | null;
}

/** Where the bars came from, in the terms of an MLflow dataset source. */
export interface DataLineage {
  /** MLflow dataset `source_type`: "http" for a download, "local" for a file. */
  sourceType: "http" | "local";
  /** The URL requested or the file:// URI read. */
  uri: string;
  ticker: string;
  /** One line for people and logs, e.g. "Yahoo Finance chart API (yahoo-finance2), SPY daily". */
  description: string;
  /** When the data was fetched or read (ISO 8601). */
  fetchedAt: string;
}

export interface RawFetchResult {
  bars: RawBar[];
  lineage: DataLineage;
}

/** Inclusive date bounds (YYYY-MM-DD); unset means the source's default start / up to now. */
export interface BarRange {
  start?: string;
  end?: string;
}

export interface MarketDataSource {
  readonly ticker: string;
  /** One line describing the source (for logs and errors). */
  readonly description: string;
  /** Daily bars within `range` (dates inclusive), in the order the source delivered them. */
  fetchBars(range?: BarRange): Promise<RawFetchResult>;
}

/** Keeps the raw bars whose date lies within `range` (inclusive). */
export function withinRange(bars: RawBar[], range: BarRange | undefined): RawBar[] {
  const start = range?.start;
  const end = range?.end;
  if (start !== undefined) assertIsoDate(start, "start");
  if (end !== undefined) assertIsoDate(end, "end");
  if (start === undefined && end === undefined) return bars;
  return bars.filter((bar) => (start === undefined || bar.date >= start) && (end === undefined || bar.date <= end));
}
