import { chartTitle, plotArea } from "./frame.js";
import { el, svgDocument, textEl } from "./svg.js";
import { fitText, THEME } from "./theme.js";

export interface HeatmapOptions {
  title: string;
  /** Label of the rows (left) and of the columns (bottom). */
  rowTitle: string;
  columnTitle: string;
  rowLabels: readonly string[];
  columnLabels: readonly string[];
  /** values[row][column], finite and >= 0. */
  values: readonly (readonly number[])[];
  /** Text in each cell (default: the value). */
  formatCell?: (value: number, row: number, column: number) => string;
  width?: number;
  height?: number;
}

/** Blue of increasing intensity for 0..1. */
function cellColor(intensity: number): string {
  const t = Math.min(1, Math.max(0, intensity));
  const mix = (from: number, to: number): number => Math.round(from + (to - from) * t);
  return `rgb(${mix(239, 8)},${mix(243, 69)},${mix(255, 148)})`;
}

/** A matrix of coloured cells (darker = larger), each showing its value, with row and column labels. */
export function heatmap(options: HeatmapOptions): string {
  const rows = options.rowLabels.length;
  const columns = options.columnLabels.length;
  if (rows === 0 || columns === 0) throw new RangeError("a heatmap needs at least one row and one column");
  if (options.values.length !== rows || options.values.some((row) => row.length !== columns)) {
    throw new RangeError(`heatmap values must be ${rows} rows of ${columns} columns`);
  }
  const flat = options.values.flat();
  if (flat.some((value) => !Number.isFinite(value) || value < 0)) {
    throw new RangeError("heatmap values must be finite and >= 0");
  }
  const width = options.width ?? 480;
  const height = options.height ?? 420;
  const area = plotArea(width, height, { top: 48, right: 24, bottom: 64, left: 110 });
  const max = Math.max(...flat, 0);
  const cellWidth = area.width / columns;
  const cellHeight = area.height / rows;
  const format = options.formatCell ?? ((value: number) => String(value));

  const parts: string[] = [chartTitle(options.title, width)];
  options.values.forEach((row, r) => {
    row.forEach((value, c) => {
      const intensity = max > 0 ? value / max : 0;
      const x = area.x + c * cellWidth;
      const y = area.y + r * cellHeight;
      parts.push(
        el("g", { class: "cell", "data-row": r, "data-column": c, "data-value": String(value) }, [
          el("rect", { x, y, width: cellWidth, height: cellHeight, fill: cellColor(intensity), stroke: "#ffffff" }),
          textEl(format(value, r, c), {
            x: x + cellWidth / 2,
            y: y + cellHeight / 2 + 5,
            "text-anchor": "middle",
            "font-size": THEME.fontSize + 2,
            fill: intensity > 0.55 ? "#ffffff" : THEME.text,
          }),
        ]),
      );
    });
  });
  options.rowLabels.forEach((label, r) => {
    parts.push(
      textEl(fitText(label, 80), {
        class: "row-label",
        x: area.x - 8,
        y: area.y + (r + 0.5) * cellHeight + 4,
        "text-anchor": "end",
        "font-size": THEME.fontSize,
        fill: THEME.text,
      }),
    );
  });
  options.columnLabels.forEach((label, c) => {
    parts.push(
      textEl(fitText(label, cellWidth - 4), {
        class: "column-label",
        x: area.x + (c + 0.5) * cellWidth,
        y: area.y + area.height + 18,
        "text-anchor": "middle",
        "font-size": THEME.fontSize,
        fill: THEME.text,
      }),
    );
  });
  parts.push(
    textEl(options.columnTitle, {
      class: "axis-label",
      x: area.x + area.width / 2,
      y: area.y + area.height + 44,
      "text-anchor": "middle",
      "font-size": THEME.fontSize,
      fill: THEME.text,
    }),
  );
  const ly = area.y + area.height / 2;
  parts.push(
    textEl(options.rowTitle, {
      class: "axis-label",
      x: 16,
      y: ly,
      transform: `rotate(-90 16 ${ly})`,
      "text-anchor": "middle",
      "font-size": THEME.fontSize,
      fill: THEME.text,
    }),
  );
  return svgDocument(width, height, options.title, parts);
}

/** Counts of a binary classifier with UP as the positive class (the shape of lib/evaluation's ConfusionMatrix). */
export interface ConfusionCounts {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** A 2x2 confusion matrix: rows = actual (DOWN, UP), columns = predicted; each cell shows count and share. */
export function confusionMatrixChart(options: {
  title: string;
  counts: ConfusionCounts;
  width?: number;
  height?: number;
}): string {
  const { tp, fp, tn, fn } = options.counts;
  const total = tp + fp + tn + fn;
  const values = [
    [tn, fp],
    [fn, tp],
  ];
  return heatmap({
    title: options.title,
    rowTitle: "actual",
    columnTitle: "predicted",
    rowLabels: ["DOWN", "UP"],
    columnLabels: ["DOWN", "UP"],
    values,
    formatCell: (value) => (total > 0 ? `${value} (${((100 * value) / total).toFixed(1)} %)` : String(value)),
    ...(options.width !== undefined ? { width: options.width } : {}),
    ...(options.height !== undefined ? { height: options.height } : {}),
  });
}
