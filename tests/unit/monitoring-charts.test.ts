import { describe, expect, it } from "vitest";
import {
  CHART_SERIES,
  liveAccuracyChart,
  runAccuracyChart,
  weeklyAverage,
  type RunAccuracy,
} from "../../lib/monitoring/charts.js";
import { findAll, parseXml, textOf, type XmlElement } from "../helpers/plots-xml.js";

const run = (asOf: string, accuracy: number | null, live: number | null = null): RunAccuracy => ({
  asOf,
  accuracy,
  alwaysUpAccuracy: 0.52,
  championLiveAccuracy: live,
});

/** Points drawn for a series: polyline vertices, or the dot of a one-point run. */
function points(root: XmlElement, series: string): number {
  const group = findAll(root, "g", "series").find((g) => g.attrs["data-series"] === series);
  if (!group) throw new Error(`no series ${series}`);
  const lines = findAll(group, "polyline").map((line) => (line.attrs.points ?? "").trim().split(" ").length);
  const dots = findAll(group, "circle").length;
  return Math.max(
    lines.reduce((a, b) => a + b, 0),
    dots,
  );
}

describe("weeklyAverage", () => {
  it("when runs are daily, then each average covers the runs of the last 5 trading days", () => {
    const runs = ["2023-09-18", "2023-09-19", "2023-09-20", "2023-09-21", "2023-09-22", "2023-09-25"].map((d, i) =>
      run(d, i / 10),
    );
    expect(weeklyAverage(runs)).toEqual([0, 0.05, 0.1, 0.15, 0.2, 0.3].map((v) => expect.closeTo(v, 10) as number));
  });

  it("when days are missing or a run has no accuracy, then the window is still 5 trading days", () => {
    // 2023-11-23 is Thanksgiving: the 5 trading days up to 11-28 are 11-21, 11-22, 11-24, 11-27, 11-28.
    const runs = [run("2023-11-20", 0.9), run("2023-11-21", 0.5), run("2023-11-27", null), run("2023-11-28", 0.7)];
    expect(weeklyAverage(runs)).toEqual([0.9, 0.7, null, 0.6]);
  });
});

describe("runAccuracyChart", () => {
  it("when runs are given in any order, then each series has one point per run with a value, sorted by date", () => {
    const runs = [run("2023-09-20", 0.5, 0.6), run("2023-09-18", 0.4), run("2023-09-19", 0.45, 1)];
    const svg = runAccuracyChart({ runs, bounds: { floor: 0.45, ceiling: 0.7 } });
    const root = parseXml(svg!);
    expect(points(root, CHART_SERIES.runAccuracy)).toBe(3);
    expect(points(root, CHART_SERIES.runWeekly)).toBe(3);
    expect(points(root, CHART_SERIES.runAlwaysUp)).toBe(3);
    expect(points(root, CHART_SERIES.runLive)).toBe(2);
    expect(textOf(findAll(root, "text", "title")[0]!)).toBe(
      "Accuracy per training run, 2023-09-18..2023-09-20 (3 runs)",
    );
    const references = findAll(root, "g", "reference").map((g) => textOf(findAll(g, "text")[0]!));
    expect(references).toEqual(["floor 0.45", "ceiling 0.7"]);
  });

  it("when there is no run, then there is no chart", () => {
    expect(runAccuracyChart({ runs: [] })).toBeNull();
  });
});

describe("liveAccuracyChart", () => {
  it("when live days are given, then the weekly series starts at the 5th day and the cumulative one at the first", () => {
    const days = ["2023-09-18", "2023-09-19", "2023-09-20", "2023-09-21", "2023-09-22", "2023-09-25"].map(
      (date, i) => ({
        date,
        weekly: i >= 4 ? 0.6 : null,
        cumulative: 0.5,
      }),
    );
    const root = parseXml(liveAccuracyChart({ version: "7", days, alwaysUpAccuracy: 0.5 })!);
    expect(points(root, CHART_SERIES.liveWeekly)).toBe(2);
    expect(points(root, CHART_SERIES.liveCumulative)).toBe(6);
    expect(textOf(findAll(root, "text", "title")[0]!)).toBe("Live accuracy of v7, 2023-09-18..2023-09-25 (6 days)");
  });

  it("when there is no live day, then there is no chart", () => {
    expect(liveAccuracyChart({ version: "7", days: [] })).toBeNull();
  });
});
