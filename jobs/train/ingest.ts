import { barsAsOf } from "../../lib/market/as-of.js";
import { cleanBars, type CleaningReport } from "../../lib/market/clean.js";
import type { DataLineage, MarketDataSource } from "../../lib/market/source.js";
import type { Bar } from "../../lib/market/types.js";

export interface IngestInput {
  source: MarketDataSource;
  /** First date to fetch (MARKET_HISTORY_START). */
  historyStart: string;
  /** Cut the history at the close of this date; undefined: every finished session. */
  asOf: string | undefined;
  /** The current time: decides whether today's session has finished. */
  now: Date;
}

export interface IngestResult {
  /** Clean bars up to the as-of date, oldest first. */
  bars: Bar[];
  lineage: DataLineage;
  cleaning: CleaningReport;
  /** The date of the last bar used: the as-of date the run records. */
  asOf: string;
  /** What was asked with --as-of, when it was (a holiday or weekend resolves to the session before). */
  requestedAsOf: string | undefined;
}

/** Fetches the bars, cleans them (the report says what was dropped and why) and cuts them at the as-of date. */
export async function ingest(input: IngestInput): Promise<IngestResult> {
  const range = { start: input.historyStart, ...(input.asOf !== undefined ? { end: input.asOf } : {}) };
  const raw = await input.source.fetchBars(range);
  const { bars: clean, report } = cleanBars(raw.bars, { now: input.now });
  const bars = input.asOf !== undefined ? barsAsOf(clean, input.asOf) : clean;
  return {
    bars,
    lineage: raw.lineage,
    cleaning: report,
    asOf: bars.at(-1)!.date,
    requestedAsOf: input.asOf,
  };
}
