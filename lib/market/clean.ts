import { isTradingDay, sessionClose } from "./calendar.js";
import { DataError } from "./errors.js";
import type { RawBar } from "./source.js";
import { newYorkDate } from "./time.js";
import type { Bar } from "./types.js";

export interface CleanOptions {
  /** The current time: a session counts as finished `settleMinutes` after its close. Default: new Date(). */
  now?: Date;
  /** Minutes after the close before a day's bar is trusted as final (default 20). */
  settleMinutes?: number;
  /** Fewer bars than this after cleaning is an error (default 250, about one trading year). */
  minRows?: number;
  /** More rejected rows than this share of the remaining rows means the data is broken (default 0.001). */
  maxRejectedShare?: number;
}

/** Rows removed as a normal part of cleaning. */
export type DropReason = "allNull" | "duplicate" | "unfinished";
/** Rows removed because they are invalid; too many of them fail the cleaning. */
export type RejectReason =
  "partialNull" | "nonPositivePrice" | "negativeVolume" | "highLowInconsistent" | "notTradingDay";

export interface RejectedRow {
  date: string;
  reason: RejectReason;
  detail: string;
}

/** What cleaning did, for logs and the MLflow run. */
export interface CleaningReport {
  inputRows: number;
  outputRows: number;
  dropped: Record<DropReason, number>;
  rejected: Record<RejectReason, number>;
  /** The first 20 rejected rows with the reason. */
  rejectedRows: RejectedRow[];
  firstDate: string | null;
  lastDate: string | null;
}

export interface CleanResult {
  bars: Bar[];
  report: CleaningReport;
}

export const DEFAULT_MIN_ROWS = 250;
const MAX_LISTED_REJECTIONS = 20;
/** Relative slack for high/low checks, so float noise in a source's values is not an inconsistency. */
const PRICE_TOLERANCE = 1e-9;

const PRICE_FIELDS = ["open", "high", "low", "close"] as const;

function isAllNull(bar: RawBar): boolean {
  return PRICE_FIELDS.every((field) => bar[field] === null) && bar.volume === null;
}

/** Why a bar is invalid, or null when it is a usable Bar. */
function validate(bar: RawBar): { reason: RejectReason; detail: string } | Bar {
  if (!isTradingDay(bar.date)) return { reason: "notTradingDay", detail: "not an NYSE session" };
  const { open, high, low, close, volume } = bar;
  if (open === null || high === null || low === null || close === null || volume === null) {
    const missing = [...PRICE_FIELDS, "volume" as const].filter((field) => bar[field] === null);
    return { reason: "partialNull", detail: `missing ${missing.join(", ")}` };
  }
  for (const field of PRICE_FIELDS) {
    if (!(bar[field] !== null && bar[field] > 0))
      return { reason: "nonPositivePrice", detail: `${field} ${bar[field]}` };
  }
  if (bar.adjClose !== null && !(bar.adjClose > 0)) {
    return { reason: "nonPositivePrice", detail: `adjClose ${bar.adjClose}` };
  }
  if (volume < 0) return { reason: "negativeVolume", detail: `volume ${volume}` };
  const slack = PRICE_TOLERANCE * high;
  if (high + slack < Math.max(open, close) || low - slack > Math.min(open, close) || high < low) {
    return {
      reason: "highLowInconsistent",
      detail: `open ${open} high ${high} low ${low} close ${close}`,
    };
  }
  return { date: bar.date, open, high, low, close, adjClose: bar.adjClose, volume };
}

function describeCounts(counts: Record<string, number>): string {
  return Object.entries(counts)
    .filter(([, n]) => n > 0)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(", ");
}

/** One line summarising a report, for logs and error messages. */
export function summariseCleaning(report: CleaningReport): string {
  const dropped = describeCounts(report.dropped) || "none";
  const rejected = describeCounts(report.rejected) || "none";
  const range = report.firstDate ? `${report.firstDate}..${report.lastDate}` : "no dates";
  return `${report.outputRows} of ${report.inputRows} rows kept (${range}); dropped: ${dropped}; rejected: ${rejected}`;
}

/**
 * Turns raw bars into clean, date-ordered Bars: drops all-null rows, keeps the last of several rows for one date,
 * drops the bar of a session that has not closed yet (NYSE calendar incl. 13:00 early closes), sorts by date and
 * rejects rows that are not NYSE sessions, have missing or non-positive values, or inconsistent high/low.
 * Throws DataError when too many rows were rejected or fewer than `minRows` remain.
 */
export function cleanBars(raw: readonly RawBar[], options: CleanOptions = {}): CleanResult {
  const now = options.now ?? new Date();
  const settleMinutes = options.settleMinutes ?? 20;
  if (!(settleMinutes >= 0 && settleMinutes <= 480)) {
    throw new RangeError(`settleMinutes must be between 0 and 480, got ${settleMinutes}`);
  }
  const settleMs = settleMinutes * 60_000;
  const minRows = options.minRows ?? DEFAULT_MIN_ROWS;
  const maxRejectedShare = options.maxRejectedShare ?? 0.001;
  const dropped: Record<DropReason, number> = { allNull: 0, duplicate: 0, unfinished: 0 };
  const rejected: Record<RejectReason, number> = {
    partialNull: 0,
    nonPositivePrice: 0,
    negativeVolume: 0,
    highLowInconsistent: 0,
    notTradingDay: 0,
  };
  const rejectedRows: RejectedRow[] = [];

  const byDate = new Map<string, RawBar>();
  for (const bar of raw) {
    if (isAllNull(bar)) {
      dropped.allNull++;
      continue;
    }
    if (byDate.has(bar.date)) {
      dropped.duplicate++;
      byDate.delete(bar.date); // re-insert so the last occurrence wins
    }
    byDate.set(bar.date, bar);
  }

  // Sessions dated before today (New York) have closed; only today's and later ones need the exact close time.
  const today = newYorkDate(now);
  const bars: Bar[] = [];
  for (const bar of [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0))) {
    const close = bar.date >= today && isTradingDay(bar.date) ? sessionClose(bar.date) : null;
    if (close && close.getTime() + settleMs > now.getTime()) {
      dropped.unfinished++;
      continue;
    }
    const checked = validate(bar);
    if ("reason" in checked) {
      rejected[checked.reason]++;
      if (rejectedRows.length < MAX_LISTED_REJECTIONS) rejectedRows.push({ date: bar.date, ...checked });
      continue;
    }
    bars.push(checked);
  }

  const report: CleaningReport = {
    inputRows: raw.length,
    outputRows: bars.length,
    dropped,
    rejected,
    rejectedRows,
    firstDate: bars[0]?.date ?? null,
    lastDate: bars.at(-1)?.date ?? null,
  };
  const rejectedTotal = Object.values(rejected).reduce((sum, n) => sum + n, 0);
  if (rejectedTotal > maxRejectedShare * (bars.length + rejectedTotal)) {
    const first = rejectedRows[0];
    throw new DataError(
      `market data looks broken: ${rejectedTotal} invalid rows (${describeCounts(rejected)}), ` +
        `first ${first?.date} (${first?.reason}: ${first?.detail}); ${summariseCleaning(report)}`,
    );
  }
  if (bars.length < minRows) {
    throw new DataError(
      `too little market data: ${bars.length} usable rows, need at least ${minRows}; ${summariseCleaning(report)}`,
    );
  }
  return { bars, report };
}
