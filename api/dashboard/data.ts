import { VERSION_TAGS, type ChampionEvent, parseChampionEvents } from "../../lib/registry/names.js";
import { RUN_METRIC_PREFIXES, RUN_TAGS } from "../../lib/registry/run-tags.js";
import { fromKeyValues, isNotFound, type MlflowClient, type Run } from "../../lib/mlflow/index.js";
import type { RunAccuracy } from "../../lib/monitoring/charts.js";
import type { MonitoringSettings } from "../../lib/monitoring/config.js";
import { parseLiveReport, type LiveReport } from "../../lib/monitoring/live-accuracy.js";
import { LIVE_ARTIFACTS, LIVE_METRICS, LIVE_RUN_TAGS } from "../../lib/monitoring/names.js";
import {
  readMonitoringSnapshot,
  versionInfo,
  type MonitoringSnapshot,
  type VersionInfo,
} from "../../lib/monitoring/snapshot.js";
import { readAlertState, type StoredAlertState } from "../../lib/monitoring/state-store.js";

/**
 * Everything the dashboard shows, read from MLflow in one refresh (about ten requests): the alert snapshot shared
 * with the monitor, every version with its tags and aliases, the finished training runs with their accuracy, the
 * champion's live-accuracy report and the monitor's stored alert state.
 */

/**
 * Most versions and runs read (newest first): about six months of daily training. A run weighs 20-40 kB in a
 * search answer (all its metrics), so the run history is read only after a run ends, and parsing it stays short.
 */
export const DASHBOARD_LIMITS = { versions: 100, runs: 130 } as const;

export interface RunRow extends RunAccuracy {
  runId: string;
  artifactUri: string | null;
  /** The champion whose live accuracy the run scored. */
  liveVersion: string | null;
  version: string | null;
  decision: string | null;
  rocAuc: number | null;
  liveDays: number | null;
  startedAt: Date | null;
}

export interface VersionRow extends VersionInfo {
  aliases: string[];
  decision: string | null;
  decisionReason: string | null;
  rocAuc: number | null;
}

/** A change of the champion alias, as recorded on the version that became champion. */
export type ChampionChange = ChampionEvent;

export interface DashboardData {
  readAt: Date;
  settings: MonitoringSettings;
  snapshot: MonitoringSnapshot;
  /** Newest first. */
  versions: VersionRow[];
  /** Every recorded change of the champion, newest first. */
  changes: ChampionChange[];
  /** Finished training runs and the live-accuracy report of the newest run that scored live days. */
  history: RunHistory;
  /** The monitor's stored state (null when the monitor never ran against this MLflow). */
  alertState: StoredAlertState | null;
}

function metric(run: Run, key: string): number | null {
  const found = run.data?.metrics?.find((m) => m.key === key)?.value;
  return typeof found === "number" && Number.isFinite(found) ? found : null;
}

function tag(tags: Readonly<Record<string, string>>, key: string): string | null {
  return tags[key] ?? null;
}

function numberTag(tags: Readonly<Record<string, string>>, key: string): number | null {
  const value = tags[key];
  if (value === undefined || value.trim() === "") return null;
  const parsed = Number(value);
  return Number.isFinite(parsed) ? parsed : null;
}

/** Run metrics the training job logs (jobs/train/run-logging.ts: evaluationMetrics). */
const RUN_METRICS = {
  accuracy: `${RUN_METRIC_PREFIXES.model}accuracy`,
  rocAuc: `${RUN_METRIC_PREFIXES.model}roc_auc`,
  alwaysUpAccuracy: `${RUN_METRIC_PREFIXES.alwaysUp}accuracy`,
} as const;

export function runRow(run: Run): RunRow | null {
  const tags = fromKeyValues(run.data?.tags);
  const asOf = tags[RUN_TAGS.asOf];
  if (!asOf || !run.info?.run_id) return null;
  return {
    runId: run.info.run_id,
    artifactUri: run.info.artifact_uri ?? null,
    liveVersion: tag(tags, LIVE_RUN_TAGS.championVersion),
    asOf,
    accuracy: metric(run, RUN_METRICS.accuracy),
    alwaysUpAccuracy: metric(run, RUN_METRICS.alwaysUpAccuracy),
    championLiveAccuracy: metric(run, LIVE_METRICS.accuracy),
    liveDays: metric(run, LIVE_METRICS.days),
    rocAuc: metric(run, RUN_METRICS.rocAuc),
    version: tag(tags, RUN_TAGS.modelVersion),
    decision: tag(tags, RUN_TAGS.decision),
    startedAt: run.info.start_time ? new Date(run.info.start_time) : null,
  };
}

/** The training history: finished runs and the newest live-accuracy report. It only changes when a run ends. */
export interface RunHistory {
  /** The last finished and last successful run ids it was read for. */
  key: string;
  runs: RunRow[];
  live: LiveReport | null;
  liveError: string | null;
}

function historyKey(snapshot: MonitoringSnapshot): string {
  return `${snapshot.lastRun?.runId ?? "-"}/${snapshot.lastSuccess?.runId ?? "-"}`;
}

/** Finished runs of the model, oldest as-of date first, and the newest run's live report. */
async function readRunHistory(
  client: MlflowClient,
  experimentId: string | undefined,
  model: string,
  key: string,
): Promise<RunHistory> {
  let runs: RunRow[] = [];
  if (experimentId !== undefined) {
    const found = await client.runs.searchAll(
      {
        experimentIds: [experimentId],
        filter: `tags.${RUN_TAGS.modelName} = '${model}' and attributes.status = 'FINISHED'`,
        orderBy: ["attributes.start_time DESC"],
        maxResults: DASHBOARD_LIMITS.runs,
      },
      DASHBOARD_LIMITS.runs,
    );
    runs = found
      .map(runRow)
      .filter((row): row is RunRow => row !== null)
      .sort((a, b) => (a.asOf < b.asOf ? -1 : a.asOf > b.asOf ? 1 : 0));
  }
  // The newest run that scored live days: the champion that was serving up to that run (usually today's champion;
  // the one it replaced when a promotion just happened).
  const scored = runs.findLast((run) => (run.liveDays ?? 0) > 0 && run.artifactUri !== null);
  let live: LiveReport | null = null;
  let liveError: string | null = null;
  if (scored) {
    try {
      const bytes = await client.artifacts.download(scored.artifactUri!, LIVE_ARTIFACTS.report);
      live = parseLiveReport(new TextDecoder().decode(bytes));
    } catch (error) {
      liveError = `live accuracy report of run ${scored.runId}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }
  return { key, runs, live, liveError };
}

/**
 * Reads the dashboard's data. The registry part (snapshot, versions, aliases, alert state: a few hundred kB at most)
 * is read every time; the run history (tens of kB per run) only when the snapshot shows a run ended since
 * `previous` was read, so a steady-state refresh stays small and quick to parse.
 */
export async function readDashboardData(
  client: MlflowClient,
  settings: MonitoringSettings,
  now: Date = new Date(),
  previous?: DashboardData,
): Promise<DashboardData> {
  const { model } = settings;
  const [snapshot, registered, versions, experiment, alertState] = await Promise.all([
    readMonitoringSnapshot(client, { model, experimentName: settings.experimentName }, now),
    client.registry.getModel(model).catch((error: unknown) => {
      if (isNotFound(error)) return undefined;
      throw error;
    }),
    client.registry.searchVersions({ filter: `name = '${model}'`, maxResults: DASHBOARD_LIMITS.versions }),
    client.experiments.findByName(settings.experimentName),
    readAlertState(client, { model, monitorExperimentName: settings.monitorExperimentName }),
  ]);

  const aliasesOf = new Map<string, string[]>();
  for (const { alias, version } of registered?.aliases ?? []) {
    if (alias && version) aliasesOf.set(version, [...(aliasesOf.get(version) ?? []), alias].sort());
  }
  const versionRows: VersionRow[] = versions.map((version) => {
    const info = versionInfo(version);
    return {
      ...info,
      aliases: aliasesOf.get(info.version) ?? [],
      decision: tag(info.tags, VERSION_TAGS.decision),
      decisionReason: tag(info.tags, VERSION_TAGS.decisionReason),
      rocAuc: numberTag(info.tags, `${VERSION_TAGS.evalMetricPrefix}roc_auc`),
    };
  });
  const changes = versionRows
    .flatMap((row) => parseChampionEvents(row.tags[VERSION_TAGS.championEvents]))
    .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));

  const key = historyKey(snapshot);
  const experimentId = experiment?.lifecycle_stage === "active" ? experiment.experiment_id : undefined;
  const history =
    previous && previous.history.key === key && !previous.history.liveError
      ? previous.history
      : await readRunHistory(client, experimentId, model, key);

  return { readAt: now, settings, snapshot, versions: versionRows, changes, history, alertState };
}
