import { DEFAULT_FEATURE_SPEC, type FeatureSpec } from "../../lib/features/spec.js";
import type { Logger } from "../../lib/log.js";
import { summariseCleaning } from "../../lib/market/clean.js";
import type { MarketDataSource } from "../../lib/market/source.js";
import type { MlflowClient } from "../../lib/mlflow/index.js";
import { createBundleFiles, DEFAULT_ARTIFACT_PATH, readBundleMlModel } from "../../lib/model/bundle.js";
import type { TrainConfig } from "./config.js";
import type { RunContext } from "./context.js";
import { evaluateModel } from "./evaluate.js";
import { fitFinalModel } from "./fit.js";
import { ingest, type IngestResult } from "./ingest.js";
import { recordLiveAccuracy } from "./live-accuracy.js";
import { formatMetric, metricValue } from "./metrics.js";
import { championPlots, trainingPlots } from "./plots.js";
import { prepareData } from "./prepare.js";
import type { Progress } from "./progress.js";
import { decideAndPromote, tagDecision, tagFailedDecision, type PromotionResult } from "./promote.js";
import { registerVersion } from "./register.js";
import { buildReport, formatSummary, predictionsCsv, type TrackingOutcome, type TrainingResult } from "./report.js";
import {
  chosenParams,
  datasetInput,
  evaluationMetrics,
  selectionMetrics,
  settingsParams,
  timingMetrics,
  uploadFiles,
  versionDescription,
  versionTags,
} from "./run-logging.js";
import { RUN_TAGS } from "../../lib/registry/run-tags.js";
import { selectHyperparameters } from "./select.js";
import {
  failRun,
  findDecidedRun,
  finishRun,
  openSession,
  startRun,
  type DecidedRun,
  type MlflowSession,
  type StartedRun,
} from "./tracking.js";

/**
 * The training pipeline: one function composing the stages, with every dependency injected (data source, MLflow
 * client, clock, logger, progress) so tests can run it in-process against a real MLflow server.
 *
 *   connect -> ingest -> (already decided for this as-of date? stop) -> run -> dataset -> select -> train
 *   -> evaluate -> log -> register -> decide -> live (the serving champion's live accuracy) -> report
 *
 * Once the MLflow run exists, any failure ends it FAILED with the error recorded, then propagates.
 */

export interface TrainDeps {
  source: MarketDataSource;
  /** Required unless the config says dry run. */
  mlflow: MlflowClient | undefined;
  now: () => Date;
  logger: Logger;
  progress: Progress;
  context: RunContext;
  /** Default: DEFAULT_FEATURE_SPEC (what the API computes). */
  featureSpec?: FeatureSpec;
}

export type TrainOutcome =
  | { status: "already_done"; asOf: string; run: DecidedRun; summary: string }
  | { status: "dry_run"; result: TrainingResult; summary: string }
  | { status: "trained"; result: TrainingResult; tracking: TrackingOutcome; summary: string };

export async function runTraining(config: TrainConfig, deps: TrainDeps): Promise<TrainOutcome> {
  const { progress } = deps;
  let session: MlflowSession | undefined;
  if (!config.dryRun) {
    const client = deps.mlflow;
    if (!client) throw new Error("runTraining needs an MLflow client unless it is a dry run");
    session = await progress.stage(
      "connect",
      () => openSession(client, config.experimentName),
      (s) => ({ mlflow: client.trackingUri, server_version: s.serverVersion, experiment_id: s.experimentId }),
    );
  }

  const ingested = await progress.stage(
    "ingest",
    () =>
      ingest({
        source: deps.source,
        historyStart: config.market.MARKET_HISTORY_START,
        asOf: config.asOf,
        now: deps.now(),
      }),
    (r) => ({
      as_of: r.asOf,
      bars: r.bars.length,
      first: r.bars[0]?.date,
      source: r.lineage.description,
      cleaning: summariseCleaning(r.cleaning),
    }),
  );

  if (!session) {
    const result = await trainAndEvaluate(config, deps, ingested, undefined);
    return { status: "dry_run", result, summary: formatSummary(result) };
  }

  const active = session;
  const decided = await findDecidedRun(active, ingested.asOf, config.modelName);
  if (decided) {
    const summary =
      `already trained as of ${ingested.asOf}: run ${decided.runId}` +
      `${decided.version ? `, ${config.modelName} v${decided.version}` : ""}, decision ${decided.decision}` +
      `${decided.reason ? ` (${decided.reason})` : ""}; nothing to do\n`;
    progress.note(`already trained as of ${ingested.asOf}: nothing to do`, {
      run_id: decided.runId,
      version: decided.version,
      decision: decided.decision,
    });
    return { status: "already_done", asOf: ingested.asOf, run: decided, summary };
  }

  const run = await progress.stage(
    "run",
    () =>
      startRun(
        active,
        {
          asOf: ingested.asOf,
          requestedAsOf: ingested.requestedAsOf,
          modelName: config.modelName,
          ticker: ingested.lineage.ticker,
          dataSource: ingested.lineage.description,
          dataUri: ingested.lineage.uri,
          trainer: config.trainer.algorithm,
        },
        deps.context,
      ),
    (r) => ({ run_id: r.runId, experiment: config.experimentName }),
  );

  try {
    await active.client.runs.setTag(run.runId, RUN_TAGS.dataCleaning, summariseCleaning(ingested.cleaning));
    const result = await trainAndEvaluate(config, deps, ingested, { session: active, run });
    const tracking = await trackAndPromote(config, deps, active, run, result);
    return { status: "trained", result, tracking, summary: formatSummary(result, tracking) };
  } catch (error) {
    const recorded = await failRun(active.client, run.runId, error, deps.now());
    deps.logger.error(
      { run_id: run.runId, run_marked_failed: recorded, err: error instanceof Error ? error.message : String(error) },
      "training run failed",
    );
    throw error;
  }
}

/** dataset -> select -> train -> evaluate, logging settings and fold scores to the run as soon as they exist. */
async function trainAndEvaluate(
  config: TrainConfig,
  deps: TrainDeps,
  ingested: IngestResult,
  tracking: { session: MlflowSession; run: StartedRun } | undefined,
): Promise<TrainingResult> {
  const { progress } = deps;
  const spec = deps.featureSpec ?? DEFAULT_FEATURE_SPEC;
  const prepared = await progress.stage(
    "dataset",
    () => Promise.resolve(prepareData(ingested.bars, spec, config.split)),
    ({ dataset, plan }) => ({
      rows: dataset.X.length,
      features: dataset.names.length,
      warmup: dataset.lineage.warmup,
      train_rows: plan.final.train.end - plan.final.train.start,
      train_cap: config.split.maxTrain ?? "none",
      train_capped: plan.final.trainCapped,
      eval_rows: plan.final.eval.end - plan.final.eval.start,
      folds: plan.folds.length,
    }),
  );
  if (prepared.plan.final.trainCapped) {
    progress.note(`training window capped at TRAIN_MAX_ROWS=${config.split.maxTrain} rows`, {
      rows_available: prepared.plan.final.train.end,
    });
  }
  if (tracking) {
    await tracking.session.client.runs.logBatch(tracking.run.runId, { params: settingsParams(config, prepared) });
  }

  const selection = await progress.stage(
    "select",
    () =>
      selectHyperparameters({
        dataset: prepared.dataset,
        folds: prepared.plan.folds,
        grid: config.grid,
        trainer: config.trainer,
        metric: config.promotion.metric,
        onProgress: (s) =>
          progress.update(`grid point ${s.candidate}/${s.candidates} (${s.key}) · fold ${s.fold}/${s.folds}`),
      }),
    (s) => ({
      grid_points: s.candidates.length,
      folds: prepared.plan.folds.length,
      chosen: s.best.key,
      [`cv_${s.metric}`]: formatMetric(s.best.mean),
    }),
  );
  if (tracking) {
    await tracking.session.client.runs.logBatch(tracking.run.runId, {
      params: chosenParams(selection),
      metrics: selectionMetrics(selection),
    });
  }

  const fit = await progress.stage(
    "train",
    () =>
      fitFinalModel(prepared.dataset, prepared.plan.final, config.trainer, selection.best.params, (done, total) =>
        progress.update(`${done}/${total} trees`),
      ),
    (f) => ({
      rows: f.rows,
      window: `${f.firstDate}..${f.lastDate}`,
      capped: f.capped,
      trees: f.trained.stats.trees,
      threads: f.trained.stats.threads,
      train_seconds: Number(f.trained.stats.seconds.toFixed(2)),
    }),
  );

  const evaluation = await progress.stage(
    "evaluate",
    () => Promise.resolve(evaluateModel(fit.trained.forest, prepared.dataset, ingested.bars, prepared.plan.final)),
    (e) => ({
      rows: e.model.n,
      roc_auc: formatMetric(e.model.rocAuc),
      accuracy: formatMetric(e.model.accuracy),
      always_up_accuracy: formatMetric(e.baselines.alwaysUp.accuracy),
      prev_day_accuracy: formatMetric(e.baselines.previousDayDirection.accuracy),
    }),
  );
  return { config, ingest: ingested, prepared, selection, fit, evaluation };
}

/** log -> register -> decide -> report, then the run is FINISHED. */
async function trackAndPromote(
  config: TrainConfig,
  deps: TrainDeps,
  session: MlflowSession,
  run: StartedRun,
  result: TrainingResult,
): Promise<TrackingOutcome> {
  const { progress } = deps;
  const { client } = session;

  await progress.stage(
    "log",
    async () => {
      await client.runs.logBatch(run.runId, { metrics: evaluationMetrics(result) });
      await client.runs.logInputs(run.runId, [datasetInput(result.ingest, result.prepared)]);
      const bundle = createBundleFiles({
        trained: result.fit.trained,
        featureSpec: deps.featureSpec ?? DEFAULT_FEATURE_SPEC,
        training: {
          asOf: result.ingest.asOf,
          firstDate: result.fit.firstDate,
          lastDate: result.fit.lastDate,
          rows: result.fit.rows,
          datasetDigest: result.prepared.dataset.lineage.digest,
        },
        smokeRow: result.prepared.dataset.latest.features,
        runId: run.runId,
        codeVersion: deps.context.codeVersion,
        ...(deps.context.gitCommit ? { gitCommit: deps.context.gitCommit } : {}),
        mlflowVersion: session.serverVersion,
        createdAt: deps.now(),
      });
      const prefixed = Object.fromEntries(
        Object.entries(bundle).map(([name, content]) => [`${DEFAULT_ARTIFACT_PATH}/${name}`, content]),
      );
      await uploadFiles(client, run.artifactUri, prefixed);
      await client.runs.logModel(run.runId, readBundleMlModel(bundle));
      const plots = trainingPlots(result);
      await uploadFiles(client, run.artifactUri, plots);
      return { files: Object.keys(prefixed).length + Object.keys(plots).length };
    },
    (r) => ({ artifacts: r.files }),
  );

  const version = await progress.stage(
    "register",
    () =>
      registerVersion(client.registry, {
        model: config.modelName,
        runId: run.runId,
        artifactUri: run.artifactUri,
        tags: versionTags(result),
        description: versionDescription(result),
      }),
    (v) => ({ model: config.modelName, version: v, alias: "challenger" }),
  );
  await client.runs.setTag(run.runId, RUN_TAGS.modelVersion, version);

  const tracking: TrackingOutcome = {
    runId: run.runId,
    experimentId: session.experimentId,
    version,
    promotion: undefined,
    decisionError: undefined,
  };

  let promotion: PromotionResult;
  try {
    promotion = await progress.stage(
      "decide",
      () =>
        decideAndPromote({
          registry: client.registry,
          model: config.modelName,
          version,
          metric: config.promotion.metric,
          margin: config.promotion.margin,
          challenger: result.evaluation.model,
          alwaysUp: result.evaluation.baselines.alwaysUp,
          rows: { X: result.evaluation.X, y: result.evaluation.y },
          featureSpec: deps.featureSpec ?? DEFAULT_FEATURE_SPEC,
          now: deps.now(),
          by: `training job (run ${run.runId})`,
        }),
      (p) => ({
        promoted: p.decision.promote,
        outcome: p.decision.outcome,
        champion_before: p.champion?.version ?? p.incompatibleChampion ?? "none",
        [`champion_${config.promotion.metric}`]: p.champion
          ? formatMetric(metricValue(p.champion.report, config.promotion.metric))
          : undefined,
      }),
    );
  } catch (error) {
    tracking.decisionError = error instanceof Error ? error.message : String(error);
    await tagFailedDecision(client.registry, config.modelName, version, error, deps.now());
    const report = buildReport(result, tracking, progress.timings, deps.now());
    await uploadFiles(client, run.artifactUri, { "eval/report.json": `${JSON.stringify(report, null, 2)}\n` }).catch(
      () => undefined, // best effort: MLflow may be what failed
    );
    throw error;
  }
  tracking.promotion = promotion;
  progress.note(promotion.decision.promote ? "promoted to champion" : "not promoted", {
    reason: promotion.decision.reason,
  });

  // Never throws: a failure is logged and tagged, and the decision above stands.
  await progress.stage(
    "live",
    () =>
      recordLiveAccuracy({
        client,
        model: config.modelName,
        runId: run.runId,
        artifactUri: run.artifactUri,
        champion: promotion.champion?.version ?? promotion.incompatibleChampion ?? null,
        dataset: result.prepared.dataset,
        dataAsOf: result.ingest.asOf,
        featureSpec: deps.featureSpec ?? DEFAULT_FEATURE_SPEC,
        now: deps.now(),
        logger: deps.logger,
      }),
    (live) =>
      live.status === "scored"
        ? {
            champion: live.version,
            days: live.live.summary.days,
            live_accuracy: formatMetric(live.live.summary.accuracy),
          }
        : { champion: live.version ?? "none", skipped: live.status, detail: live.detail },
  );

  await progress.stage(
    "report",
    async () => {
      await tagDecision(client.registry, config.modelName, version, promotion, config.promotion.metric, deps.now());
      const championScore = promotion.champion ? metricValue(promotion.champion.report, config.promotion.metric) : null;
      await client.runs.logBatch(run.runId, {
        metrics: [
          { key: "promoted", value: promotion.decision.promote ? 1 : 0 },
          ...(championScore !== null ? [{ key: `champion_${config.promotion.metric}`, value: championScore }] : []),
          ...timingMetrics(progress.timings),
        ],
      });
      const files: Record<string, string> = {
        "eval/report.json": `${JSON.stringify(buildReport(result, tracking, progress.timings, deps.now()), null, 2)}\n`,
        "eval/predictions.csv": predictionsCsv(result.evaluation, promotion.champion?.pUp),
        ...(promotion.champion ? championPlots(result, version, promotion.champion) : {}),
      };
      await uploadFiles(client, run.artifactUri, files);
      // The decision tags go last: a FINISHED run carrying them is what makes a re-run for this date a no-op.
      await client.runs.logBatch(run.runId, {
        tags: {
          [RUN_TAGS.decision]: promotion.decision.promote ? "promoted" : "not_promoted",
          [RUN_TAGS.decisionReason]: promotion.decision.reason,
        },
      });
      await finishRun(client, run.runId, deps.now());
    },
    () => ({ run_id: run.runId, status: "FINISHED" }),
  );
  return tracking;
}
