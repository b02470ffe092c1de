// Follows the logs of a training Job in the lab: the newest one, or the one named.
//   npm run lab:logs                  newest training job (scheduled, initial or manual)
//   npm run lab:logs -- JOB_NAME
import type { IJob } from "kubernetes-models/batch/v1/Job";
import { echo } from "zx";
import { runCli, UsageError } from "../../lib/cli.js";
import { hostKubectl } from "./lib/kubectl.js";
import { loadLabConfig } from "./lib/lab-config.js";

await runCli("lab:logs", async () => {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) return void echo("usage: npm run lab:logs [-- JOB_NAME]");
  if (argv.length > 1) throw new UsageError("give at most one job name");
  const config = loadLabConfig();
  const kubectl = await hostKubectl(config);
  const ns = config.cluster.namespace;
  let name = argv[0];
  if (!name) {
    const jobs = await kubectl.json<{ items: IJob[] }>([
      "-n",
      ns,
      "get",
      "jobs",
      "-l",
      "app.kubernetes.io/name=training",
    ]);
    const newest = jobs.items
      .filter((job) => job.metadata?.creationTimestamp)
      .sort((a, b) => String(b.metadata?.creationTimestamp).localeCompare(String(a.metadata?.creationTimestamp)))[0];
    if (!newest?.metadata?.name)
      throw new Error(`no training job in namespace ${ns} yet: start one with npm run lab:train`);
    name = newest.metadata.name;
  }
  echo(`logs of job ${name}:`);
  return kubectl.stream(["-n", ns, "logs", "-f", `job/${name}`, "--pod-running-timeout=5m"]);
});
