import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { backoffMs, jittered, POLL_JITTER, Repeater } from "../../api/schedule.js";

describe("poll scheduling", () => {
  it("when the interval is jittered, then it stays within ±20 % and spans that range", () => {
    expect(POLL_JITTER).toBe(0.2);
    expect(jittered(30_000, () => 0)).toBe(24_000);
    expect(jittered(30_000, () => 0.5)).toBe(30_000);
    expect(jittered(30_000, () => 0.999999)).toBeCloseTo(36_000, -1);
    const samples = Array.from({ length: 1000 }, () => jittered(30_000));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(24_000);
    expect(Math.max(...samples)).toBeLessThanOrEqual(36_000);
    expect(new Set(samples).size).toBeGreaterThan(100);
  });

  it("when failures accumulate, then the backoff doubles from the base and stops at the cap", () => {
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, 60_000, 600_000))).toEqual([
      60_000, 120_000, 240_000, 480_000, 600_000, 600_000,
    ]);
    expect(backoffMs(1_000_000, 1, 3_600_000)).toBe(3_600_000);
  });

  it("when a repeater runs, then runs never overlap and stop() ends the schedule", async () => {
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    const repeater = new Repeater(
      async () => {
        active++;
        maxActive = Math.max(maxActive, active);
        runs++;
        await sleep(5);
        active--;
      },
      () => 1,
      (error) => {
        throw error;
      },
    );
    repeater.start();
    repeater.start(); // a second start is a no-op
    while (runs < 5) await sleep(5);
    repeater.stop();
    await sleep(20);
    const stoppedAt = runs;
    await sleep(50);
    expect(maxActive).toBe(1);
    expect(runs).toBe(stoppedAt);
  });

  it("when a run throws, then the error is reported and the schedule goes on", async () => {
    let runs = 0;
    const errors: unknown[] = [];
    const repeater = new Repeater(
      () => {
        runs++;
        return runs === 1 ? Promise.reject(new Error("boom")) : Promise.resolve();
      },
      () => 1,
      (error) => errors.push(error),
    );
    repeater.start();
    while (runs < 3) await sleep(2);
    repeater.stop();
    expect(errors).toEqual([new Error("boom")]);
  });
});
