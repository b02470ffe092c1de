// Starts a training run in the lab now (a Job from the training CronJob's template) and follows its logs.
//   npm run lab:train                          train as of today
//   npm run lab:train -- --as-of 2024-05-01    train as of a past date
//   npm run lab:train -- --no-follow           start it and return
import { echo } from "zx";
import { runCli, UsageError } from "../../lib/cli.js";
import { envSchemas } from "../../lib/config.js";
import { jobFromCronJob, timestampedName } from "./lib/jobs.js";
import { hostKubectl } from "./lib/kubectl.js";
import { LAB_OBJECTS, loadLabConfig } from "./lib/lab-config.js";
import { createJob, followJob, trainingCronJob } from "./lib/one-off.js";

const USAGE = "usage: npm run lab:train [-- --as-of YYYY-MM-DD] [--no-follow]";

await runCli("lab:train", async () => {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) return void echo(USAGE);
  let asOf: string | undefined;
  let follow = true;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--no-follow") follow = false;
    else if (arg === "--as-of") {
      const parsed = envSchemas.isoDate().safeParse(argv[++i]);
      if (!parsed.success) throw new UsageError(`--as-of needs a date YYYY-MM-DD (${USAGE})`);
      asOf = parsed.data;
    } else throw new UsageError(`unexpected argument ${String(arg)} (${USAGE})`);
  }

  const config = loadLabConfig();
  const kubectl = await hostKubectl(config);
  const ns = config.cluster.namespace;
  const cronJob = await trainingCronJob(kubectl, ns);
  const name = timestampedName(`${LAB_OBJECTS.trainingCronJob}-manual`);
  await createJob(
    kubectl,
    jobFromCronJob(cronJob, { name, trigger: "manual", ...(asOf ? { args: ["--as-of", asOf] } : {}) }),
  );
  if (!follow) return void echo(`follow it with: npm run lab:logs -- ${name}`);
  const deadline = cronJob.spec?.jobTemplate.spec?.activeDeadlineSeconds ?? 1800;
  const outcome = await followJob(kubectl, ns, name, deadline + 120);
  echo(`job ${name}: ${outcome}`);
  return outcome === "complete" ? 0 : 1;
});
