import { describe, expect, it } from "vitest";
import { UsageError } from "../../lib/cli.js";
import { isTradingDay } from "../../lib/market/calendar.js";
import { lastFinishedSession, planReplay } from "../../scripts/local/replay-plan.js";

/** A moment long after every date used below. */
const LATER = new Date("2030-01-01T12:00:00Z");

describe("replay days", () => {
  it("when a range spans a weekend and a holiday, then only NYSE trading days are replayed, oldest first", () => {
    // 2023-07-01/02 weekend, 2023-07-04 Independence Day.
    const { days, notes } = planReplay({ from: "2023-06-30", to: "2023-07-07", now: LATER });
    expect(days).toEqual(["2023-06-30", "2023-07-03", "2023-07-05", "2023-07-06", "2023-07-07"]);
    expect(notes).toEqual([]);
  });

  it("when a whole year is replayed, then every day is a trading day and the count matches the calendar", () => {
    const { days } = planReplay({ from: "2022-01-01", to: "2022-12-31", now: LATER });
    expect(days.every(isTradingDay)).toBe(true);
    expect(days.length).toBe(251); // NYSE sessions in 2022
    expect([...days].sort()).toEqual(days);
  });

  it("when from is after to, then a UsageError says so", () => {
    expect(() => planReplay({ from: "2023-07-07", to: "2023-07-03", now: LATER })).toThrow(UsageError);
    expect(() => planReplay({ from: "2023-07-07", to: "2023-07-03", now: LATER })).toThrow(/is after --to/);
  });

  it("when the range holds no trading day, then a UsageError says so", () => {
    expect(() => planReplay({ from: "2023-07-01", to: "2023-07-02", now: LATER })).toThrow(/no trading day to replay/);
  });

  it("when the range reaches into the future, then it stops at the last finished session and says why", () => {
    // Wednesday 2024-03-13, 15:00 New York: the session is still open.
    const now = new Date("2024-03-13T19:00:00Z");
    const { days, notes } = planReplay({ from: "2024-03-11", to: "2024-03-20", now });
    expect(days).toEqual(["2024-03-11", "2024-03-12"]);
    expect(notes.join(" ")).toContain("replaying up to 2024-03-12");
  });

  it("when the range ends after the data file's last day, then it stops there and says why", () => {
    const data = { firstDate: "2021-10-05", lastDate: "2023-09-29" };
    const { days, notes } = planReplay({ from: "2023-09-27", to: "2023-10-06", now: LATER, data });
    expect(days).toEqual(["2023-09-27", "2023-09-28", "2023-09-29"]);
    expect(notes.join(" ")).toContain("the market data ends on 2023-09-29");
  });

  it("when the range starts before the data, then a note warns that the first days may lack history", () => {
    const data = { firstDate: "2021-10-05", lastDate: "2023-09-29" };
    const { notes } = planReplay({ from: "2021-10-01", to: "2021-10-08", now: LATER, data });
    expect(notes.join(" ")).toContain("starts on 2021-10-05");
  });
});

describe("the last finished session", () => {
  it.each([
    ["before the close", "2024-03-13T19:00:00Z", "2024-03-12"],
    ["just after the close, before the bar settles", "2024-03-13T20:10:00Z", "2024-03-12"],
    ["20 minutes after the close", "2024-03-13T20:20:00Z", "2024-03-13"],
    ["on a Saturday", "2024-03-16T15:00:00Z", "2024-03-15"],
    ["after the 13:00 early close on the day after Thanksgiving", "2023-11-24T18:30:00Z", "2023-11-24"],
    ["on a holiday (Good Friday)", "2024-03-29T21:00:00Z", "2024-03-28"],
  ])("when it is %s, then the last finished session is right", (_, now, expected) => {
    expect(lastFinishedSession(new Date(now))).toBe(expected);
  });
});
