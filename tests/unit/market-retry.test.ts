import { describe, expect, it } from "vitest";
import { RetryError, retryWithBackoff, type RetryOptions } from "../../lib/retry.js";

class Transient extends Error {}

function options(sleeps: number[], overrides: Partial<RetryOptions> = {}): RetryOptions {
  return {
    maxAttempts: 5,
    baseDelayMs: 100,
    maxDelayMs: 1_000,
    isRetryable: (error) => error instanceof Transient,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    random: () => 1 - Number.EPSILON, // the full exponential delay
    ...overrides,
  };
}

describe("retryWithBackoff", () => {
  it("when attempts keep failing transiently, then delays double up to the cap and the last error is reported", async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const error = await retryWithBackoff(() => {
      calls++;
      return Promise.reject(new Transient(`failure ${calls}`));
    }, options(sleeps)).catch((e: unknown) => e as RetryError);
    expect(calls).toBe(5);
    expect(sleeps).toEqual([100, 200, 400, 800]);
    expect(error).toBeInstanceOf(RetryError);
    expect(error).toMatchObject({ message: "failure 5", attempts: 5, retryable: true });
  });

  it("when the doubling delay would exceed maxDelayMs, then each wait is capped", async () => {
    const sleeps: number[] = [];
    await retryWithBackoff(() => Promise.reject(new Transient("x")), options(sleeps, { maxDelayMs: 300 })).catch(
      () => undefined,
    );
    expect(sleeps).toEqual([100, 200, 300, 300]);
  });

  it("when a minimum delay is requested (Retry-After), then the wait is at least that, still capped", async () => {
    const sleeps: number[] = [];
    await retryWithBackoff(
      () => Promise.reject(new Transient("x")),
      options(sleeps, { maxAttempts: 3, random: () => 0, minDelayFor: () => 5_000 }),
    ).catch(() => undefined);
    expect(sleeps).toEqual([1_000, 1_000]);
  });

  it("when an error is not retryable, then there is no second attempt", async () => {
    const sleeps: number[] = [];
    let calls = 0;
    const error = await retryWithBackoff(() => {
      calls++;
      return Promise.reject(new Error("bad request"));
    }, options(sleeps)).catch((e: unknown) => e as RetryError);
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
    expect(error).toMatchObject({ attempts: 1, retryable: false, message: "bad request" });
  });

  it("when an attempt succeeds after failures, then its value is returned and onRetry saw each wait", async () => {
    const sleeps: number[] = [];
    const seen: number[] = [];
    const value = await retryWithBackoff(
      (attempt) => (attempt < 3 ? Promise.reject(new Transient("x")) : Promise.resolve(attempt)),
      options(sleeps, { onRetry: ({ attempt }) => seen.push(attempt) }),
    );
    expect(value).toBe(3);
    expect(seen).toEqual([1, 2]);
  });

  it("when maxAttempts is not a positive integer, then it throws before trying", async () => {
    await expect(retryWithBackoff(() => Promise.resolve(1), options([], { maxAttempts: 0 }))).rejects.toThrow(
      "maxAttempts must be an integer >= 1, got 0",
    );
  });
});
