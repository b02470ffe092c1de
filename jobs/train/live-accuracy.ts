import type { Dataset } from "../../lib/dataset/build.js";
import type { FeatureSpec } from "../../lib/features/spec.js";
import type { Logger } from "../../lib/log.js";
import { fromKeyValues, type MlflowClient } from "../../lib/mlflow/index.js";
import { BundleError } from "../../lib/model/errors.js";
import { liveAccuracyChart } from "../../lib/monitoring/charts.js";
import {
  buildLiveReport,
  liveMetrics,
  liveVersionTags,
  rowsSince,
  scoreLiveDays,
  type LiveAccuracy,
} from "../../lib/monitoring/live-accuracy.js";
import {
  LIVE_ARTIFACTS,
  LIVE_METRICS,
  LIVE_RUN_TAGS,
  LIVE_VERSION_TAGS,
  type LiveStatus,
} from "../../lib/monitoring/names.js";
import { loadVersionModel } from "../../lib/model/registry-bundle.js";
import { uploadFiles } from "./run-logging.js";

/**
 * The live-accuracy stage (after the promotion decision, before the report): the champion that was serving when
 * this run started is asked for P(UP) on every trading day since its own as-of date, in this run's dataset (rows
 * with a known next close only; features at t from bars up to t), and scored against what happened. Logged as
 * run metrics (daily, weekly, cumulative series and a summary), a JSON report and a chart on this run, and as
 * summary tags on the champion's version. It never throws: a failure is logged and tagged, and training,
 * registration and the decision stand.
 */

export interface LiveAccuracyInput {
  client: MlflowClient;
  model: string;
  runId: string;
  artifactUri: string;
  /** The champion version when this run started (null: there was none). */
  champion: string | null;
  /** This run's dataset: every labelled row up to its as-of date. */
  dataset: Pick<Dataset, "dates" | "X" | "y">;
  /** This run's as-of date. */
  dataAsOf: string;
  /** The feature spec the dataset was computed with. */
  featureSpec: FeatureSpec;
  now: Date;
  logger: Logger;
}

export type LiveAccuracyOutcome =
  | { status: "scored"; version: string; modelAsOf: string; live: LiveAccuracy }
  | { status: Exclude<LiveStatus, "scored">; version: string | null; detail: string };

export async function recordLiveAccuracy(input: LiveAccuracyInput): Promise<LiveAccuracyOutcome> {
  try {
    return await scoreAndLog(input);
  } catch (error) {
    const detail = `live accuracy of champion v${input.champion ?? "?"} failed: ${firstLine(error)}`;
    input.logger.warn({ run_id: input.runId, champion: input.champion, err: firstLine(error) }, detail);
    await tagSkipped(input, "failed", detail).catch((tagError: unknown) =>
      input.logger.warn({ err: firstLine(tagError) }, "could not tag the live-accuracy failure either"),
    );
    return { status: "failed", version: input.champion, detail };
  }
}

async function scoreAndLog(input: LiveAccuracyInput): Promise<LiveAccuracyOutcome> {
  const { client, model, champion } = input;
  if (champion === null) {
    const detail = "no champion was serving when this run started";
    await tagSkipped(input, "no_champion", detail);
    return { status: "no_champion", version: null, detail };
  }
  let loaded;
  try {
    loaded = await loadVersionModel(client.registry, model, champion, input.featureSpec);
  } catch (error) {
    if (!(error instanceof BundleError && error.reason === "incompatible_spec")) throw error;
    const detail = `champion v${champion} was trained on features this code does not compute: ${error.message}`;
    await tagSkipped(input, "incompatible_champion", detail);
    return { status: "incompatible_champion", version: champion, detail };
  }
  const modelAsOf = loaded.metadata.training.as_of;
  const rows = rowsSince(input.dataset, modelAsOf);
  const live = scoreLiveDays(rows.dates, rows.y, loaded.forest.predictUpProbability(rows.X));
  const status: LiveStatus = live.summary.days > 0 ? "scored" : "no_live_days";

  await client.runs.logBatch(input.runId, {
    metrics: liveMetrics(live),
    tags: { [LIVE_RUN_TAGS.status]: status, [LIVE_RUN_TAGS.championVersion]: champion },
  });
  if (status === "scored") {
    const report = buildLiveReport({
      model,
      version: champion,
      modelAsOf,
      dataAsOf: input.dataAsOf,
      scoredAt: input.now,
      runId: input.runId,
      live,
    });
    const chart = liveAccuracyChart({
      version: champion,
      days: live.days,
      alwaysUpAccuracy: live.summary.alwaysUpAccuracy,
    });
    await uploadFiles(client, input.artifactUri, {
      [LIVE_ARTIFACTS.report]: `${JSON.stringify(report, null, 2)}\n`,
      ...(chart ? { [LIVE_ARTIFACTS.plot]: chart } : {}),
    });
  }
  // The version's tags go last (they point at this run's artifacts), unless a run on newer data already wrote them.
  const recorded = fromKeyValues((await client.registry.getVersion(model, champion)).tags)[LIVE_VERSION_TAGS.dataAsOf];
  if (recorded === undefined || recorded <= input.dataAsOf) {
    const tags = liveVersionTags(live.summary, status, {
      runId: input.runId,
      scoredAt: input.now,
      dataAsOf: input.dataAsOf,
    });
    for (const [key, value] of Object.entries(tags)) await client.registry.setVersionTag(model, champion, key, value);
  }
  if (status === "no_live_days") {
    const detail = `no trading day with a known next close since champion v${champion}'s as-of date ${modelAsOf}`;
    return { status, version: champion, detail };
  }
  return { status: "scored", version: champion, modelAsOf, live };
}

/** Records on the run (and on the champion's version, when there is one) why nothing was scored. */
async function tagSkipped(input: LiveAccuracyInput, status: Exclude<LiveStatus, "scored">, detail: string) {
  await input.client.runs.logBatch(input.runId, {
    metrics: [{ key: LIVE_METRICS.days, value: 0 }],
    tags: {
      [LIVE_RUN_TAGS.status]: status,
      [LIVE_RUN_TAGS.detail]: detail.slice(0, 4000),
      ...(input.champion !== null ? { [LIVE_RUN_TAGS.championVersion]: input.champion } : {}),
    },
  });
  if (input.champion !== null) {
    await input.client.registry.setVersionTag(input.model, input.champion, LIVE_VERSION_TAGS.status, status);
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 1000);
}
