import { formatTick, type Scale } from "./scale.js";
import { el, textEl } from "./svg.js";
import { fitText, textWidth, THEME } from "./theme.js";

/** The rectangle data is drawn in. */
export interface PlotArea {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Margin {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

export interface Tick {
  value: number;
  label: string;
}

export interface LegendEntry {
  name: string;
  color: string;
  dashed?: boolean;
}

export function plotArea(width: number, height: number, margin: Margin): PlotArea {
  const area = {
    x: margin.left,
    y: margin.top,
    width: width - margin.left - margin.right,
    height: height - margin.top - margin.bottom,
  };
  if (area.width < 40 || area.height < 40) throw new RangeError(`chart ${width}x${height} is too small`);
  return area;
}

export function numericTicks(values: readonly number[]): Tick[] {
  return values.map((value) => ({ value, label: formatTick(value) }));
}

export function chartTitle(title: string, width: number): string {
  return textEl(fitText(title, width - 24, THEME.titleSize), {
    class: "title",
    x: width / 2,
    y: 24,
    "text-anchor": "middle",
    "font-size": THEME.titleSize,
    "font-weight": "bold",
    fill: THEME.text,
  });
}

/** Bottom axis: line, ticks with labels (thinned to fit), optional vertical grid lines, and the axis label. */
export function bottomAxis(
  area: PlotArea,
  scale: Scale,
  ticks: readonly Tick[],
  label: string,
  grid = false,
): string[] {
  const baseline = area.y + area.height;
  const parts: string[] = [];
  const widest = Math.max(1, ...ticks.map((tick) => textWidth(tick.label)));
  const every = Math.max(1, Math.ceil((ticks.length * (widest + 8)) / area.width));
  ticks.forEach((tick, i) => {
    const x = scale(tick.value);
    if (grid) parts.push(el("line", { x1: x, y1: area.y, x2: x, y2: baseline, stroke: THEME.grid }));
    parts.push(el("line", { x1: x, y1: baseline, x2: x, y2: baseline + 5, stroke: THEME.axis }));
    if (i % every === 0) {
      parts.push(
        textEl(tick.label, {
          class: "tick-label",
          x,
          y: baseline + 18,
          "text-anchor": "middle",
          "font-size": THEME.fontSize - 1,
          fill: THEME.muted,
        }),
      );
    }
  });
  parts.push(el("line", { x1: area.x, y1: baseline, x2: area.x + area.width, y2: baseline, stroke: THEME.axis }));
  if (label) {
    parts.push(
      textEl(label, {
        class: "axis-label",
        x: area.x + area.width / 2,
        y: baseline + 40,
        "text-anchor": "middle",
        "font-size": THEME.fontSize,
        fill: THEME.text,
      }),
    );
  }
  return parts;
}

/** Left axis: line, ticks with labels, horizontal grid lines, and the rotated axis label. */
export function leftAxis(area: PlotArea, scale: Scale, ticks: readonly Tick[], label: string, grid = true): string[] {
  const parts: string[] = [];
  for (const tick of ticks) {
    const y = scale(tick.value);
    if (grid) parts.push(el("line", { x1: area.x, y1: y, x2: area.x + area.width, y2: y, stroke: THEME.grid }));
    parts.push(el("line", { x1: area.x - 5, y1: y, x2: area.x, y2: y, stroke: THEME.axis }));
    parts.push(
      textEl(tick.label, {
        class: "tick-label",
        x: area.x - 8,
        y: y + 4,
        "text-anchor": "end",
        "font-size": THEME.fontSize - 1,
        fill: THEME.muted,
      }),
    );
  }
  parts.push(el("line", { x1: area.x, y1: area.y, x2: area.x, y2: area.y + area.height, stroke: THEME.axis }));
  if (label) {
    const x = 16;
    const y = area.y + area.height / 2;
    parts.push(
      textEl(label, {
        class: "axis-label",
        x,
        y,
        transform: `rotate(-90 ${x} ${y})`,
        "text-anchor": "middle",
        "font-size": THEME.fontSize,
        fill: THEME.text,
      }),
    );
  }
  return parts;
}

/** One row of legend entries (line swatch + name) starting at (x, y), wrapping at `maxWidth`. */
export function legendRow(entries: readonly LegendEntry[], x: number, y: number, maxWidth: number): string[] {
  const parts: string[] = [];
  let cx = x;
  let cy = y;
  for (const entry of entries) {
    const name = fitText(entry.name, maxWidth - 44);
    const width = 28 + textWidth(name) + 16;
    if (cx > x && cx + width > x + maxWidth) {
      cx = x;
      cy += 16;
    }
    parts.push(
      el("g", { class: "legend-entry" }, [
        el("line", {
          x1: cx,
          y1: cy,
          x2: cx + 22,
          y2: cy,
          stroke: entry.color,
          "stroke-width": 2.5,
          "stroke-dasharray": entry.dashed ? "6 4" : undefined,
        }),
        textEl(name, { x: cx + 28, y: cy + 4, "font-size": THEME.fontSize - 1, fill: THEME.text }),
      ]),
    );
    cx += width;
  }
  return parts;
}

/** Lines a legend of `entries` needs at `maxWidth` (same wrapping as legendRow). */
export function legendLines(entries: readonly LegendEntry[], maxWidth: number): number {
  let lines = entries.length > 0 ? 1 : 0;
  let used = 0;
  for (const entry of entries) {
    const width = 28 + textWidth(fitText(entry.name, maxWidth - 44)) + 16;
    if (used > 0 && used + width > maxWidth) {
      lines++;
      used = 0;
    }
    used += width;
  }
  return lines;
}
