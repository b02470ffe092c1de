import {
  bottomAxis,
  chartTitle,
  leftAxis,
  legendLines,
  legendRow,
  numericTicks,
  plotArea,
  type LegendEntry,
  type Tick,
} from "./frame.js";
import { extent, linearScale, niceTicks, type Domain } from "./scale.js";
import { el, num, svgDocument, textEl } from "./svg.js";
import { seriesColor, THEME } from "./theme.js";

export interface LinePoint {
  x: number;
  /** A non-finite value (NaN) leaves a gap in the line. */
  y: number;
}

export interface LineSeries {
  name: string;
  points: readonly LinePoint[];
  /** Default: the palette colour of the series' position. */
  color?: string;
  dashed?: boolean;
  /** Draw a dot on every point (for short series such as fold scores). */
  markers?: boolean;
}

/** A labelled horizontal line, e.g. a baseline score. */
export interface ReferenceLine {
  y: number;
  label: string;
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  series: readonly LineSeries[];
  width?: number;
  height?: number;
  /** Fixed axis ranges (e.g. 0..1); default: the data's extent widened to nice ticks. */
  xDomain?: Domain;
  yDomain?: Domain;
  /**
   * Labels of x values: with it, x values are positions (e.g. the index of a trading day) and the ticks are
   * about 6 evenly spaced whole positions labelled by this function (e.g. the date).
   */
  formatX?: (x: number) => string;
  references?: readonly ReferenceLine[];
  /** Equal scales on both axes (a square plot area), as a ROC curve needs. */
  square?: boolean;
}

/** The finite points of a series as runs of consecutive points (a NaN y ends a run). */
function segments(points: readonly LinePoint[]): LinePoint[][] {
  const runs: LinePoint[][] = [];
  let current: LinePoint[] = [];
  for (const point of points) {
    if (Number.isFinite(point.x) && Number.isFinite(point.y)) current.push(point);
    else if (current.length > 0) {
      runs.push(current);
      current = [];
    }
  }
  if (current.length > 0) runs.push(current);
  return runs;
}

function positionTicks(domain: Domain, format: (x: number) => string, count = 6): Tick[] {
  const first = Math.ceil(domain.min);
  const last = Math.floor(domain.max);
  if (last < first) return [];
  const step = Math.max(1, Math.round((last - first) / (count - 1)));
  const ticks: Tick[] = [];
  for (let x = first; x <= last; x += step) ticks.push({ value: x, label: format(x) });
  if (ticks.at(-1)?.value !== last && last - (ticks.at(-1)?.value ?? first) >= step / 2) {
    ticks.push({ value: last, label: format(last) });
  }
  return ticks;
}

/** A line chart with several series, axes with ticks and labels, a grid, a legend and reference lines. */
export function lineChart(options: LineChartOptions): string {
  const width = options.width ?? THEME.width;
  const height = options.height ?? THEME.height;
  const entries: LegendEntry[] = options.series.map((series, i) => ({
    name: series.name,
    color: series.color ?? seriesColor(i),
    dashed: series.dashed ?? false,
  }));
  const legendWidth = width - THEME.margin.left - THEME.margin.right;
  const lines = entries.length > 1 ? legendLines(entries, legendWidth) : 0;
  const margin = { ...THEME.margin, top: THEME.margin.top + lines * 16 };
  let area = plotArea(width, height, margin);
  if (options.square) {
    const side = Math.min(area.width, area.height);
    area = { x: area.x + (area.width - side) / 2, y: area.y, width: side, height: side };
  }

  const allPoints = options.series.flatMap((series) => series.points);
  const xs = allPoints.map((point) => point.x);
  const ys = [...allPoints.map((point) => point.y), ...(options.references ?? []).map((line) => line.y)];

  let xDomain: Domain;
  let xTicks: Tick[];
  if (options.formatX) {
    xDomain = options.xDomain ?? extent(xs);
    xTicks = positionTicks(xDomain, options.formatX);
  } else {
    const nice = niceTicks(options.xDomain ?? extent(xs));
    xDomain = options.xDomain ?? nice.domain;
    xTicks = numericTicks(nice.ticks.filter((t) => t >= xDomain.min - 1e-9 && t <= xDomain.max + 1e-9));
  }
  const yNice = niceTicks(options.yDomain ?? extent(ys));
  const yDomain = options.yDomain ?? yNice.domain;
  const yTicks = numericTicks(yNice.ticks.filter((t) => t >= yDomain.min - 1e-9 && t <= yDomain.max + 1e-9));

  const x = linearScale(xDomain, area.x, area.x + area.width);
  const y = linearScale(yDomain, area.y + area.height, area.y);

  const parts: string[] = [chartTitle(options.title, width)];
  if (lines > 0) parts.push(...legendRow(entries, area.x, THEME.margin.top - 4, legendWidth));
  parts.push(...leftAxis(area, y, yTicks, options.yLabel));
  parts.push(...bottomAxis(area, x, xTicks, options.xLabel, true));

  options.series.forEach((series, i) => {
    const color = entries[i]!.color;
    const shapes: string[] = [];
    for (const run of segments(series.points)) {
      if (run.length === 1) {
        shapes.push(el("circle", { cx: x(run[0]!.x), cy: y(run[0]!.y), r: 3, fill: color }));
        continue;
      }
      shapes.push(
        el("polyline", {
          class: "line",
          points: run.map((point) => `${num(x(point.x))},${num(y(point.y))}`).join(" "),
          fill: "none",
          stroke: color,
          "stroke-width": 2,
          "stroke-linejoin": "round",
          "stroke-dasharray": series.dashed ? "6 4" : undefined,
        }),
      );
      if (series.markers) {
        for (const point of run) shapes.push(el("circle", { cx: x(point.x), cy: y(point.y), r: 3, fill: color }));
      }
    }
    parts.push(el("g", { class: "series", "data-series": series.name }, shapes));
  });

  // Reference lines and their labels go on top of the data.
  for (const line of options.references ?? []) {
    const ly = y(line.y);
    parts.push(
      el("g", { class: "reference" }, [
        el("line", {
          x1: area.x,
          y1: ly,
          x2: area.x + area.width,
          y2: ly,
          stroke: THEME.muted,
          "stroke-dasharray": "3 3",
        }),
        textEl(line.label, {
          x: area.x + area.width - 4,
          y: ly - 4,
          "text-anchor": "end",
          "font-size": THEME.fontSize - 2,
          fill: THEME.muted,
          // A white halo keeps the label readable over the data lines.
          stroke: "#ffffff",
          "stroke-width": 3,
          "paint-order": "stroke",
        }),
      ]),
    );
  }

  return svgDocument(width, height, options.title, parts);
}
