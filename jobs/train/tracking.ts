import { fromKeyValues, type MlflowClient } from "../../lib/mlflow/index.js";
import type { RunContext } from "./context.js";
import { RUN_TAGS } from "../../lib/registry/run-tags.js";

/**
 * The MLflow side of a training run: connection check, experiment, the idempotency lookup by as-of date, and the
 * run's start and end (FINISHED, or FAILED with the error recorded).
 */

export interface MlflowSession {
  client: MlflowClient;
  experimentId: string;
  serverVersion: string;
}

/**
 * The server's version (the first call, retried like every call, so a server that is restarting gets its retry
 * budget) and the experiment (created if missing, restored if deleted).
 */
export async function openSession(client: MlflowClient, experimentName: string): Promise<MlflowSession> {
  const serverVersion = await client.serverVersion();
  const experiment = await client.experiments.getOrCreate(experimentName, {
    "mlflow.note.content": "SPY next-day direction: one run per training as-of date (spy-mlops-lab training job).",
  });
  return { client, experimentId: experiment.experiment_id!, serverVersion };
}

/** A finished run that already recorded its promotion decision for an as-of date. */
export interface DecidedRun {
  runId: string;
  decision: string;
  reason: string | undefined;
  version: string | undefined;
}

/**
 * The run that already trained, registered and decided for this as-of date and model, if any: then there is
 * nothing left to do (and no alias may move again). Failed or unfinished runs do not count.
 */
export async function findDecidedRun(
  session: MlflowSession,
  asOf: string,
  modelName: string,
): Promise<DecidedRun | undefined> {
  const runs = await session.client.runs.searchAll(
    {
      experimentIds: [session.experimentId],
      filter:
        `tags.${RUN_TAGS.asOf} = '${asOf}' and tags.${RUN_TAGS.modelName} = '${modelName}' ` +
        `and attributes.status = 'FINISHED'`,
      orderBy: ["attributes.start_time DESC"],
    },
    100,
  );
  for (const run of runs) {
    const tags = fromKeyValues(run.data?.tags);
    const decision = tags[RUN_TAGS.decision];
    if (decision && decision !== "failed" && run.info?.run_id) {
      return {
        runId: run.info.run_id,
        decision,
        reason: tags[RUN_TAGS.decisionReason],
        version: tags[RUN_TAGS.modelVersion],
      };
    }
  }
  return undefined;
}

export interface StartedRun {
  runId: string;
  artifactUri: string;
}

export interface RunIdentity {
  asOf: string;
  requestedAsOf: string | undefined;
  modelName: string;
  ticker: string;
  dataSource: string;
  dataUri: string;
  trainer: string;
}

/** Creates the run with the system tags MLflow's UI shows (source, user, git commit) and the job's own tags. */
export async function startRun(
  session: MlflowSession,
  identity: RunIdentity,
  context: RunContext,
): Promise<StartedRun> {
  const tags: Record<string, string> = {
    "mlflow.source.name": context.sourceName,
    "mlflow.source.type": "JOB",
    "mlflow.user": context.user,
    ...(context.gitCommit ? { "mlflow.source.git.commit": context.gitCommit } : {}),
    [RUN_TAGS.asOf]: identity.asOf,
    ...(identity.requestedAsOf ? { [RUN_TAGS.requestedAsOf]: identity.requestedAsOf } : {}),
    [RUN_TAGS.modelName]: identity.modelName,
    [RUN_TAGS.ticker]: identity.ticker,
    [RUN_TAGS.dataSource]: identity.dataSource,
    [RUN_TAGS.dataUri]: identity.dataUri,
    [RUN_TAGS.trainer]: identity.trainer,
    [RUN_TAGS.codeVersion]: context.codeVersion,
    [RUN_TAGS.mlflowServerVersion]: session.serverVersion,
  };
  const run = await session.client.runs.create({
    experimentId: session.experimentId,
    runName: `train-${identity.asOf}`,
    tags,
  });
  return { runId: run.info!.run_id!, artifactUri: run.info!.artifact_uri! };
}

export async function finishRun(client: MlflowClient, runId: string, now: Date): Promise<void> {
  await client.runs.update(runId, { status: "FINISHED", endTime: now.getTime() });
}

/**
 * Ends the run FAILED with the error as a tag and as the run's description. Best effort: when MLflow itself is
 * the problem this fails too, and the caller reports the original error. Returns whether it worked.
 */
export async function failRun(client: MlflowClient, runId: string, error: unknown, now: Date): Promise<boolean> {
  const message = error instanceof Error ? error.message : String(error);
  const line = message.split("\n")[0]!.slice(0, 4000);
  try {
    await client.runs.logBatch(runId, {
      tags: {
        [RUN_TAGS.error]: line,
        [RUN_TAGS.note]: `**Training failed** at ${now.toISOString()}:\n\n${message.slice(0, 7000)}`,
      },
    });
  } catch {
    // keep going: the status matters more than the note
  }
  try {
    await client.runs.update(runId, { status: "FAILED", endTime: now.getTime() });
    return true;
  } catch {
    return false;
  }
}
