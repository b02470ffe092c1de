/**
 * npm run bench:train: the whole training job (default settings unless overridden by the usual environment
 * variables) on the full SPY history (../shared/data/spy-daily.csv, or $SPY_DATA_DIR) against a throwaway local
 * MLflow server in a temporary folder. Prints wall time and peak memory per stage and in total (server start-up
 * excluded); the last line is one JSON object:
 *   {"bench":"train","rows":...,"trees":...,"total_s":...,"train_s":...,"peak_mb":...,"roc_auc":...}
 * rows = labelled rows of the dataset, train_s = the final forest's training stage, peak_mb = the process's
 * peak resident memory (worker threads included).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { createLogger } from "../../lib/log.js";
import { createMarketDataSource } from "../../lib/market/source-config.js";
import { MlflowClient } from "../../lib/mlflow/index.js";
import { closeTrainingWorkers } from "../../lib/model/worker-pool.js";
import { loadTrainConfig } from "../../jobs/train/config.js";
import { runContext } from "../../jobs/train/context.js";
import { runTraining } from "../../jobs/train/pipeline.js";
import { createProgress } from "../../jobs/train/progress.js";
import { spyFullCsv } from "../../tests/helpers/data.js";
import { startMlflowServer } from "../lib/mlflow-server.js";
import { ensurePythonEnv } from "../lib/python-env.js";

const log = (line: string): void => console.log(line);

await ensurePythonEnv();
const dataDir = await mkdtemp(path.join(tmpdir(), "bench-train-"));
const server = await startMlflowServer({ dataDir });
log(`MLflow ${server.uri} (throwaway, ${dataDir}) ready in ${(server.startupMs / 1000).toFixed(1)} s`);

try {
  const env = { ...process.env, MARKET_DATA_FILE: spyFullCsv(), MLFLOW_TRACKING_URI: server.uri };
  const config = loadTrainConfig({}, env);
  const logger = createLogger("bench-train", "warn");
  const progress = createProgress({ logger });
  const started = performance.now();
  const outcome = await runTraining(config, {
    source: createMarketDataSource(config.market, { logger }),
    mlflow: new MlflowClient({ trackingUri: server.uri, logger }),
    now: () => new Date(),
    logger,
    progress,
    context: await runContext(undefined),
  });
  const totalS = (performance.now() - started) / 1000;
  if (outcome.status !== "trained") throw new Error(`expected a full training run, got ${outcome.status}`);
  const { result } = outcome;
  const peakMb = Math.round(process.resourceUsage().maxRSS / 1024);

  log(outcome.summary);
  log(
    `settings: trainer ${config.trainer.algorithm}, ${config.trainer.nEstimators} trees, ${config.trainer.threads} threads, ` +
      `grid ${result.selection.candidates.length} points x ${result.prepared.plan.folds.length} folds, ` +
      `eval ${config.split.evalDays} days, cap ${config.split.maxTrain ?? "none"}`,
  );
  log("");
  log(`${"stage".padEnd(10)} ${"wall s".padStart(8)} ${"peak MiB".padStart(9)}`);
  for (const timing of progress.timings) {
    log(`${timing.stage.padEnd(10)} ${timing.seconds.toFixed(2).padStart(8)} ${String(timing.peakRssMb).padStart(9)}`);
  }
  log(`${"total".padEnd(10)} ${totalS.toFixed(2).padStart(8)} ${String(peakMb).padStart(9)}`);
  log("");
  const train = progress.timings.find((timing) => timing.stage === "train");
  log(
    JSON.stringify({
      bench: "train",
      rows: result.prepared.dataset.X.length,
      trees: result.fit.trained.stats.trees,
      total_s: Number(totalS.toFixed(2)),
      train_s: train?.seconds ?? null,
      peak_mb: peakMb,
      roc_auc: result.evaluation.model.rocAuc === null ? null : Number(result.evaluation.model.rocAuc.toFixed(4)),
    }),
  );
} finally {
  await closeTrainingWorkers();
  await server.stop();
  await rm(dataDir, { recursive: true, force: true });
}
