import { z } from "zod";
import { sessionClose } from "../market/calendar.js";
import type { MetricInput } from "../mlflow/index.js";
import { LIVE_METRICS, LIVE_VERSION_TAGS, WEEK_TRADING_DAYS, type LiveStatus } from "./names.js";

/**
 * Live accuracy: the predictions a model would have made after its training data ended, scored against the closes
 * that actually happened. A model trained as of day D saw the bars up to D; its first prediction is the one made
 * after D's close (the features of row D, about D's next close), so its live days are the labelled rows dated D or
 * later. Only rows with a known next close exist in a dataset, and the features of row t come from bars up to t.
 */

/** Predictions are UP when P(UP) >= this (the API's default threshold and the job's evaluation rule). */
export const LIVE_THRESHOLD = 0.5;

/** Labelled rows: date, features, label (1 = the next close was higher). */
export interface LabelledRows {
  dates: readonly string[];
  X: readonly (readonly number[])[];
  y: readonly (0 | 1)[];
}

export interface LiveDay {
  /** The day t: the prediction was made after its close, about the next session's close. */
  date: string;
  pUp: number;
  predicted: 0 | 1;
  /** 1 when the next close was above t's close. */
  actual: 0 | 1;
  correct: 0 | 1;
  /** Accuracy over the last WEEK_TRADING_DAYS days ending at t; null until that many days exist. */
  weekly: number | null;
  /** Accuracy from the first live day to t. */
  cumulative: number;
}

export interface LiveSummary {
  days: number;
  /** Null when there is no live day. */
  accuracy: number | null;
  /** Accuracy over the last WEEK_TRADING_DAYS days; null with fewer days. */
  lastWeekAccuracy: number | null;
  /** Accuracy of always predicting UP on the same days (the share of UP days). */
  alwaysUpAccuracy: number | null;
  firstDate: string | null;
  lastDate: string | null;
}

export interface LiveAccuracy {
  threshold: number;
  window: number;
  days: LiveDay[];
  summary: LiveSummary;
}

/** The rows dated `since` or later (rows are in date order, as a Dataset holds them). */
export function rowsSince(rows: LabelledRows, since: string): LabelledRows {
  const start = rows.dates.findIndex((date) => date >= since);
  if (start < 0) return { dates: [], X: [], y: [] };
  return { dates: rows.dates.slice(start), X: rows.X.slice(start), y: rows.y.slice(start) };
}

/** Scores P(UP) of each live day against what happened: daily hits, the weekly rolling mean and the cumulative one. */
export function scoreLiveDays(
  dates: readonly string[],
  actual: readonly (0 | 1)[],
  pUp: readonly number[],
  options: { threshold?: number; window?: number } = {},
): LiveAccuracy {
  const threshold = options.threshold ?? LIVE_THRESHOLD;
  const window = options.window ?? WEEK_TRADING_DAYS;
  if (dates.length !== actual.length || dates.length !== pUp.length) {
    throw new RangeError(`${dates.length} dates, ${actual.length} labels and ${pUp.length} probabilities`);
  }
  let hits = 0;
  const days: LiveDay[] = dates.map((date, i) => {
    const p = pUp[i]!;
    if (!(p >= 0 && p <= 1)) throw new RangeError(`P(UP) of ${date} is ${p}; must be in [0, 1]`);
    const predicted: 0 | 1 = p >= threshold ? 1 : 0;
    const correct: 0 | 1 = predicted === actual[i] ? 1 : 0;
    hits += correct;
    return { date, pUp: p, predicted, actual: actual[i]!, correct, weekly: null, cumulative: hits / (i + 1) };
  });
  for (let i = window - 1; i < days.length; i++) {
    let sum = 0;
    for (let k = i - window + 1; k <= i; k++) sum += days[k]!.correct;
    days[i]!.weekly = sum / window;
  }
  const n = days.length;
  const ups = actual.reduce<number>((sum, label) => sum + label, 0);
  return {
    threshold,
    window,
    days,
    summary: {
      days: n,
      accuracy: n > 0 ? hits / n : null,
      lastWeekAccuracy: days.at(-1)?.weekly ?? null,
      alwaysUpAccuracy: n > 0 ? ups / n : null,
      firstDate: days[0]?.date ?? null,
      lastDate: days.at(-1)?.date ?? null,
    },
  };
}

/** The close of `date` as epoch milliseconds (16:00 New York; 21:00 UTC if the calendar has no session then). */
export function closeTimestamp(date: string): number {
  return sessionClose(date)?.getTime() ?? Date.parse(`${date}T21:00:00Z`);
}

/** The run metrics of a live-accuracy result: the three daily series and the summary values. */
export function liveMetrics(live: LiveAccuracy): MetricInput[] {
  const metrics: MetricInput[] = [];
  live.days.forEach((day, step) => {
    const timestamp = closeTimestamp(day.date);
    metrics.push({ key: LIVE_METRICS.dailyCorrect, value: day.correct, step, timestamp });
    metrics.push({ key: LIVE_METRICS.cumulativeAccuracy, value: day.cumulative, step, timestamp });
    if (day.weekly !== null) metrics.push({ key: LIVE_METRICS.weeklyAccuracy, value: day.weekly, step, timestamp });
  });
  const { summary } = live;
  metrics.push({ key: LIVE_METRICS.days, value: summary.days });
  if (summary.accuracy !== null) metrics.push({ key: LIVE_METRICS.accuracy, value: summary.accuracy });
  if (summary.lastWeekAccuracy !== null) {
    metrics.push({ key: LIVE_METRICS.lastWeekAccuracy, value: summary.lastWeekAccuracy });
  }
  if (summary.alwaysUpAccuracy !== null) {
    metrics.push({ key: LIVE_METRICS.alwaysUpAccuracy, value: summary.alwaysUpAccuracy });
  }
  return metrics;
}

/** The summary tags set on the scored model version. */
export function liveVersionTags(
  summary: LiveSummary,
  status: LiveStatus,
  scoring: { runId: string; scoredAt: Date; dataAsOf: string },
): Record<string, string> {
  const text = (value: number | string | null): string => (value === null ? "" : String(value));
  return {
    [LIVE_VERSION_TAGS.status]: status,
    [LIVE_VERSION_TAGS.days]: String(summary.days),
    [LIVE_VERSION_TAGS.accuracy]: text(summary.accuracy),
    [LIVE_VERSION_TAGS.lastWeekAccuracy]: text(summary.lastWeekAccuracy),
    [LIVE_VERSION_TAGS.alwaysUpAccuracy]: text(summary.alwaysUpAccuracy),
    [LIVE_VERSION_TAGS.firstDate]: text(summary.firstDate),
    [LIVE_VERSION_TAGS.lastDate]: text(summary.lastDate),
    [LIVE_VERSION_TAGS.scoredAt]: scoring.scoredAt.toISOString(),
    [LIVE_VERSION_TAGS.dataAsOf]: scoring.dataAsOf,
    [LIVE_VERSION_TAGS.runId]: scoring.runId,
  };
}

/** A live summary read back from version tags; undefined when the version was never scored. */
export function liveSummaryFromTags(tags: Readonly<Record<string, string>>): (LiveSummary & LiveTagInfo) | undefined {
  const status = tags[LIVE_VERSION_TAGS.status];
  if (status === undefined) return undefined;
  const number = (key: string): number | null => {
    const value = tags[key];
    if (value === undefined || value.trim() === "") return null;
    const parsed = Number(value);
    return Number.isFinite(parsed) ? parsed : null;
  };
  const date = (key: string): string | null => (tags[key] ? tags[key] : null);
  return {
    status,
    days: number(LIVE_VERSION_TAGS.days) ?? 0,
    accuracy: number(LIVE_VERSION_TAGS.accuracy),
    lastWeekAccuracy: number(LIVE_VERSION_TAGS.lastWeekAccuracy),
    alwaysUpAccuracy: number(LIVE_VERSION_TAGS.alwaysUpAccuracy),
    firstDate: date(LIVE_VERSION_TAGS.firstDate),
    lastDate: date(LIVE_VERSION_TAGS.lastDate),
    scoredAt: date(LIVE_VERSION_TAGS.scoredAt),
    dataAsOf: date(LIVE_VERSION_TAGS.dataAsOf),
    runId: date(LIVE_VERSION_TAGS.runId),
  };
}

/** Where and when a version's live summary was computed. */
export interface LiveTagInfo {
  status: string;
  scoredAt: string | null;
  dataAsOf: string | null;
  runId: string | null;
}

export const LIVE_REPORT_FORMAT_VERSION = 1;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const share = z.number().min(0).max(1);

/** `monitoring/live_accuracy.json`: what was scored, the summary and every live day. */
export const liveReportSchema = z.object({
  format_version: z.literal(LIVE_REPORT_FORMAT_VERSION),
  model: z.string(),
  version: z.string(),
  /** The scored model's as-of date (the last bar it was trained with). */
  model_as_of: isoDate,
  /** The last bar of the data it was scored on (the training run's as-of date). */
  data_as_of: isoDate,
  scored_at: z.string(),
  run_id: z.string(),
  threshold: share,
  window: z.number().int().positive(),
  summary: z.object({
    days: z.number().int().nonnegative(),
    accuracy: share.nullable(),
    last_5d_accuracy: share.nullable(),
    always_up_accuracy: share.nullable(),
    first_date: isoDate.nullable(),
    last_date: isoDate.nullable(),
  }),
  days: z.array(
    z.object({
      date: isoDate,
      p_up: share,
      predicted: z.union([z.literal(0), z.literal(1)]),
      actual: z.union([z.literal(0), z.literal(1)]),
      correct: z.union([z.literal(0), z.literal(1)]),
      weekly: share.nullable(),
      cumulative: share,
    }),
  ),
});

export type LiveReport = z.infer<typeof liveReportSchema>;

export interface LiveReportInput {
  model: string;
  version: string;
  modelAsOf: string;
  dataAsOf: string;
  scoredAt: Date;
  runId: string;
  live: LiveAccuracy;
}

export function buildLiveReport(input: LiveReportInput): LiveReport {
  const { live } = input;
  return {
    format_version: LIVE_REPORT_FORMAT_VERSION,
    model: input.model,
    version: input.version,
    model_as_of: input.modelAsOf,
    data_as_of: input.dataAsOf,
    scored_at: input.scoredAt.toISOString(),
    run_id: input.runId,
    threshold: live.threshold,
    window: live.window,
    summary: {
      days: live.summary.days,
      accuracy: live.summary.accuracy,
      last_5d_accuracy: live.summary.lastWeekAccuracy,
      always_up_accuracy: live.summary.alwaysUpAccuracy,
      first_date: live.summary.firstDate,
      last_date: live.summary.lastDate,
    },
    days: live.days.map((day) => ({
      date: day.date,
      p_up: day.pUp,
      predicted: day.predicted,
      actual: day.actual,
      correct: day.correct,
      weekly: day.weekly,
      cumulative: day.cumulative,
    })),
  };
}

/** Parses a live report read back from MLflow; throws a RangeError saying what is wrong. */
export function parseLiveReport(text: string): LiveReport {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new RangeError(`live accuracy report is not JSON: ${(error as Error).message}`, { cause: error });
  }
  const parsed = liveReportSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new RangeError(`live accuracy report: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  return parsed.data;
}
