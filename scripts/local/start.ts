// The local lab, the embedded default: `npm start` (after `npm ci`) runs MLflow, a first training, the training
// schedule of the Kubernetes CronJob and the prediction API on this machine, as child processes. See --help.
import { runCli } from "../../lib/cli.js";
import { loadApiConfig } from "../../api/config.js";
import { loadDashboardConfig } from "../../api/dashboard/config.js";
import { loadMonitorConfig } from "../../jobs/monitor/config.js";
import { loadTrainConfig } from "../../jobs/train/config.js";
import { childEnvironment, loadLocalLabConfig, parseStartArgs, START_USAGE } from "./config.js";
import { LocalLab } from "./lab.js";
import { checkDataFile, checkPorts, checkYahoo, LabError } from "./preflight.js";
import { MONITOR_CRONJOB_FILE, readCronSchedule } from "./schedule.js";
import { cleanUpAfterCrash, runningLab } from "./state.js";
import { EXIT_CODES } from "../../lib/exit-codes.js";

await runCli("npm start", async () => {
  const flags = parseStartArgs(process.argv.slice(2));
  if (flags.help) {
    console.log(START_USAGE);
    return;
  }
  const config = loadLocalLabConfig(flags.dataFile);

  // Everything is checked before anything starts: the lab's settings, the job's and the API's (with the values
  // the lab will give them), the schedule in the manifest, a lab already running, the ports, the market data.
  const childEnv = childEnvironment(config, `http://127.0.0.1:${config.mlflowPort}`);
  loadTrainConfig({ help: false }, childEnv);
  const api = loadApiConfig(childEnv);
  loadDashboardConfig(childEnv);
  loadMonitorConfig(childEnv);
  const schedule = readCronSchedule();
  const monitorSchedule = readCronSchedule(MONITOR_CRONJOB_FILE);

  const running = runningLab(config.paths.stateFile);
  if (running) {
    throw new LabError(
      `a local lab is already running from ${config.paths.labDir} (pid ${running.pid}, MLflow ${running.mlflow.uri}` +
        `${running.api ? `, API ${running.api.url}` : ""}): stop it first (Ctrl-C in its terminal, or ` +
        `kill -INT ${running.pid}), or use another LAB_DIR`,
      EXIT_CODES.badConfig,
    );
  }
  for (const leftover of await cleanUpAfterCrash(config.paths.stateFile)) {
    console.log(`stopped ${leftover.name} (pid ${leftover.pid}), left running by a lab that did not stop cleanly`);
  }
  await checkPorts(config);
  if (config.dataFile) {
    const data = await checkDataFile(config.dataFile);
    console.log(`market data file: ${data.rows} trading days, ${data.firstDate} .. ${data.lastDate}`);
  } else {
    await checkYahoo(api.market);
  }

  return new LocalLab({
    config,
    schedule,
    monitorSchedule,
    modelName: api.modelName,
    modelAlias: api.modelAlias,
  }).run();
});
