import { isTradingDay } from "../market/calendar.js";
import { addDays, newYorkDate } from "../market/time.js";

const HOUR_MS = 3_600_000;

/**
 * Hours from `from` to `to`, not counting the whole New York calendar days between them on which NYSE holds no
 * session (weekends, holidays): 24 h less for each. The training job runs after each session, so a model registered
 * on Friday evening is as fresh on Monday afternoon as one registered on Tuesday is on Wednesday; without this, an
 * age limit of 36 h would fire every weekend. The days of `from` and `to` themselves always count in full.
 */
export function tradingAgeHours(from: Date, to: Date): number {
  const wall = (to.getTime() - from.getTime()) / HOUR_MS;
  if (!(wall > 0)) return 0;
  const last = newYorkDate(to);
  let closed = 0;
  for (let day = addDays(newYorkDate(from), 1); day < last; day = addDays(day, 1)) {
    if (!isTradingDay(day)) closed++;
  }
  return Math.max(0, wall - 24 * closed);
}

/** Wall-clock hours from `from` to `to` (never negative). */
export function wallAgeHours(from: Date, to: Date): number {
  return Math.max(0, (to.getTime() - from.getTime()) / HOUR_MS);
}
