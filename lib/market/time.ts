/** Calendar-date helpers. Dates are ISO strings `YYYY-MM-DD`; arithmetic is done in UTC so no local zone leaks in. */

export const NEW_YORK = "America/New_York";

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/** True when `value` is a real calendar date written as YYYY-MM-DD. */
export function isIsoDate(value: string): boolean {
  const match = ISO_DATE.exec(value);
  if (!match) return false;
  const ms = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
  return new Date(ms).toISOString().slice(0, 10) === value;
}

/** Throws a RangeError naming `what` when `value` is not a real YYYY-MM-DD date. */
export function assertIsoDate(value: string, what = "date"): void {
  if (!isIsoDate(value))
    throw new RangeError(`${what} must be a real date written as YYYY-MM-DD, got ${JSON.stringify(value)}`);
}

function toUtcMs(date: string): number {
  assertIsoDate(date);
  return Date.parse(`${date}T00:00:00Z`);
}

function fromUtcMs(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

/** The date `days` calendar days after `date` (negative goes back). */
export function addDays(date: string, days: number): string {
  return fromUtcMs(toUtcMs(date) + days * DAY_MS);
}

/** Day of the week: 0 = Sunday .. 6 = Saturday. */
export function dayOfWeek(date: string): number {
  return new Date(toUtcMs(date)).getUTCDay();
}

/** Builds YYYY-MM-DD from numeric parts (month 1..12). */
export function isoDate(year: number, month: number, day: number): string {
  return fromUtcMs(Date.UTC(year, month - 1, day));
}

const newYorkDateFormat = new Intl.DateTimeFormat("en-CA", {
  timeZone: NEW_YORK,
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
});

const newYorkPartsFormat = new Intl.DateTimeFormat("en-US", {
  timeZone: NEW_YORK,
  hourCycle: "h23",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/** The calendar date in New York at `instant` (a Yahoo bar's timestamp is the session open, so this is its trading day). */
export function newYorkDate(instant: Date): string {
  if (Number.isNaN(instant.getTime())) throw new RangeError("newYorkDate: invalid Date");
  return newYorkDateFormat.format(instant);
}

/** Offset of New York wall-clock time from UTC at `ms`, in milliseconds (e.g. -4 h in summer). */
function newYorkOffsetMs(ms: number): number {
  const parts: Record<string, number> = {};
  for (const part of newYorkPartsFormat.formatToParts(new Date(ms))) {
    if (part.type !== "literal") parts[part.type] = Number(part.value);
  }
  const wall = Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return wall - (ms - (((ms % 1000) + 1000) % 1000));
}

/** The instant at which New York wall-clock time reads `hour:minute` on `date` (DST-aware). */
export function newYorkInstant(date: string, hour: number, minute = 0): Date {
  const wall = toUtcMs(date) + (hour * 60 + minute) * 60_000;
  const firstGuess = wall - newYorkOffsetMs(wall);
  const corrected = wall - newYorkOffsetMs(firstGuess);
  return new Date(corrected);
}
