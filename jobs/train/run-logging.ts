import { RUN_METRIC_PREFIXES } from "../../lib/registry/run-tags.js";
import type { DatasetInputSpec, MetricInput, MlflowClient } from "../../lib/mlflow/index.js";
import { VERSION_TAGS } from "../../lib/registry/names.js";
import type { TrainConfig } from "./config.js";
import { DECISION_THRESHOLD } from "./evaluate.js";
import { flattenReport, formatMetric, metricValue } from "./metrics.js";
import { dateRange, type PreparedData } from "./prepare.js";
import type { StageTiming } from "./progress.js";
import type { TrainingResult } from "./report.js";
import type { SelectionResult } from "./select.js";
import type { IngestResult } from "./ingest.js";

/** What the training job logs to its MLflow run and its model version, computed from the pipeline's results. */

type Params = Record<string, string | number | boolean>;

/** Every setting of the run (logged before training, so a failed run still shows what it tried). */
export function settingsParams(config: TrainConfig, prepared: PreparedData): Params {
  const { dataset, plan } = prepared;
  const train = dateRange(dataset, plan.final.train);
  const evalWindow = dateRange(dataset, plan.final.eval);
  return {
    model_name: config.modelName,
    ticker: config.market.MARKET_TICKER,
    history_start: config.market.MARKET_HISTORY_START,
    trainer: config.trainer.algorithm,
    n_estimators: config.trainer.nEstimators,
    class_weight: config.trainer.classWeight,
    train_threads: config.trainer.threads,
    seed: config.trainer.seed,
    grid_max_depth: config.grid.maxDepth.join(","),
    grid_min_samples_leaf: config.grid.minSamplesLeaf.join(","),
    grid_max_features: config.grid.maxFeatures.join(","),
    eval_days: config.split.evalDays,
    purge_gap_days: config.split.gap,
    wf_folds: config.split.folds,
    wf_fold_days: config.split.foldDays,
    min_train_rows: config.split.minTrain,
    train_max_rows: config.split.maxTrain ?? "none",
    promotion_metric: config.promotion.metric,
    promotion_margin: config.promotion.margin,
    decision_threshold: DECISION_THRESHOLD,
    feature_spec_version: dataset.lineage.featureSpecVersion,
    feature_count: dataset.names.length,
    features: dataset.names.join(","),
    label_name: dataset.lineage.label.name,
    label_column: dataset.lineage.label.column,
    label_rule: dataset.lineage.label.rule,
    label_horizon: dataset.lineage.label.horizon,
    dataset_rows: dataset.lineage.rows,
    train_rows: plan.final.train.end - plan.final.train.start,
    train_first_date: train.first,
    train_last_date: train.last,
    train_capped: plan.final.trainCapped,
    eval_rows: plan.final.eval.end - plan.final.eval.start,
    eval_first_date: evalWindow.first,
    eval_last_date: evalWindow.last,
  };
}

/** The hyperparameters model selection chose. */
export function chosenParams(selection: SelectionResult): Params {
  const { params } = selection.best;
  return {
    max_depth: params.maxDepth,
    min_samples_leaf: params.minSamplesLeaf,
    max_features: String(params.maxFeatures),
    selection_key: selection.best.key,
  };
}

/** Fold scores of every grid point (`cv/<key>/<metric>`, step = fold index) and the best mean. */
export function selectionMetrics(selection: SelectionResult): MetricInput[] {
  const metrics: MetricInput[] = [];
  const logged = [...new Set([selection.metric, "roc_auc", "accuracy", "log_loss"] as const)];
  for (const candidate of selection.candidates) {
    for (const fold of candidate.folds) {
      for (const id of logged) {
        const value = fold.metrics[id];
        if (value !== null) metrics.push({ key: `cv/${candidate.key}/${id}`, value, step: fold.fold });
      }
    }
    if (candidate.mean !== null) metrics.push({ key: `cv_mean/${candidate.key}`, value: candidate.mean });
  }
  for (const fold of selection.best.folds) {
    const value = fold.metrics[selection.metric];
    if (value !== null) metrics.push({ key: `cv_best_${selection.metric}`, value, step: fold.fold });
  }
  if (selection.best.mean !== null) {
    metrics.push({ key: `cv_best_mean_${selection.metric}`, value: selection.best.mean });
  }
  return metrics;
}

/** Evaluation metrics of the model, both baselines and the training window, plus the rolling accuracy series. */
export function evaluationMetrics(result: TrainingResult): MetricInput[] {
  const { evaluation } = result;
  const flat = {
    ...flattenReport(evaluation.model, RUN_METRIC_PREFIXES.model),
    ...flattenReport(evaluation.baselines.alwaysUp, RUN_METRIC_PREFIXES.alwaysUp),
    ...flattenReport(evaluation.baselines.previousDayDirection, RUN_METRIC_PREFIXES.previousDayDirection),
    ...flattenReport(evaluation.training, RUN_METRIC_PREFIXES.training),
  };
  const metrics: MetricInput[] = Object.entries(flat).map(([key, value]) => ({ key, value }));
  evaluation.rolling.model.forEach((value, step) => {
    if (Number.isFinite(value)) {
      metrics.push({
        key: `eval_rolling_accuracy_${evaluation.rolling.window}d`,
        value,
        step,
        timestamp: Date.parse(`${evaluation.dates[step]}T21:00:00Z`),
      });
    }
  });
  return metrics;
}

export function timingMetrics(timings: readonly StageTiming[]): MetricInput[] {
  return timings.flatMap((timing) => [
    { key: `duration_s/${timing.stage}`, value: timing.seconds },
    { key: `peak_rss_mb/${timing.stage}`, value: timing.peakRssMb },
  ]);
}

/** The dataset as an MLflow run input: digest, source, feature schema and a profile with rows and date range. */
export function datasetInput(ingest: IngestResult, prepared: PreparedData): DatasetInputSpec {
  const { dataset } = prepared;
  const { lineage } = dataset;
  return {
    name: `${ingest.lineage.ticker.toLowerCase()}-daily-features`,
    digest: lineage.digest.slice(0, 16),
    sourceType: ingest.lineage.sourceType,
    source: { uri: ingest.lineage.uri, description: ingest.lineage.description, fetched_at: ingest.lineage.fetchedAt },
    schema: {
      mlflow_colspec: [
        { type: "string", name: "date", required: true },
        ...dataset.names.map((name) => ({ type: "double", name, required: true })),
        { type: "long", name: lineage.label.name, required: true },
      ],
    },
    profile: {
      num_rows: lineage.rows,
      num_bars: lineage.barCount,
      first_bar_date: lineage.firstBarDate,
      last_bar_date: lineage.lastBarDate,
      first_row_date: lineage.firstRowDate,
      last_row_date: lineage.lastRowDate,
      warmup_bars: lineage.warmup,
      feature_spec_version: lineage.featureSpecVersion,
      digest_sha256: lineage.digest,
      cleaning: {
        input_rows: ingest.cleaning.inputRows,
        output_rows: ingest.cleaning.outputRows,
        dropped: ingest.cleaning.dropped,
        rejected: ingest.cleaning.rejected,
      },
    },
    context: "training",
  };
}

/** Tags of a new model version: data range, key metrics, baseline, trainer (the decision is tagged later). */
export function versionTags(result: TrainingResult): Record<string, string> {
  const { config, ingest, prepared, fit, evaluation } = result;
  const evalWindow = dateRange(prepared.dataset, prepared.plan.final.eval);
  const tags: Record<string, string> = {
    [VERSION_TAGS.asOf]: ingest.asOf,
    [VERSION_TAGS.trainFirstDate]: fit.firstDate,
    [VERSION_TAGS.trainLastDate]: fit.lastDate,
    [VERSION_TAGS.trainRows]: String(fit.rows),
    [VERSION_TAGS.evalFirstDate]: evalWindow.first,
    [VERSION_TAGS.evalLastDate]: evalWindow.last,
    [VERSION_TAGS.evalRows]: String(evaluation.model.n),
    [VERSION_TAGS.datasetDigest]: prepared.dataset.lineage.digest,
    [VERSION_TAGS.dataSource]: ingest.lineage.description,
    [VERSION_TAGS.trainer]: fit.trained.stats.algorithm,
    [VERSION_TAGS.primaryMetric]: config.promotion.metric,
  };
  for (const [key, value] of Object.entries(flattenReport(evaluation.model, VERSION_TAGS.evalMetricPrefix))) {
    tags[key] = String(value);
  }
  const baseline = metricValue(evaluation.baselines.alwaysUp, config.promotion.metric);
  if (baseline !== null) tags[`${VERSION_TAGS.alwaysUpPrefix}${config.promotion.metric}`] = String(baseline);
  return tags;
}

/** One line describing a version (its MLflow description). */
export function versionDescription(result: TrainingResult): string {
  const { config, ingest, fit, evaluation } = result;
  const metric = config.promotion.metric;
  return (
    `SPY direction forest trained as of ${ingest.asOf} on ${fit.firstDate}..${fit.lastDate} (${fit.rows} rows); ` +
    `${metric} ${formatMetric(metricValue(evaluation.model, metric))} on the last ${evaluation.model.n} trading days ` +
    `(always UP ${formatMetric(metricValue(evaluation.baselines.alwaysUp, metric))}).`
  );
}

/** Uploads files (path -> content) under the run's artifact root, one by one. */
export async function uploadFiles(
  client: MlflowClient,
  artifactUri: string,
  files: Readonly<Record<string, string>>,
): Promise<void> {
  for (const [path, content] of Object.entries(files)) await client.artifacts.upload(artifactUri, path, content);
}
