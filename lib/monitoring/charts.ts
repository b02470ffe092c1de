import { previousTradingDay } from "../market/calendar.js";
import { lineChart, type ReferenceLine } from "../plots/index.js";
import { WEEK_TRADING_DAYS } from "./names.js";

/**
 * Monitoring charts as SVG, drawn with the shared lib/plots: the training job logs the live-accuracy chart as an
 * MLflow artifact, and the API's dashboard inlines the same charts in its page.
 */

/** Series names, shared with the dashboard's browser test. */
export const CHART_SERIES = {
  liveWeekly: `weekly (${WEEK_TRADING_DAYS} trading days)`,
  liveCumulative: "cumulative",
  runAccuracy: "evaluation accuracy",
  runWeekly: `weekly average (${WEEK_TRADING_DAYS} trading days)`,
  runAlwaysUp: "always UP (same window)",
  runLive: "champion live accuracy",
} as const;

export interface LiveChartDay {
  date: string;
  weekly: number | null;
  cumulative: number;
}

export interface Bounds {
  floor?: number;
  ceiling?: number;
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? "" : "s"}`;

function boundLines(bounds: Bounds): ReferenceLine[] {
  const lines: ReferenceLine[] = [];
  if (bounds.floor !== undefined) lines.push({ y: bounds.floor, label: `floor ${bounds.floor}` });
  if (bounds.ceiling !== undefined) lines.push({ y: bounds.ceiling, label: `ceiling ${bounds.ceiling}` });
  return lines;
}

/** Weekly and cumulative live accuracy of one model version per trading day; null without any day. */
export function liveAccuracyChart(input: {
  version: string;
  days: readonly LiveChartDay[];
  alwaysUpAccuracy?: number | null;
  bounds?: Bounds;
  width?: number;
  height?: number;
}): string | null {
  const { days } = input;
  if (days.length === 0) return null;
  const references = boundLines(input.bounds ?? {});
  if (input.alwaysUpAccuracy !== undefined && input.alwaysUpAccuracy !== null) {
    references.push({ y: input.alwaysUpAccuracy, label: `always UP ${input.alwaysUpAccuracy.toFixed(3)}` });
  }
  return lineChart({
    title: `Live accuracy of v${input.version}, ${days[0]!.date}..${days.at(-1)!.date} (${plural(days.length, "day")})`,
    xLabel: "trading day of the prediction",
    yLabel: "accuracy",
    formatX: (x) => days[Math.round(x)]?.date ?? "",
    yDomain: { min: 0, max: 1 },
    width: input.width,
    height: input.height,
    references,
    series: [
      {
        name: CHART_SERIES.liveWeekly,
        points: days.map((day, x) => ({ x, y: day.weekly ?? Number.NaN })),
        markers: true,
      },
      { name: CHART_SERIES.liveCumulative, points: days.map((day, x) => ({ x, y: day.cumulative })), dashed: true },
    ],
  });
}

/** One finished training run, as the per-run chart needs it. */
export interface RunAccuracy {
  asOf: string;
  /** Accuracy on the run's evaluation window. */
  accuracy: number | null;
  alwaysUpAccuracy: number | null;
  /** Live accuracy of the champion that was serving when the run started (over its live days). */
  championLiveAccuracy: number | null;
}

/**
 * For each run (sorted by as-of date), the mean evaluation accuracy of the runs whose as-of date lies within the
 * last WEEK_TRADING_DAYS trading days up to its own (null when the run has no accuracy).
 */
export function weeklyAverage(runs: readonly RunAccuracy[]): (number | null)[] {
  return runs.map((run) => {
    if (run.accuracy === null) return null;
    let start = run.asOf;
    for (let i = 1; i < WEEK_TRADING_DAYS; i++) start = previousTradingDay(start);
    const inWeek = runs.filter((other) => other.asOf >= start && other.asOf <= run.asOf && other.accuracy !== null);
    return inWeek.reduce((sum, other) => sum + other.accuracy!, 0) / inWeek.length;
  });
}

/** Evaluation accuracy per training run, its weekly average, always-UP and the champion's live accuracy. */
export function runAccuracyChart(input: {
  runs: readonly RunAccuracy[];
  bounds?: Bounds;
  width?: number;
  height?: number;
}): string | null {
  const runs = [...input.runs].sort((a, b) => (a.asOf < b.asOf ? -1 : a.asOf > b.asOf ? 1 : 0));
  if (runs.length === 0) return null;
  const weekly = weeklyAverage(runs);
  const value = (v: number | null): number => v ?? Number.NaN;
  return lineChart({
    title: `Accuracy per training run, ${runs[0]!.asOf}..${runs.at(-1)!.asOf} (${plural(runs.length, "run")})`,
    xLabel: "training run (as-of date)",
    yLabel: "accuracy",
    formatX: (x) => runs[Math.round(x)]?.asOf ?? "",
    yDomain: { min: 0, max: 1 },
    width: input.width,
    height: input.height,
    references: boundLines(input.bounds ?? {}),
    series: [
      { name: CHART_SERIES.runAccuracy, points: runs.map((run, x) => ({ x, y: value(run.accuracy) })), markers: true },
      { name: CHART_SERIES.runWeekly, points: weekly.map((y, x) => ({ x, y: value(y) })) },
      {
        name: CHART_SERIES.runAlwaysUp,
        points: runs.map((run, x) => ({ x, y: value(run.alwaysUpAccuracy) })),
        dashed: true,
      },
      {
        name: CHART_SERIES.runLive,
        points: runs.map((run, x) => ({ x, y: value(run.championLiveAccuracy) })),
        markers: true,
      },
    ],
  });
}
