// The monitor: `node dist/jobs/monitor/main.js` (npm run monitor), run by the monitor CronJob and the local lab's
// scheduler. Exit codes: 0 checked, 1 MLflow unreachable or a notification not delivered (retry), 2 bad configuration.
import { runCli } from "../../lib/cli.js";
import { EXIT_CODES } from "../../lib/exit-codes.js";
import { createLogger } from "../../lib/log.js";
import { MlflowClient } from "../../lib/mlflow/index.js";
import { loadMonitorConfig, MONITOR_USAGE, parseMonitorArgs } from "./config.js";
import { formatMonitorSummary, runMonitor } from "./monitor.js";

await runCli("monitor", async () => {
  if (parseMonitorArgs(process.argv.slice(2)).help) {
    process.stdout.write(`${MONITOR_USAGE}\n`);
    return EXIT_CODES.ok;
  }
  const config = loadMonitorConfig();
  // On a terminal the summary tells the story; structured logs then show warnings and errors only.
  const logger = createLogger("monitor", process.stdout.isTTY && !process.env.LOG_LEVEL ? "warn" : undefined);
  const client = new MlflowClient({ ...config.mlflow, logger });
  const outcome = await runMonitor(config, { client, now: () => new Date(), logger });
  process.stdout.write(formatMonitorSummary(outcome, config, client.trackingUri));
  return outcome.deliveryError ? EXIT_CODES.transient : EXIT_CODES.ok;
});
