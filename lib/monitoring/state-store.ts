import { fromKeyValues, type MetricInput, type MlflowClient, type Run } from "../mlflow/index.js";
import { parseAlertRecord, pendingEvents, type AlertState } from "./alert-state.js";
import type { AlertStatus } from "./alerts.js";
import { ALERT_NAMES, MONITOR_METRICS, MONITOR_RUN_KIND, MONITOR_RUN_TAGS } from "./names.js";
import type { MonitoringSnapshot } from "./snapshot.js";

/**
 * The alert state lives in MLflow, the one store that the CronJob in the cluster, the local lab's scheduler, a
 * person running `npm run monitor` and the API can all reach: one run per registered model in the monitoring
 * experiment, found by its tags. Each alert's record is a JSON tag (`alert.<name>`), written in one log-batch
 * (tags are upserts), and each check also appends `alert_active/<name>` and the measured values as metrics, so
 * the MLflow UI charts the alert history.
 */

export interface StateRunTarget {
  model: string;
  monitorExperimentName: string;
}

export interface StoredAlertState {
  runId: string;
  state: AlertState;
  lastCheckAt: string | null;
  /** "configured" | "not configured", as the last check saw ALERT_WEBHOOK_URL. */
  webhook: string | null;
}

const EXPERIMENT_NOTE =
  "Model monitoring of spy-mlops-lab: one run per registered model holds the alert state (tags alert.*) and " +
  "the history of every check (metrics alert_active/*).";

function stateFilter(model: string): string {
  return `tags.\`${MONITOR_RUN_TAGS.kind}\` = '${MONITOR_RUN_KIND}' and tags.\`${MONITOR_RUN_TAGS.model}\` = '${model}'`;
}

function storedState(run: Run): StoredAlertState {
  const tags = fromKeyValues(run.data?.tags);
  const state: AlertState = {};
  for (const name of ALERT_NAMES) {
    const record = parseAlertRecord(tags[`${MONITOR_RUN_TAGS.alertPrefix}${name}`]);
    if (record) state[name] = record;
  }
  return {
    runId: run.info!.run_id!,
    state,
    lastCheckAt: tags[MONITOR_RUN_TAGS.lastCheckAt] ?? null,
    webhook: tags[MONITOR_RUN_TAGS.webhook] ?? null,
  };
}

/** The oldest state run of the model in `experimentId` (two monitors racing to create one converge on it). */
async function findStateRun(client: MlflowClient, experimentId: string, model: string): Promise<Run | undefined> {
  const page = await client.runs.search({
    experimentIds: [experimentId],
    filter: stateFilter(model),
    orderBy: ["attributes.start_time ASC"],
    maxResults: 1,
  });
  return page.items[0];
}

/** Reads the stored state without creating anything (the API); null when the monitor never ran. */
export async function readAlertState(client: MlflowClient, target: StateRunTarget): Promise<StoredAlertState | null> {
  const experiment = await client.experiments.findByName(target.monitorExperimentName);
  if (!experiment?.experiment_id || experiment.lifecycle_stage !== "active") return null;
  const run = await findStateRun(client, experiment.experiment_id, target.model);
  return run ? storedState(run) : null;
}

/** The state run of the model, created (with its experiment) on the first check. */
export async function openAlertState(client: MlflowClient, target: StateRunTarget): Promise<StoredAlertState> {
  const experiment = await client.experiments.getOrCreate(target.monitorExperimentName, {
    "mlflow.note.content": EXPERIMENT_NOTE,
  });
  const experimentId = experiment.experiment_id!;
  const found = await findStateRun(client, experimentId, target.model);
  if (found) return storedState(found);
  const created = await client.runs.create({
    experimentId,
    runName: `alerts-${target.model}`,
    tags: {
      [MONITOR_RUN_TAGS.kind]: MONITOR_RUN_KIND,
      [MONITOR_RUN_TAGS.model]: target.model,
      "mlflow.note.content": `Alert state of registered model **${target.model}**, written by the monitor at each check.`,
    },
  });
  // Another monitor may have created one at the same moment: everyone keeps the oldest.
  return storedState((await findStateRun(client, experimentId, target.model)) ?? created);
}

/** Writes the state (one log-batch: every alert's tag, the check's metrics) and stamps the run's end time. */
export async function saveAlertState(
  client: MlflowClient,
  runId: string,
  state: AlertState,
  check: { at: Date; webhookConfigured: boolean; metrics: readonly MetricInput[] },
): Promise<void> {
  const tags: Record<string, string> = {
    [MONITOR_RUN_TAGS.lastCheckAt]: check.at.toISOString(),
    [MONITOR_RUN_TAGS.webhook]: check.webhookConfigured ? "configured" : "not configured",
    [MONITOR_RUN_TAGS.pending]: String(pendingEvents(state).length),
  };
  for (const name of ALERT_NAMES) {
    const record = state[name];
    if (record) tags[`${MONITOR_RUN_TAGS.alertPrefix}${name}`] = JSON.stringify(record);
  }
  await client.runs.logBatch(runId, { tags, metrics: check.metrics });
  await client.runs.update(runId, { status: "FINISHED", endTime: check.at.getTime() });
}

/**
 * The metrics one check appends to the state run: each alert's 0/1 and the value it was judged on (hours of age,
 * an accuracy), and the champion's live accuracy.
 */
export function checkMetrics(statuses: readonly AlertStatus[], snapshot: MonitoringSnapshot, now: Date): MetricInput[] {
  const timestamp = now.getTime();
  const metrics: MetricInput[] = [];
  for (const status of statuses) {
    metrics.push({
      key: `${MONITOR_METRICS.alertActivePrefix}${status.name}`,
      value: status.active ? 1 : 0,
      timestamp,
    });
    if (status.value !== null) {
      metrics.push({ key: `${MONITOR_METRICS.alertValuePrefix}${status.name}`, value: status.value, timestamp });
    }
  }
  const live = snapshot.champion?.live;
  if (live && live.accuracy !== null) {
    metrics.push({ key: MONITOR_METRICS.championLiveAccuracy, value: live.accuracy, timestamp });
    metrics.push({ key: MONITOR_METRICS.championLiveDays, value: live.days, timestamp });
  }
  return metrics;
}
