import { bottomAxis, chartTitle, numericTicks, plotArea } from "./frame.js";
import { extent, formatTick, linearScale, niceTicks } from "./scale.js";
import { el, svgDocument, textEl } from "./svg.js";
import { fitText, seriesColor, textWidth, THEME } from "./theme.js";

export interface Bar {
  label: string;
  value: number;
}

export interface BarChartOptions {
  title: string;
  /** Label of the value axis. */
  xLabel: string;
  /** Drawn top to bottom in this order. */
  bars: readonly Bar[];
  width?: number;
  /** Default: enough for 22 px per bar. */
  height?: number;
  color?: string;
  /** Value label at the end of each bar (default: formatTick). */
  formatValue?: (value: number) => string;
}

const ROW = 22;

/** A horizontal bar chart: one labelled bar per item from a zero baseline, with a value axis and grid. */
export function horizontalBarChart(options: BarChartOptions): string {
  if (options.bars.length === 0) throw new RangeError("a bar chart needs at least one bar");
  for (const bar of options.bars) {
    if (!Number.isFinite(bar.value)) throw new RangeError(`bar "${bar.label}" has a non-finite value (${bar.value})`);
  }
  const width = options.width ?? THEME.width;
  const labels = options.bars.map((bar) => fitText(bar.label, 220));
  const left = Math.max(THEME.margin.left, 16 + Math.max(...labels.map((label) => textWidth(label))));
  const margin = { ...THEME.margin, left, right: THEME.margin.right + 40 };
  const height = options.height ?? margin.top + margin.bottom + ROW * options.bars.length + 8;
  const area = plotArea(width, height, margin);
  const format = options.formatValue ?? formatTick;
  const color = options.color ?? seriesColor(0);

  const nice = niceTicks(
    extent(
      options.bars.map((bar) => bar.value),
      [0],
    ),
  );
  const x = linearScale(nice.domain, area.x, area.x + area.width);
  const rowHeight = area.height / options.bars.length;
  const barHeight = Math.max(2, rowHeight * 0.7);

  const parts: string[] = [chartTitle(options.title, width)];
  parts.push(...bottomAxis(area, x, numericTicks(nice.ticks), options.xLabel, true));
  const zero = x(0);
  options.bars.forEach((bar, i) => {
    const top = area.y + i * rowHeight + (rowHeight - barHeight) / 2;
    const end = x(bar.value);
    const middle = top + barHeight / 2 + 4;
    parts.push(
      el("g", { class: "bar", "data-label": bar.label, "data-value": String(bar.value) }, [
        el("rect", {
          x: Math.min(zero, end),
          y: top,
          width: Math.abs(end - zero),
          height: barHeight,
          fill: color,
        }),
        textEl(labels[i]!, {
          x: area.x - 8,
          y: middle,
          "text-anchor": "end",
          "font-size": THEME.fontSize - 1,
          fill: THEME.text,
        }),
        textEl(format(bar.value), {
          x: bar.value >= 0 ? end + 4 : end - 4,
          y: middle,
          "text-anchor": bar.value >= 0 ? "start" : "end",
          "font-size": THEME.fontSize - 2,
          fill: THEME.muted,
        }),
      ]),
    );
  });
  parts.push(el("line", { x1: zero, y1: area.y, x2: zero, y2: area.y + area.height, stroke: THEME.axis }));
  return svgDocument(width, height, options.title, parts);
}
