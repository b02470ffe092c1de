// Which days a replay trains as of: every NYSE trading day in the range whose session has finished, within the
// dates the market data holds.
import { UsageError } from "../../lib/cli.js";
import { isTradingDay, previousTradingDay, sessionClose, tradingDaysBetween } from "../../lib/market/calendar.js";
import { newYorkDate } from "../../lib/market/time.js";

/** Minutes after the close before a session counts as finished (the job's cleaning uses the same settle time). */
export const SETTLE_MINUTES = 20;

/** The last session whose bar is final at `now`: today after its close (+ settle time), else the one before. */
export function lastFinishedSession(now: Date): string {
  const today = newYorkDate(now);
  const close = isTradingDay(today) ? sessionClose(today) : null;
  if (close && now.getTime() >= close.getTime() + SETTLE_MINUTES * 60_000) return today;
  return previousTradingDay(today);
}

export interface ReplayPlanInput {
  from: string;
  to: string;
  now: Date;
  /** First and last date of the data file, when the data comes from a file. */
  data?: { firstDate: string; lastDate: string };
}

export interface ReplayPlan {
  /** Trading days to train as of, oldest first. */
  days: string[];
  /** Why the range was narrowed (for the user). */
  notes: string[];
}

/** The trading days of [from, to] a replay trains as of; a reversed or empty range is a UsageError. */
export function planReplay(input: ReplayPlanInput): ReplayPlan {
  const { from } = input;
  if (from > input.to) throw new UsageError(`--from ${from} is after --to ${input.to}`);
  const notes: string[] = [];
  let to = input.to;
  const finished = lastFinishedSession(input.now);
  if (to > finished) {
    to = finished;
    notes.push(`${input.to} has not closed yet: replaying up to ${finished}, the last finished session`);
  }
  if (input.data && to > input.data.lastDate) {
    to = input.data.lastDate;
    notes.push(`the market data ends on ${input.data.lastDate}: replaying up to that day`);
  }
  const days = from <= to ? tradingDaysBetween(from, to) : [];
  if (days.length === 0) {
    throw new UsageError(
      `no trading day to replay between ${from} and ${input.to}` + (notes.length > 0 ? ` (${notes.join("; ")})` : ""),
    );
  }
  if (input.data && days[0] !== undefined && days[0] < input.data.firstDate) {
    notes.push(
      `the market data starts on ${input.data.firstDate}: the earliest days may have too little history to train`,
    );
  }
  return { days, notes };
}
