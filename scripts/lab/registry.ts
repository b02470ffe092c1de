// Runs the registry CLI (node dist/jobs/registry/main.js) inside the cluster, as a Job from the training
// CronJob's template (same image, settings, security context and network access to MLflow).
//   npm run lab:registry -- list
//   npm run lab:registry -- promote 7
//   npm run lab:rollback                  champion back to previous-champion
//   npm run lab:rollback -- 5             champion to version 5
import { echo } from "zx";
import { runCli } from "../../lib/cli.js";
import { REGISTRY_USAGE, registryArgs } from "./lib/args.js";
import { jobFromCronJob, timestampedName } from "./lib/jobs.js";
import { hostKubectl } from "./lib/kubectl.js";
import { loadLabConfig } from "./lib/lab-config.js";
import { createJob, followJob, trainingCronJob } from "./lib/one-off.js";

await runCli("lab:registry", async () => {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) return void echo(REGISTRY_USAGE);
  const args = registryArgs(argv);
  const config = loadLabConfig();
  const kubectl = await hostKubectl(config);
  const ns = config.cluster.namespace;
  const name = timestampedName(`registry-${args[0] ?? "cli"}`);
  const job = jobFromCronJob(await trainingCronJob(kubectl, ns), {
    name,
    trigger: "registry",
    container: { name: "registry", command: ["node", "dist/jobs/registry/main.js"] },
    args,
    backoffLimit: 1,
    activeDeadlineSeconds: 300,
  });
  await createJob(kubectl, job);
  const outcome = await followJob(kubectl, ns, name, 420);
  echo(`job ${name}: ${outcome}`);
  return outcome === "complete" ? 0 : 1;
});
