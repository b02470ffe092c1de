import { describe, expect, it } from "vitest";
import { confusionMatrixChart, heatmap, horizontalBarChart, lineChart, rocChart } from "../../lib/plots/index.js";
import { findAll, parseXml, textOf, type XmlElement } from "../helpers/plots-xml.js";

/** The points of a polyline as numbers. */
const polylinePoints = (element: XmlElement): [number, number][] =>
  (element.attrs.points ?? "")
    .trim()
    .split(" ")
    .map((pair) => pair.split(",").map(Number) as [number, number]);

const seriesGroup = (root: XmlElement, name: string): XmlElement => {
  const group = findAll(root, "g", "series").find((g) => g.attrs["data-series"] === name);
  if (!group) throw new Error(`no series ${name}`);
  return group;
};

describe("the strict XML parser used by these tests", () => {
  it.each([
    ["<svg><g></svg>", "closes"],
    ['<svg a="1" a="2"/>', "duplicate"],
    ["<svg a=1/>", "unquoted"],
    ["<svg>a & b</svg>", "entity"],
    ["<svg/><svg/>", "after the root"],
    ['<svg a="<"/>', '"<"'],
  ])("when the document is not well-formed (%s), then it throws", (text, message) => {
    expect(() => parseXml(text)).toThrow(message);
  });

  it("when the document is well-formed, then it returns the tree with decoded text", () => {
    const root = parseXml('<?xml version="1.0"?>\n<svg x="a&amp;b"><text>1 &lt; 2</text><g/></svg>\n');
    expect(root.attrs.x).toBe("a&b");
    expect(textOf(findAll(root, "text")[0]!)).toBe("1 < 2");
    expect(findAll(root, "g")).toHaveLength(1);
  });
});

describe("lineChart", () => {
  const dates = ["2023-01-03", "2023-01-04", "2023-01-05", "2023-01-06", "2023-01-09"];

  it("when given two series, then each is a polyline with one point per value, with axes, labels and a legend", () => {
    const svg = lineChart({
      title: "Rolling accuracy <20 days> & more",
      xLabel: "evaluation day",
      yLabel: "accuracy",
      series: [
        { name: "model", points: [0.5, 0.52, 0.55, 0.51, 0.6].map((y, x) => ({ x, y })) },
        { name: "always UP", points: [0.54, 0.53, 0.55, 0.56, 0.55].map((y, x) => ({ x, y })), dashed: true },
      ],
      formatX: (x) => dates[x] ?? "",
      references: [{ y: 0.5, label: "coin flip" }],
    });
    const root = parseXml(svg);
    expect(root.name).toBe("svg");
    expect(root.attrs.xmlns).toBe("http://www.w3.org/2000/svg");
    expect(textOf(findAll(root, "title")[0]!)).toBe("Rolling accuracy <20 days> & more");
    expect(findAll(seriesGroup(root, "model"), "polyline")).toHaveLength(1);
    expect(polylinePoints(findAll(seriesGroup(root, "model"), "polyline")[0]!)).toHaveLength(5);
    expect(findAll(seriesGroup(root, "always UP"), "polyline")[0]!.attrs["stroke-dasharray"]).toBe("6 4");
    expect(findAll(root, "g", "legend-entry").map(textOf)).toEqual(["model", "always UP"]);
    expect(findAll(root, "text", "axis-label").map(textOf)).toEqual(["accuracy", "evaluation day"]);
    const tickLabels = findAll(root, "text", "tick-label").map(textOf);
    expect(tickLabels).toContain("2023-01-03");
    expect(tickLabels).toContain("2023-01-09");
    expect(findAll(root, "g", "reference").map(textOf)).toEqual(["coin flip"]);
  });

  it("when y grows, then the polyline goes up the page (smaller SVG y) from left to right", () => {
    const root = parseXml(
      lineChart({
        title: "t",
        xLabel: "x",
        yLabel: "y",
        series: [{ name: "rising", points: [1, 2, 3, 4].map((y, x) => ({ x, y })) }],
      }),
    );
    const points = polylinePoints(findAll(seriesGroup(root, "rising"), "polyline")[0]!);
    for (let i = 1; i < points.length; i++) {
      expect(points[i]![0]).toBeGreaterThan(points[i - 1]![0]);
      expect(points[i]![1]).toBeLessThan(points[i - 1]![1]);
    }
  });

  it("when a series has a NaN value, then the line breaks there into two polylines", () => {
    const root = parseXml(
      lineChart({
        title: "gaps",
        xLabel: "x",
        yLabel: "y",
        series: [{ name: "s", points: [1, 2, Number.NaN, 4, 5, 6].map((y, x) => ({ x, y })), markers: true }],
      }),
    );
    const lines = findAll(seriesGroup(root, "s"), "polyline").map(polylinePoints);
    expect(lines.map((points) => points.length)).toEqual([2, 3]);
    expect(findAll(seriesGroup(root, "s"), "circle")).toHaveLength(5);
  });

  it("when every value is the same, then the chart still has a non-empty y range", () => {
    const svg = lineChart({
      title: "flat",
      xLabel: "x",
      yLabel: "y",
      series: [{ name: "flat", points: [0.5, 0.5, 0.5].map((y, x) => ({ x, y })) }],
    });
    const points = polylinePoints(findAll(seriesGroup(parseXml(svg), "flat"), "polyline")[0]!);
    expect(points.every(([, y]) => Number.isFinite(y))).toBe(true);
    expect(new Set(points.map(([, y]) => y)).size).toBe(1);
  });
});

describe("horizontalBarChart", () => {
  it("when given 5 bars, then there are 5 bar groups in order, with widths proportional to the values", () => {
    const bars = [
      { label: "rsi_14", value: 0.3 },
      { label: "ret_1", value: 0.15 },
      { label: "close_sma_200", value: 0.6 },
      { label: "gap_open", value: 0.05 },
      { label: "volume_z_20", value: 0 },
    ];
    const root = parseXml(horizontalBarChart({ title: "Feature importance", xLabel: "importance", bars }));
    const groups = findAll(root, "g", "bar");
    expect(groups.map((g) => g.attrs["data-label"])).toEqual(bars.map((b) => b.label));
    const widths = groups.map((g) => Number(findAll(g, "rect")[0]!.attrs.width));
    expect(widths[2]! / widths[0]!).toBeCloseTo(2, 1);
    expect(widths[0]! / widths[1]!).toBeCloseTo(2, 1);
    expect(widths[4]).toBe(0);
    const ys = groups.map((g) => Number(findAll(g, "rect")[0]!.attrs.y));
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
    expect(textOf(groups[0]!)).toContain("rsi_14");
  });

  it("when a value is negative, then its bar extends left of the zero line", () => {
    const root = parseXml(
      horizontalBarChart({
        title: "t",
        xLabel: "v",
        bars: [
          { label: "up", value: 2 },
          { label: "down", value: -1 },
        ],
      }),
    );
    const [up, down] = findAll(root, "g", "bar").map((g) => findAll(g, "rect")[0]!.attrs);
    expect(Number(down!.x) + Number(down!.width)).toBeCloseTo(Number(up!.x), 1);
  });

  it("when there are no bars or a value is not finite, then it throws", () => {
    expect(() => horizontalBarChart({ title: "t", xLabel: "v", bars: [] })).toThrow("at least one bar");
    expect(() => horizontalBarChart({ title: "t", xLabel: "v", bars: [{ label: "x", value: Infinity }] })).toThrow(
      "non-finite",
    );
  });
});

describe("heatmap and confusionMatrixChart", () => {
  it("when drawing a confusion matrix, then it has 4 cells (actual x predicted) with counts and shares", () => {
    const root = parseXml(confusionMatrixChart({ title: "Confusion", counts: { tp: 50, fp: 30, tn: 15, fn: 5 } }));
    const cells = findAll(root, "g", "cell");
    expect(cells).toHaveLength(4);
    const byPosition = Object.fromEntries(
      cells.map((cell) => [`${cell.attrs["data-row"]},${cell.attrs["data-column"]}`, textOf(cell)]),
    );
    expect(byPosition).toEqual({
      "0,0": "15 (15.0 %)",
      "0,1": "30 (30.0 %)",
      "1,0": "5 (5.0 %)",
      "1,1": "50 (50.0 %)",
    });
    expect(findAll(root, "text", "row-label").map(textOf)).toEqual(["DOWN", "UP"]);
    expect(findAll(root, "text", "column-label").map(textOf)).toEqual(["DOWN", "UP"]);
    expect(findAll(root, "text", "axis-label").map(textOf)).toEqual(["predicted", "actual"]);
  });

  it("when the values do not match the labels, then it throws", () => {
    expect(() =>
      heatmap({
        title: "t",
        rowTitle: "r",
        columnTitle: "c",
        rowLabels: ["a", "b"],
        columnLabels: ["x"],
        values: [[1]],
      }),
    ).toThrow("2 rows of 1 columns");
  });
});

describe("rocChart", () => {
  it("when given a model curve, then it draws it with its points on a 0..1 square plot and the chance diagonal", () => {
    const points = [
      { fpr: 0, tpr: 0 },
      { fpr: 0.2, tpr: 0.5 },
      { fpr: 0.6, tpr: 0.8 },
      { fpr: 1, tpr: 1 },
    ];
    const root = parseXml(rocChart({ title: "ROC", curves: [{ name: "model (AUC 0.650)", points }] }));
    const model = polylinePoints(findAll(seriesGroup(root, "model (AUC 0.650)"), "polyline")[0]!);
    expect(model).toHaveLength(4);
    const chance = polylinePoints(findAll(seriesGroup(root, "chance"), "polyline")[0]!);
    expect(chance).toHaveLength(2);
    // Square plot: the diagonal spans the same distance on both axes.
    const [[x0, y0], [x1, y1]] = chance as [[number, number], [number, number]];
    expect(x1 - x0).toBeCloseTo(y0 - y1, 1);
    // The model's first and last points sit on the diagonal's ends.
    expect(model[0]).toEqual(chance[0]);
    expect(model.at(-1)).toEqual(chance[1]);
  });
});
