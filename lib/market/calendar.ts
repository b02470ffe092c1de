import { addDays, assertIsoDate, dayOfWeek, isoDate, newYorkInstant } from "./time.js";

/**
 * NYSE trading calendar: regular holidays with their observance rules, Good Friday, MLK Day from 1998,
 * Juneteenth from 2022, unscheduled closures since 1993 (SPY's first session), and the 13:00 early closes.
 * It matches every session in spy-daily.csv (1993-01-29 .. 2023-09-29) exactly (tested).
 */

/** Unscheduled full-day closures since 1993 (national days of mourning, 9/11, Hurricane Sandy). */
export const NYSE_SPECIAL_CLOSURES: ReadonlyMap<string, string> = new Map([
  ["1994-04-27", "National Day of Mourning for President Nixon"],
  ["2001-09-11", "September 11 attacks"],
  ["2001-09-12", "September 11 attacks"],
  ["2001-09-13", "September 11 attacks"],
  ["2001-09-14", "September 11 attacks"],
  ["2004-06-11", "National Day of Mourning for President Reagan"],
  ["2007-01-02", "National Day of Mourning for President Ford"],
  ["2012-10-29", "Hurricane Sandy"],
  ["2012-10-30", "Hurricane Sandy"],
  ["2018-12-05", "National Day of Mourning for President George H. W. Bush"],
  ["2025-01-09", "National Day of Mourning for President Carter"],
]);

const REGULAR_CLOSE = { hour: 16, minute: 0 };
const EARLY_CLOSE = { hour: 13, minute: 0 };

/** Easter Sunday (Gregorian, anonymous algorithm). */
function easterSunday(year: number): string {
  const a = year % 19;
  const b = Math.floor(year / 100);
  const c = year % 100;
  const d = Math.floor(b / 4);
  const e = b % 4;
  const f = Math.floor((b + 8) / 25);
  const g = Math.floor((b - f + 1) / 3);
  const h = (19 * a + b - d - g + 15) % 30;
  const i = Math.floor(c / 4);
  const k = c % 4;
  const l = (32 + 2 * e + 2 * i - h - k) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  const month = Math.floor((h + l - 7 * m + 114) / 31);
  const day = ((h + l - 7 * m + 114) % 31) + 1;
  return isoDate(year, month, day);
}

/** The n-th (1-based) given weekday of a month; n = -1 means the last one. */
function nthWeekday(year: number, month: number, weekday: number, n: number): string {
  if (n > 0) {
    const first = isoDate(year, month, 1);
    const shift = (weekday - dayOfWeek(first) + 7) % 7;
    return addDays(first, shift + (n - 1) * 7);
  }
  const last = addDays(isoDate(year, month + 1, 1), -1);
  const back = (dayOfWeek(last) - weekday + 7) % 7;
  return addDays(last, -back);
}

/** A fixed-date holiday moved to Friday when it falls on Saturday and to Monday when on Sunday. */
function observed(date: string): string {
  const weekday = dayOfWeek(date);
  if (weekday === 6) return addDays(date, -1);
  if (weekday === 0) return addDays(date, 1);
  return date;
}

const holidayCache = new Map<number, ReadonlyMap<string, string>>();

/** Full-day closures of one calendar year: date -> name. */
export function nyseHolidays(year: number): ReadonlyMap<string, string> {
  const cached = holidayCache.get(year);
  if (cached) return cached;
  const days = new Map<string, string>();
  // New Year's Day: on Sunday it moves to Monday; on Saturday it is not observed (NYSE rule: no Friday
  // closure in the previous year).
  const newYear = isoDate(year, 1, 1);
  if (dayOfWeek(newYear) !== 6) days.set(observed(newYear), "New Year's Day");
  if (year >= 1998) days.set(nthWeekday(year, 1, 1, 3), "Martin Luther King Jr. Day");
  days.set(nthWeekday(year, 2, 1, 3), "Washington's Birthday");
  days.set(addDays(easterSunday(year), -2), "Good Friday");
  days.set(nthWeekday(year, 5, 1, -1), "Memorial Day");
  if (year >= 2022) days.set(observed(isoDate(year, 6, 19)), "Juneteenth National Independence Day");
  days.set(observed(isoDate(year, 7, 4)), "Independence Day");
  days.set(nthWeekday(year, 9, 1, 1), "Labor Day");
  days.set(nthWeekday(year, 11, 4, 4), "Thanksgiving Day");
  days.set(observed(isoDate(year, 12, 25)), "Christmas Day");
  for (const [date, name] of NYSE_SPECIAL_CLOSURES) {
    if (date.startsWith(`${year}-`)) days.set(date, name);
  }
  holidayCache.set(year, days);
  return days;
}

/** The name of the closure on `date`, or undefined when the exchange is not closed for a holiday. */
export function holidayName(date: string): string | undefined {
  assertIsoDate(date);
  return nyseHolidays(Number(date.slice(0, 4))).get(date);
}

/** True when NYSE holds a session on `date` (a weekday that is not a holiday or special closure). */
export function isTradingDay(date: string): boolean {
  const weekday = dayOfWeek(date);
  return weekday !== 0 && weekday !== 6 && holidayName(date) === undefined;
}

/** True when the session on `date` closes at 13:00 New York time (day after Thanksgiving, July 3, Christmas Eve). */
export function isEarlyClose(date: string): boolean {
  if (!isTradingDay(date)) return false;
  const year = Number(date.slice(0, 4));
  if (date === addDays(nthWeekday(year, 11, 4, 4), 1)) return true;
  // July 3 and December 24 close early when they are regular sessions (Monday..Thursday); on a Friday
  // they are the observed holiday instead.
  const weekday = dayOfWeek(date);
  const monthDay = date.slice(5);
  return (monthDay === "07-03" || monthDay === "12-24") && weekday >= 1 && weekday <= 4;
}

/** When the session on `date` closes (16:00 or 13:00 New York time), or null when there is no session. */
export function sessionClose(date: string): Date | null {
  if (!isTradingDay(date)) return null;
  const close = isEarlyClose(date) ? EARLY_CLOSE : REGULAR_CLOSE;
  return newYorkInstant(date, close.hour, close.minute);
}

/** The first trading day strictly after `date` (the day a prediction made after `date`'s close is for). */
export function nextTradingDay(date: string): string {
  let day = addDays(date, 1);
  while (!isTradingDay(day)) day = addDays(day, 1);
  return day;
}

/** The last trading day strictly before `date`. */
export function previousTradingDay(date: string): string {
  let day = addDays(date, -1);
  while (!isTradingDay(day)) day = addDays(day, -1);
  return day;
}

/** Every trading day from `start` to `end`, both inclusive. */
export function tradingDaysBetween(start: string, end: string): string[] {
  assertIsoDate(start, "start");
  assertIsoDate(end, "end");
  const days: string[] = [];
  for (let day = start; day <= end; day = addDays(day, 1)) {
    if (isTradingDay(day)) days.push(day);
  }
  return days;
}
