// Runs a one-off Job built from the training CronJob (manual training, registry commands) and follows it.
import type { ICronJob } from "kubernetes-models/batch/v1/CronJob";
import type { IJob } from "kubernetes-models/batch/v1/Job";
import { echo } from "zx";
import { jobOutcome, type JobOutcome } from "./jobs.js";
import type { Kubectl } from "./kubectl.js";
import { LAB_OBJECTS } from "./lab-config.js";
import { pollUntil } from "./poll.js";

export async function trainingCronJob(kubectl: Kubectl, ns: string): Promise<ICronJob> {
  return kubectl.json<ICronJob>(["-n", ns, "get", "cronjob", LAB_OBJECTS.trainingCronJob]);
}

/** Creates the Job (stdin, no temp file). */
export async function createJob(kubectl: Kubectl, job: IJob): Promise<void> {
  await kubectl.run(["create", "-f", "-"], { input: JSON.stringify(job) });
  echo(`job ${job.metadata?.name ?? "?"} created`);
}

/** Streams the logs of the Job's pod (waiting for it to start), then waits for the Job's outcome. */
export async function followJob(kubectl: Kubectl, ns: string, name: string, timeoutS: number): Promise<JobOutcome> {
  await kubectl.stream(["-n", ns, "logs", "-f", `job/${name}`, "--pod-running-timeout=5m"]);
  return pollUntil(`job ${name} to finish`, { timeoutS, intervalS: 3 }, async () => {
    const outcome = jobOutcome(await kubectl.json<IJob>(["-n", ns, "get", "job", name]));
    return outcome === "running" ? undefined : outcome;
  });
}
