// The training job: `node dist/jobs/train/main.js [--as-of YYYY-MM-DD] [--dry-run]` (npm run train -- ...).
// Exit codes: 0 done or already done for the as-of date, 1 transient (retry), 2 bad configuration or input.
import { runCli } from "../../lib/cli.js";
import { createLogger } from "../../lib/log.js";
import { createMarketDataSource } from "../../lib/market/source-config.js";
import { MlflowClient, mlflowConnectionFromEnv } from "../../lib/mlflow/index.js";
import { closeTrainingWorkers } from "../../lib/model/worker-pool.js";
import { loadTrainConfig, parseTrainArgs, TRAIN_USAGE } from "./config.js";
import { runContext } from "./context.js";
import { runTraining } from "./pipeline.js";
import { createProgress } from "./progress.js";

await runCli("train", async () => {
  const flags = parseTrainArgs(process.argv.slice(2));
  if (flags.help) {
    process.stdout.write(`${TRAIN_USAGE}\n`);
    return 0;
  }
  // Every setting is validated before any work: a typo fails at once with exit 2.
  const config = loadTrainConfig(flags);
  const connection = mlflowConnectionFromEnv();
  const tty = process.stderr.isTTY ? process.stderr : undefined;
  // On a terminal the progress lines tell the story; structured logs then show warnings and errors only.
  const logger = createLogger("train", tty && !process.env.LOG_LEVEL ? "warn" : undefined);
  const progress = createProgress({ logger, ...(tty ? { tty } : {}) });
  tty?.write(
    `training ${config.modelName}${config.asOf ? ` as of ${config.asOf}` : ""}` +
      `${config.dryRun ? " (dry run: nothing is written to MLflow)" : ` · MLflow ${connection.trackingUri}`}\n`,
  );
  try {
    const outcome = await runTraining(config, {
      source: createMarketDataSource(config.market, { logger }),
      mlflow: config.dryRun ? undefined : new MlflowClient({ ...connection, logger }),
      now: () => new Date(),
      logger,
      progress,
      context: await runContext(config.gitCommit),
    });
    process.stdout.write(outcome.summary);
    return 0;
  } finally {
    await closeTrainingWorkers();
  }
});
