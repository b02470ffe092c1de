import { describe, expect, it } from "vitest";
import { extent, formatTick, linearScale, niceTicks } from "../../lib/plots/scale.js";
import { escapeXml, num } from "../../lib/plots/svg.js";

describe("niceTicks", () => {
  it.each([
    [{ min: 0.43, max: 0.61 }, { min: 0.4, max: 0.65 }, [0.4, 0.45, 0.5, 0.55, 0.6, 0.65]],
    [{ min: 0, max: 1 }, { min: 0, max: 1 }, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    [{ min: 3, max: 97 }, { min: 0, max: 100 }, [0, 20, 40, 60, 80, 100]],
    [{ min: -0.02, max: 0.03 }, { min: -0.02, max: 0.03 }, [-0.02, -0.01, 0, 0.01, 0.02, 0.03]],
  ])("when the data spans %o, then the axis is %o with round ticks %o", (domain, expectedDomain, ticks) => {
    expect(niceTicks(domain)).toEqual({ domain: expectedDomain, ticks });
  });
});

describe("extent", () => {
  it("when values include NaN and Infinity, then only finite values count", () => {
    expect(extent([2, Number.NaN, 5, Infinity, 3])).toEqual({ min: 2, max: 5 });
  });

  it("when all values are equal or there are none, then the domain is still not empty", () => {
    expect(extent([0.5, 0.5])).toEqual({ min: 0.45, max: 0.55 });
    expect(extent([0])).toEqual({ min: -1, max: 1 });
    expect(extent([])).toEqual({ min: 0, max: 1 });
  });

  it("when values must be included (a zero baseline), then they widen the domain", () => {
    expect(extent([0.2, 0.6], [0])).toEqual({ min: 0, max: 0.6 });
  });
});

describe("linearScale, formatTick, num and escapeXml", () => {
  it("when mapping a y domain onto pixels, then the minimum goes to the bottom and the maximum to the top", () => {
    const y = linearScale({ min: 0, max: 1 }, 400, 40);
    expect(y(0)).toBe(400);
    expect(y(1)).toBe(40);
    expect(y(0.5)).toBe(220);
    expect(() => linearScale({ min: 1, max: 1 }, 0, 1)).toThrow("empty domain");
  });

  it("when formatting ticks, then labels are short", () => {
    expect([formatTick(0.30000000000000004), formatTick(12), formatTick(25_000), formatTick(3_500_000)]).toEqual([
      "0.3",
      "12",
      "25k",
      "3.5M",
    ]);
  });

  it("when writing coordinates and text, then numbers are rounded and markup characters escaped", () => {
    expect([num(1.23456), num(-0.001), num(10)]).toEqual(["1.23", "0", "10"]);
    expect(() => num(Number.NaN)).toThrow("non-finite");
    expect(escapeXml(`a<b & "c" 'd'>\u0001`)).toBe("a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;");
  });
});
