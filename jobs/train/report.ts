import type { EvaluationReport } from "../../lib/evaluation/metrics.js";
import type { TrainConfig } from "./config.js";
import type { EvaluationResult } from "./evaluate.js";
import type { FitResult } from "./fit.js";
import type { IngestResult } from "./ingest.js";
import { formatMetric, METRIC_IDS, metricValue } from "./metrics.js";
import { dateRange, type PreparedData } from "./prepare.js";
import type { StageTiming } from "./progress.js";
import type { PromotionResult } from "./promote.js";
import type { SelectionResult } from "./select.js";
import type { IndexRange } from "./split.js";

/** Everything the pipeline computed before MLflow gets involved (the same for a dry run). */
export interface TrainingResult {
  config: TrainConfig;
  ingest: IngestResult;
  prepared: PreparedData;
  selection: SelectionResult;
  fit: FitResult;
  evaluation: EvaluationResult;
}

/** What happened in MLflow, when it was used. */
export interface TrackingOutcome {
  runId: string;
  experimentId: string;
  version: string | undefined;
  promotion: PromotionResult | undefined;
  /** The decision failed (the message), when it did. */
  decisionError: string | undefined;
}

export const REPORT_FORMAT_VERSION = 1;

function windowOf(result: TrainingResult, range: IndexRange): { first: string; last: string; rows: number } {
  return { ...dateRange(result.prepared.dataset, range), rows: range.end - range.start };
}

/** Metrics of a report without the ROC points (kept once, for the model only). */
function scalars(report: EvaluationReport): Omit<EvaluationReport, "roc"> {
  const { roc: _roc, ...rest } = report;
  return rest;
}

/** The content of `eval/report.json`: data, split, selection, model, evaluation, champion and decision. */
export function buildReport(
  result: TrainingResult,
  tracking: TrackingOutcome | undefined,
  timings: readonly StageTiming[],
  now: Date,
): Record<string, unknown> {
  const { config, ingest, prepared, selection, fit, evaluation } = result;
  const { dataset, plan } = prepared;
  const promotion = tracking?.promotion;
  return {
    format_version: REPORT_FORMAT_VERSION,
    created_at: now.toISOString(),
    as_of: ingest.asOf,
    requested_as_of: ingest.requestedAsOf ?? null,
    data: {
      source: ingest.lineage.description,
      uri: ingest.lineage.uri,
      ticker: ingest.lineage.ticker,
      fetched_at: ingest.lineage.fetchedAt,
      bars: dataset.lineage.barCount,
      first_bar_date: dataset.lineage.firstBarDate,
      last_bar_date: dataset.lineage.lastBarDate,
      digest_sha256: dataset.lineage.digest,
      cleaning: ingest.cleaning,
    },
    dataset: {
      rows: dataset.lineage.rows,
      first_row_date: dataset.lineage.firstRowDate,
      last_row_date: dataset.lineage.lastRowDate,
      warmup_bars: dataset.lineage.warmup,
      feature_spec_version: dataset.lineage.featureSpecVersion,
      features: dataset.names,
      label: dataset.lineage.label,
    },
    split: {
      train: {
        ...windowOf(result, plan.final.train),
        capped: plan.final.trainCapped,
        cap: config.split.maxTrain ?? null,
      },
      purge_gap: plan.final.gap,
      eval: windowOf(result, plan.final.eval),
      folds: plan.folds.map((fold) => ({
        index: fold.index,
        train: windowOf(result, fold.train),
        test: windowOf(result, fold.test),
      })),
    },
    selection: {
      metric: selection.metric,
      chosen: selection.best.key,
      candidates: selection.candidates.map((candidate) => ({
        key: candidate.key,
        params: candidate.params,
        mean: candidate.mean,
        folds: candidate.folds,
      })),
    },
    model: {
      trainer: fit.trained.stats.algorithm,
      options: fit.trained.options,
      stats: fit.trained.stats,
      feature_importance: dataset.names
        .map((name, i) => ({ name, importance: fit.trained.featureImportance[i]! }))
        .sort((a, b) => b.importance - a.importance),
    },
    evaluation: {
      threshold: evaluation.model.threshold,
      model: evaluation.model,
      baselines: {
        always_up: scalars(evaluation.baselines.alwaysUp),
        previous_day_direction: scalars(evaluation.baselines.previousDayDirection),
      },
      training_window: scalars(evaluation.training),
      rolling_accuracy: { dates: evaluation.dates, ...evaluation.rolling },
    },
    champion: promotion?.champion
      ? {
          version: promotion.champion.version,
          as_of: promotion.champion.asOf,
          trained_through: promotion.champion.trainedThrough,
          evaluation: scalars(promotion.champion.report),
        }
      : null,
    decision: tracking
      ? {
          version: tracking.version ?? null,
          promoted: promotion?.decision.promote ?? false,
          outcome: promotion?.decision.outcome ?? (tracking.decisionError ? "error" : null),
          reason: promotion?.decision.reason ?? tracking.decisionError ?? null,
          champion_before: promotion?.move?.from ?? promotion?.champion?.version ?? null,
          metric: config.promotion.metric,
          margin: config.promotion.margin,
        }
      : null,
    mlflow: tracking ? { run_id: tracking.runId, experiment_id: tracking.experimentId } : null,
    timings,
  };
}

/** One CSV row per evaluation day: what the model and the baselines said and what happened. */
export function predictionsCsv(evaluation: EvaluationResult, championPUp?: readonly number[]): string {
  const header = ["date", "actual_up", "p_up", "predicted_up", ...(championPUp ? ["champion_p_up"] : [])];
  const lines = evaluation.dates.map((date, i) => {
    const p = evaluation.pUp[i]!;
    const cells = [date, String(evaluation.y[i]), p.toFixed(6), p >= evaluation.model.threshold ? "1" : "0"];
    if (championPUp) cells.push(championPUp[i]!.toFixed(6));
    return cells.join(",");
  });
  return `${header.join(",")}\n${lines.join("\n")}\n`;
}

/** A plain-text summary for people (stdout): data, model, metrics against the baselines, MLflow outcome. */
export function formatSummary(result: TrainingResult, tracking?: TrackingOutcome): string {
  const { ingest, prepared, selection, fit, evaluation, config } = result;
  const { dataset, plan } = prepared;
  const train = windowOf(result, plan.final.train);
  const test = windowOf(result, plan.final.eval);
  const params = selection.best.params;
  const lines = [
    `as of ${ingest.asOf}${ingest.requestedAsOf && ingest.requestedAsOf !== ingest.asOf ? ` (asked ${ingest.requestedAsOf})` : ""}` +
      ` · ${ingest.lineage.ticker} · ${dataset.lineage.barCount} bars ${dataset.lineage.firstBarDate}..${dataset.lineage.lastBarDate}`,
    `model     ${fit.trained.stats.algorithm} forest, ${fit.trained.stats.trees} trees, maxDepth ${params.maxDepth}, ` +
      `minSamplesLeaf ${params.minSamplesLeaf}, maxFeatures ${String(params.maxFeatures)} ` +
      `(best of ${selection.candidates.length} by ${plan.folds.length}-fold walk-forward ${selection.metric} ${formatMetric(selection.best.mean)})`,
    `training  ${train.first}..${train.last} (${train.rows} rows${plan.final.trainCapped ? `, capped at ${config.split.maxTrain}` : ""})`,
    `evaluation ${test.first}..${test.last} (${test.rows} rows, purge gap ${plan.final.gap})`,
    "",
    table([
      ["", ...METRIC_IDS],
      ["model", ...METRIC_IDS.map((id) => formatMetric(metricValue(evaluation.model, id)))],
      ["always UP", ...METRIC_IDS.map((id) => formatMetric(metricValue(evaluation.baselines.alwaysUp, id)))],
      [
        "yesterday's direction",
        ...METRIC_IDS.map((id) => formatMetric(metricValue(evaluation.baselines.previousDayDirection, id))),
      ],
      ...(tracking?.promotion?.champion
        ? [
            [
              `champion v${tracking.promotion.champion.version}`,
              ...METRIC_IDS.map((id) => formatMetric(metricValue(tracking.promotion!.champion!.report, id))),
            ],
          ]
        : []),
    ]),
  ];
  if (tracking) {
    lines.push("");
    lines.push(`MLflow    run ${tracking.runId} (experiment ${tracking.experimentId})`);
    if (tracking.version) lines.push(`registry  ${config.modelName} v${tracking.version} (alias challenger)`);
    if (tracking.promotion) {
      const { decision } = tracking.promotion;
      lines.push(`decision  ${decision.promote ? "PROMOTED to champion" : "not promoted"}: ${decision.reason}`);
    } else if (tracking.decisionError) lines.push(`decision  FAILED, nothing promoted: ${tracking.decisionError}`);
  } else {
    lines.push("", "dry run: nothing was written to MLflow");
  }
  return `${lines.join("\n")}\n`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  return rows
    .map((row) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  "))
    .join("\n");
}
