import { describe, expect, it } from "vitest";
import { LABEL_DEFINITION, nextCloseLabels } from "../../lib/dataset/label.js";
import type { Bar } from "../../lib/market/types.js";

const bars = (closes: number[], adjCloses?: number[]): Bar[] =>
  closes.map((close, i) => ({
    date: `2023-01-${String(i + 2).padStart(2, "0")}`,
    open: close,
    high: close,
    low: close,
    close,
    adjClose: adjCloses?.[i] ?? close,
    volume: 1,
  }));

describe("nextCloseLabels", () => {
  it("when the next close is higher, then UP (1); lower or unchanged, then DOWN (0); the last bar has none", () => {
    expect(nextCloseLabels(bars([10, 11, 11, 9, 12]))).toEqual([1, 0, 0, 1, null]);
  });

  it("when there is one bar or none, then no label is known", () => {
    expect(nextCloseLabels(bars([10]))).toEqual([null]);
    expect(nextCloseLabels([])).toEqual([]);
  });

  it("when the raw close falls on an ex-dividend day but the adjusted close rises, then the raw close decides", () => {
    // 100 -> 99.8 raw (a 0.5 dividend went ex), while the adjusted series rises.
    expect(nextCloseLabels(bars([100, 99.8], [99.5, 99.8]))).toEqual([0, null]);
    expect(LABEL_DEFINITION.column).toBe("close");
    expect(LABEL_DEFINITION.horizon).toBe(1);
  });
});
