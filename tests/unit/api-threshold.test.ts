import { describe, expect, it } from "vitest";
import { DEFAULT_THRESHOLD, parseThreshold } from "../../api/threshold.js";

describe("parseThreshold", () => {
  it("when no threshold is given, then the default 0.5 applies", () => {
    expect(parseThreshold("")).toEqual({ ok: true, value: DEFAULT_THRESHOLD });
    expect(DEFAULT_THRESHOLD).toBe(0.5);
  });

  it.each([
    ["0", 0],
    ["1", 1],
    ["0.5", 0.5],
    ["0.30", 0.3],
    [".25", 0.25],
    ["1.0", 1],
    ["1.", 1],
    ["+0.7", 0.7],
    ["5e-1", 0.5],
    ["1E0", 1],
    ["0.123456789", 0.123456789],
    ["-0", 0],
    ["-0.0", 0],
  ])("when threshold is %j, then it is accepted as %d", (raw, value) => {
    const result = parseThreshold(`threshold=${encodeURIComponent(raw)}`);
    expect(result).toEqual({ ok: true, value });
    if (result.ok) expect(Object.is(result.value, -0)).toBe(false);
  });

  it.each([
    ["abc"],
    [""],
    [" "],
    [" 0.5"],
    ["0.5 "],
    ["NaN"],
    ["Infinity"],
    ["-Infinity"],
    ["1e999"],
    ["-0.1"],
    ["1.5"],
    ["1.0000001"],
    ["2"],
    ["0x1"],
    ["0b1"],
    ["0o1"],
    ["1_0"],
    ["0,5"],
    ["0.5.1"],
    ["e1"],
    ["."],
    ["0".repeat(65)],
  ])("when threshold is %j, then it is refused with a message stating the range", (raw) => {
    const result = parseThreshold(`threshold=${encodeURIComponent(raw)}`);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.message).toMatch(/between 0 and 1 inclusive/);
      expect(result.message.length).toBeLessThan(300);
    }
  });

  it("when the query needs URL-decoding, then it is decoded before checking, like the simple form", () => {
    expect(parseThreshold("threshold=%30.25")).toEqual({ ok: true, value: 0.25 });
    expect(parseThreshold("threshold=%2B0.7")).toEqual({ ok: true, value: 0.7 });
    expect(parseThreshold("threshold=+0.7").ok).toBe(false); // "+" is a space in a query string
    expect(parseThreshold("threshold")).toEqual({ ok: false, message: expect.stringMatching(/got ""/) as string });
    expect(parseThreshold("threshold=0.4&")).toEqual({ ok: true, value: 0.4 });
  });

  it("when the parameter is repeated, then it is refused, even if both values are valid", () => {
    const result = parseThreshold("threshold=0.3&threshold=0.4");
    expect(result).toEqual({
      ok: false,
      message: expect.stringMatching(/between 0 and 1 inclusive.*2 times/) as string,
    });
  });

  it("when another parameter is given, then it is refused by name so a typo is not answered with the default", () => {
    expect(parseThreshold("treshold=0.3")).toEqual({
      ok: false,
      message: expect.stringMatching(/unknown query parameter "treshold"/) as string,
    });
    expect(parseThreshold("threshold=0.3&debug=1").ok).toBe(false);
  });
});
