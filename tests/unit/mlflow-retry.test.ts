import { describe, expect, it } from "vitest";
import { appliedForStatus, classifyTransportError } from "../../lib/mlflow/retry.js";
import { backoffDelayMs, isRetryableStatus, retryAfterMs } from "../../lib/retry.js";

/** The shape undici gives a network failure: TypeError("fetch failed") with the system error as cause. */
const fetchFailed = (cause: unknown): TypeError => new TypeError("fetch failed", { cause });
const systemError = (code: string, message = `${code} something`): Error => Object.assign(new Error(message), { code });

describe("isRetryableStatus", () => {
  it("when the status is 429 or a transient 5xx, then it is retried; any other 4xx or 501/505 is not", () => {
    for (const status of [429, 500, 502, 503, 504, 599]) expect(isRetryableStatus(status)).toBe(true);
    for (const status of [400, 401, 403, 404, 405, 409, 413, 422, 501, 505])
      expect(isRetryableStatus(status)).toBe(false);
  });

  it("when the server answered 429, then the request was not applied; other failures may have been", () => {
    expect(appliedForStatus(429)).toBe("no");
    expect(appliedForStatus(500)).toBe("maybe");
    expect(appliedForStatus(503)).toBe("maybe");
  });
});

describe("classifyTransportError", () => {
  it("when the connection was never established, then the request provably never reached the server", () => {
    for (const code of ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "UND_ERR_CONNECT_TIMEOUT"]) {
      expect(classifyTransportError(fetchFailed(systemError(code)), 1000)?.applied).toBe("no");
    }
  });

  it("when every address of a name was refused (AggregateError), then it was not sent either", () => {
    const aggregate = new AggregateError([systemError("ECONNREFUSED"), systemError("ECONNREFUSED")], "all failed");
    expect(classifyTransportError(fetchFailed(aggregate), 1000)).toMatchObject({ applied: "no" });
  });

  it("when the connection broke after it was established, then the request may have been applied", () => {
    for (const code of ["ECONNRESET", "EPIPE", "UND_ERR_SOCKET"]) {
      expect(classifyTransportError(fetchFailed(systemError(code)), 1000)?.applied).toBe("maybe");
    }
    expect(
      classifyTransportError(new TypeError("terminated", { cause: systemError("UND_ERR_SOCKET") }), 1000),
    ).toMatchObject({ applied: "maybe" });
  });

  it("when the per-attempt timeout fired, then it may have been applied and the reason names the timeout", () => {
    const timeout = new DOMException("The operation was aborted due to timeout", "TimeoutError");
    expect(classifyTransportError(timeout, 30_000)).toEqual({ applied: "maybe", reason: "no answer within 30 s" });
  });

  it("when the reason is built, then it carries the system error's code and message", () => {
    const refused = fetchFailed(systemError("ECONNREFUSED", "connect ECONNREFUSED 127.0.0.1:5000"));
    expect(classifyTransportError(refused, 1000)?.reason).toBe("connect ECONNREFUSED 127.0.0.1:5000");
  });

  it("when the error is not a network failure, then it is not classified (and must not be retried)", () => {
    expect(classifyTransportError(new Error("boom"), 1000)).toBeUndefined();
    expect(classifyTransportError(new TypeError("Invalid URL"), 1000)).toBeUndefined();
    expect(classifyTransportError(new DOMException("aborted", "AbortError"), 1000)).toBeUndefined();
  });
});

describe("backoffDelayMs (full jitter)", () => {
  const options = { retries: 10, baseDelayMs: 500, maxDelayMs: 15_000 };

  it("when random() is at its bounds, then the wait spans 0 up to the doubled ceiling", () => {
    expect(backoffDelayMs(0, options, () => 0)).toBe(0);
    expect(backoffDelayMs(0, options, () => 1)).toBe(500);
    expect(backoffDelayMs(1, options, () => 1)).toBe(1000);
    expect(backoffDelayMs(3, options, () => 0.5)).toBe(2000);
  });

  it("when retries pile up, then the ceiling stops at maxDelayMs", () => {
    expect(backoffDelayMs(5, options, () => 1)).toBe(15_000);
    expect(backoffDelayMs(100, options, () => 1)).toBe(15_000);
  });
});

describe("retryAfterMs", () => {
  it("when Retry-After is seconds or an HTTP date, then it becomes milliseconds; junk is ignored", () => {
    const now = Date.parse("2026-11-23T10:00:00Z");
    expect(retryAfterMs("3", now)).toBe(3000);
    expect(retryAfterMs("1.5", now)).toBe(1500); // the alert webhook accepted fractions before sharing this
    expect(retryAfterMs("Mon, 23 Nov 2026 10:00:05 GMT", now)).toBe(5000);
    expect(retryAfterMs("Mon, 23 Nov 2026 09:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
