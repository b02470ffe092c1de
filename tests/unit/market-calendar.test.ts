import { describe, expect, it } from "vitest";
import {
  holidayName,
  isEarlyClose,
  isTradingDay,
  nextTradingDay,
  previousTradingDay,
  sessionClose,
  tradingDaysBetween,
} from "../../lib/market/calendar.js";
import { createCsvSource } from "../../lib/market/csv-source.js";
import { addDays, isIsoDate, newYorkDate, newYorkInstant } from "../../lib/market/time.js";
import { spyFullCsv } from "../helpers/data.js";

describe("NYSE calendar against the real SPY history", () => {
  it("when compared with every session in spy-daily.csv (1993-01-29..2023-09-29), then 0 are missing and 0 extra", async () => {
    const { bars } = await createCsvSource(spyFullCsv()).fetchBars();
    const fileDates = bars.map((b) => b.date);
    const calendar = tradingDaysBetween("1993-01-29", "2023-09-29");
    const inFile = new Set(fileDates);
    const inCalendar = new Set(calendar);
    expect(calendar.filter((d) => !inFile.has(d))).toEqual([]);
    expect(fileDates.filter((d) => !inCalendar.has(d))).toEqual([]);
    expect(calendar).toHaveLength(7723);
  });
});

describe("NYSE calendar rules", () => {
  it.each([
    ["2023-04-07", "Good Friday"],
    ["1998-01-19", "Martin Luther King Jr. Day"],
    ["2022-06-20", "Juneteenth National Independence Day"], // June 19 was a Sunday
    ["2023-06-19", "Juneteenth National Independence Day"],
    ["2017-01-02", "New Year's Day"], // January 1 was a Sunday
    ["2020-07-03", "Independence Day"], // July 4 was a Saturday
    ["2021-12-24", "Christmas Day"], // December 25 was a Saturday
    ["2022-12-26", "Christmas Day"], // December 25 was a Sunday
    ["2023-11-23", "Thanksgiving Day"],
    ["2023-09-04", "Labor Day"],
    ["2023-05-29", "Memorial Day"],
    ["2023-02-20", "Washington's Birthday"],
    ["1994-04-27", "National Day of Mourning for President Nixon"],
    ["2012-10-30", "Hurricane Sandy"],
    ["2025-01-09", "National Day of Mourning for President Carter"],
  ])("when the date is %s, then the exchange is closed for %s", (date, name) => {
    expect(holidayName(date)).toBe(name);
    expect(isTradingDay(date)).toBe(false);
  });

  it.each([
    ["1997-01-20", "MLK Day was not an NYSE holiday before 1998"],
    ["2021-06-18", "Juneteenth is a holiday from 2022 only"],
    ["2021-12-31", "New Year's Day on a Saturday is not observed on the Friday before"],
    ["2023-09-29", "an ordinary Friday"],
  ])("when the date is %s, then there is a session (%s)", (date) => {
    expect(isTradingDay(date)).toBe(true);
  });

  it("when the date is a weekend, then there is no session", () => {
    expect(isTradingDay("2023-09-30")).toBe(false);
    expect(isTradingDay("2023-10-01")).toBe(false);
  });

  it("when the session is the day after Thanksgiving, July 3 or Christmas Eve on a weekday, then it closes at 13:00", () => {
    expect(["2023-11-24", "2023-07-03", "2024-07-03", "2024-12-24", "2025-12-24"].every(isEarlyClose)).toBe(true);
    // July 3 or December 24 on a Friday is the observed holiday, and the day before is a normal session.
    expect(["2020-07-02", "2021-12-23", "2022-07-01", "2023-11-22", "2023-09-29"].some(isEarlyClose)).toBe(false);
  });

  it("when asking for the session close, then it is 16:00 or 13:00 New York time across DST changes", () => {
    expect(sessionClose("2023-03-10")?.toISOString()).toBe("2023-03-10T21:00:00.000Z"); // EST
    expect(sessionClose("2023-03-13")?.toISOString()).toBe("2023-03-13T20:00:00.000Z"); // EDT
    expect(sessionClose("2023-07-03")?.toISOString()).toBe("2023-07-03T17:00:00.000Z"); // early close, EDT
    expect(sessionClose("2023-11-24")?.toISOString()).toBe("2023-11-24T18:00:00.000Z"); // early close, EST
    expect(sessionClose("2023-12-25")).toBeNull();
    expect(sessionClose("2023-09-30")).toBeNull();
  });

  it("when asking for the next trading day, then weekends, holidays and closures are skipped", () => {
    expect(nextTradingDay("2023-09-29")).toBe("2023-10-02");
    expect(nextTradingDay("2023-09-30")).toBe("2023-10-02");
    expect(nextTradingDay("2023-11-22")).toBe("2023-11-24");
    expect(nextTradingDay("2023-12-22")).toBe("2023-12-26");
    expect(nextTradingDay("2001-09-10")).toBe("2001-09-17");
    expect(nextTradingDay("2006-12-29")).toBe("2007-01-03");
    expect(previousTradingDay("2023-10-02")).toBe("2023-09-29");
    expect(previousTradingDay("2012-10-31")).toBe("2012-10-26");
  });

  it("when a date is malformed, then a RangeError names it", () => {
    expect(() => isTradingDay("2023-13-01")).toThrow(RangeError);
    expect(() => nextTradingDay("yesterday")).toThrow(
      'date must be a real date written as YYYY-MM-DD, got "yesterday"',
    );
  });
});

describe("New York time helpers", () => {
  it("when a Yahoo timestamp (session open) is converted, then the New York date is the trading day", () => {
    expect(newYorkDate(new Date("2024-01-02T14:30:00Z"))).toBe("2024-01-02");
    expect(newYorkDate(new Date("2023-09-30T03:59:59Z"))).toBe("2023-09-29");
    expect(newYorkDate(new Date("2023-09-30T04:00:00Z"))).toBe("2023-09-30");
  });

  it("when New York wall-clock time is converted to an instant, then DST is respected", () => {
    expect(newYorkInstant("2023-09-25", 0).toISOString()).toBe("2023-09-25T04:00:00.000Z");
    expect(newYorkInstant("2024-01-02", 9, 30).toISOString()).toBe("2024-01-02T14:30:00.000Z");
    expect(newYorkInstant("2023-11-05", 12).toISOString()).toBe("2023-11-05T17:00:00.000Z"); // the day DST ends
  });

  it("when dates are checked and shifted, then only real calendar dates pass", () => {
    expect(isIsoDate("2024-02-29")).toBe(true);
    expect(isIsoDate("2023-02-29")).toBe(false);
    expect(isIsoDate("2023-9-01")).toBe(false);
    expect(addDays("2023-12-31", 1)).toBe("2024-01-01");
    expect(addDays("2024-03-01", -1)).toBe("2024-02-29");
  });
});
