import { ALIASES, VERSION_TAGS } from "../registry/names.js";
import { RUN_TAGS } from "../registry/run-tags.js";
import {
  fromKeyValues,
  isAliasNotFound,
  isNotFound,
  type MlflowClient,
  type ModelVersion,
  type Run,
  type RunStatus,
} from "../mlflow/index.js";
import { liveSummaryFromTags, type LiveSummary, type LiveTagInfo } from "./live-accuracy.js";

/**
 * What the alerts are evaluated on, read from MLflow with five point lookups: the newest version, the champion (with
 * its live-accuracy tags), the training experiment, its last finished run and its last successful run. The
 * monitor and the API read the same snapshot, so they agree on every alert.
 */

export interface VersionInfo {
  version: string;
  createdAt: Date | null;
  /** The as-of date the version was trained on (version tag). */
  asOf: string | null;
  /** Accuracy on the version's evaluation window (version tag), when recorded. */
  evalAccuracy: number | null;
  evalRows: number | null;
  /** The latest live-accuracy summary the training job tagged on the version, if any. */
  live: (LiveSummary & LiveTagInfo) | undefined;
  tags: Record<string, string>;
}

export interface TrainingRunInfo {
  runId: string;
  status: RunStatus;
  asOf: string | null;
  startedAt: Date | null;
  endedAt: Date | null;
  /** The error the job recorded when the run failed. */
  error: string | null;
  /** The version the run registered, if it got that far. */
  version: string | null;
}

export interface MonitoringSnapshot {
  model: string;
  readAt: Date;
  /** The highest version number of the model; null when the model has no version (or does not exist). */
  newest: VersionInfo | null;
  /** The version the `champion` alias names; null when it is not set. */
  champion: VersionInfo | null;
  /** Whether the training experiment exists. */
  experimentFound: boolean;
  /** The most recent training run of the model that is not RUNNING. */
  lastRun: TrainingRunInfo | null;
  /** The most recent FINISHED training run of the model. */
  lastSuccess: TrainingRunInfo | null;
}

export interface SnapshotTarget {
  model: string;
  experimentName: string;
}

export async function readMonitoringSnapshot(
  client: MlflowClient,
  target: SnapshotTarget,
  now: Date = new Date(),
): Promise<MonitoringSnapshot> {
  const [newest, champion, experiment] = await Promise.all([
    client.registry.searchVersions({ filter: `name = '${target.model}'`, maxResults: 1 }).catch((error: unknown) => {
      if (isNotFound(error)) return [];
      throw error;
    }),
    readChampion(client, target.model),
    client.experiments.findByName(target.experimentName),
  ]);
  const experimentId = experiment?.lifecycle_stage === "active" ? experiment.experiment_id : undefined;
  const lastRunOf = async (statusFilter: string): Promise<TrainingRunInfo | null> => {
    if (experimentId === undefined) return null;
    const page = await client.runs.search({
      experimentIds: [experimentId],
      filter: `tags.${RUN_TAGS.modelName} = '${target.model}' and ${statusFilter}`,
      orderBy: ["attributes.start_time DESC"],
      maxResults: 1,
    });
    return page.items[0] ? trainingRunInfo(page.items[0]) : null;
  };
  const [lastRun, lastSuccess] = await Promise.all([
    lastRunOf("attributes.status != 'RUNNING'"),
    lastRunOf("attributes.status = 'FINISHED'"),
  ]);
  return {
    model: target.model,
    readAt: now,
    newest: newest[0] ? versionInfo(newest[0]) : null,
    champion: champion ? versionInfo(champion) : null,
    experimentFound: experimentId !== undefined,
    lastRun,
    lastSuccess,
  };
}

/** The champion's version, or null when the alias (or the model) does not exist. */
async function readChampion(client: MlflowClient, model: string): Promise<ModelVersion | null> {
  try {
    return await client.registry.getVersionByAlias(model, ALIASES.champion);
  } catch (error) {
    if (isAliasNotFound(error) || isNotFound(error)) return null;
    throw error;
  }
}

function finiteNumber(text: string | undefined): number | null {
  if (text === undefined || text.trim() === "") return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
}

export function versionInfo(version: ModelVersion): VersionInfo {
  const tags = fromKeyValues(version.tags);
  return {
    version: version.version ?? "?",
    createdAt: version.creation_timestamp ? new Date(version.creation_timestamp) : null,
    asOf: tags[VERSION_TAGS.asOf] ?? null,
    evalAccuracy: finiteNumber(tags[`${VERSION_TAGS.evalMetricPrefix}accuracy`]),
    evalRows: finiteNumber(tags[VERSION_TAGS.evalRows]),
    live: liveSummaryFromTags(tags),
    tags,
  };
}

export function trainingRunInfo(run: Run): TrainingRunInfo {
  const tags = fromKeyValues(run.data?.tags);
  const info = run.info ?? {};
  return {
    runId: info.run_id ?? "?",
    status: info.status ?? "FINISHED",
    asOf: tags[RUN_TAGS.asOf] ?? null,
    startedAt: info.start_time ? new Date(info.start_time) : null,
    endedAt: info.end_time ? new Date(info.end_time) : null,
    error: tags[RUN_TAGS.error] ?? null,
    version: tags[RUN_TAGS.modelVersion] ?? null,
  };
}
