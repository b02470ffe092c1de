import type { EvaluationReport } from "../../lib/evaluation/metrics.js";

/** The metrics of an EvaluationReport the job logs, selects on and can promote on, by their MLflow names. */
export const METRIC_IDS = [
  "roc_auc",
  "accuracy",
  "balanced_accuracy",
  "precision",
  "recall",
  "f1",
  "log_loss",
  "brier",
] as const;

export type MetricId = (typeof METRIC_IDS)[number];

const FIELDS = {
  roc_auc: "rocAuc",
  accuracy: "accuracy",
  balanced_accuracy: "balancedAccuracy",
  precision: "precision",
  recall: "recall",
  f1: "f1",
  log_loss: "logLoss",
  brier: "brier",
} as const satisfies Record<MetricId, keyof EvaluationReport>;

/** Log loss and Brier score are errors (lower is better); every other metric is a score. */
export function higherIsBetter(metric: MetricId): boolean {
  return metric !== "log_loss" && metric !== "brier";
}

/** The metric's value in a report; null when undefined on that window (ROC AUC with one class only). */
export function metricValue(report: EvaluationReport, metric: MetricId): number | null {
  const value = report[FIELDS[metric]];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** How much better `a` is than `b` on `metric` (positive = better, whatever the metric's direction). */
export function improvement(metric: MetricId, a: number, b: number): number {
  return higherIsBetter(metric) ? a - b : b - a;
}

/** Every defined metric of a report, keyed `<prefix><metric>`, plus the window size and UP rates. */
export function flattenReport(report: EvaluationReport, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const metric of METRIC_IDS) {
    const value = metricValue(report, metric);
    if (value !== null) out[`${prefix}${metric}`] = value;
  }
  out[`${prefix}rows`] = report.n;
  out[`${prefix}up_rate`] = report.positiveRate;
  out[`${prefix}predicted_up_rate`] = report.predictedPositiveRate;
  return out;
}

/** `0.5412` style: 4 decimals, or "n/a". */
export function formatMetric(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value) ? "n/a" : value.toFixed(4);
}
