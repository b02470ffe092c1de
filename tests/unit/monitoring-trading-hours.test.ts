import { describe, expect, it } from "vitest";
import { tradingAgeHours, wallAgeHours } from "../../lib/monitoring/trading-hours.js";

// 2026-11-20 is a Friday, 2026-11-26 Thanksgiving (NYSE closed). 17:35 New York = 22:35 UTC in November.
const fridayEvening = new Date("2026-11-20T22:35:00Z");

describe("tradingAgeHours", () => {
  it("when both instants are on weekdays with sessions, then it is the wall-clock age", () => {
    expect(tradingAgeHours(new Date("2026-11-17T22:35:00Z"), new Date("2026-11-19T10:35:00Z"))).toBe(36);
    expect(wallAgeHours(new Date("2026-11-17T22:35:00Z"), new Date("2026-11-19T10:35:00Z"))).toBe(36);
  });

  it("when a weekend lies between, then its two whole days do not count", () => {
    // Friday 17:35 -> Monday 17:35 New York: 72 h on the clock, 24 h of trading days.
    expect(tradingAgeHours(fridayEvening, new Date("2026-11-23T22:35:00Z"))).toBe(24);
    // Sunday noon: Saturday is whole and skipped; Sunday itself (the last day) counts.
    expect(tradingAgeHours(fridayEvening, new Date("2026-11-22T17:00:00Z"))).toBeCloseTo(42.4167 - 24, 3);
  });

  it("when a holiday lies between, then it does not count either", () => {
    // Wednesday 17:35 -> Friday 17:35 over Thanksgiving: 48 h on the clock, 24 h of trading days.
    expect(tradingAgeHours(new Date("2026-11-25T22:35:00Z"), new Date("2026-11-27T22:35:00Z"))).toBe(24);
  });

  it("when the model was registered on a weekend, then the time since counts from that moment", () => {
    const saturday = new Date("2026-11-21T15:00:00Z");
    expect(tradingAgeHours(saturday, new Date("2026-11-21T15:30:00Z"))).toBe(0.5);
    expect(tradingAgeHours(saturday, new Date("2026-11-23T15:00:00Z"))).toBe(24); // Sunday skipped
  });

  it("when the end is not after the start, then the age is 0", () => {
    expect(tradingAgeHours(fridayEvening, fridayEvening)).toBe(0);
    expect(tradingAgeHours(fridayEvening, new Date("2026-11-19T00:00:00Z"))).toBe(0);
    expect(wallAgeHours(fridayEvening, new Date("2026-11-19T00:00:00Z"))).toBe(0);
  });
});
