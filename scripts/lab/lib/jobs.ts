// One-off Jobs built from the training CronJob's template, so a manual training run or a registry command
// runs with exactly the CronJob's image, settings, security context, resources and network labels.
import type { ICronJob } from "kubernetes-models/batch/v1/CronJob";
import type { IJob } from "kubernetes-models/batch/v1/Job";

export interface OneOffJobOptions {
  /** Job name (a DNS label). */
  name: string;
  /** Label lab.spy-mlops/trigger on the Job and its pod (e.g. "manual", "registry"). */
  trigger: string;
  /** Replaces the container's arguments (e.g. ["--as-of", "2024-05-01"]). */
  args?: string[];
  /** Replaces the container: a new name and command (the registry CLI); podFailurePolicy follows the name. */
  container?: { name: string; command: string[] };
  backoffLimit?: number;
  activeDeadlineSeconds?: number;
}

/** The Job `kubectl create job --from=cronjob/...` would create, with the given changes. Pure. */
export function jobFromCronJob(cronJob: ICronJob, options: OneOffJobOptions): IJob {
  const template = cronJob.spec?.jobTemplate;
  const podSpec = template?.spec?.template.spec;
  const source = podSpec?.containers[0];
  if (!template?.spec || !podSpec || !source || podSpec.containers.length !== 1) {
    throw new Error(`CronJob ${cronJob.metadata?.name ?? "?"} has no single-container job template`);
  }
  const containerName = options.container?.name ?? source.name;
  const container = {
    ...source,
    name: containerName,
    ...(options.container ? { command: options.container.command } : {}),
    ...(options.args ? { args: options.args } : {}),
  };
  const podFailurePolicy = template.spec.podFailurePolicy && {
    rules: template.spec.podFailurePolicy.rules.map((rule) =>
      rule.onExitCodes ? { ...rule, onExitCodes: { ...rule.onExitCodes, containerName } } : rule,
    ),
  };
  const labels = { ...template.spec.template.metadata?.labels, "lab.spy-mlops/trigger": options.trigger };
  return {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: {
      name: options.name,
      namespace: cronJob.metadata?.namespace,
      labels: { ...template.metadata?.labels, ...labels },
      annotations: { "cronjob.kubernetes.io/instantiate": "manual" },
    },
    spec: {
      ...template.spec,
      ...(podFailurePolicy ? { podFailurePolicy } : {}),
      ...(options.backoffLimit !== undefined ? { backoffLimit: options.backoffLimit } : {}),
      ...(options.activeDeadlineSeconds !== undefined ? { activeDeadlineSeconds: options.activeDeadlineSeconds } : {}),
      template: {
        ...template.spec.template,
        metadata: { ...template.spec.template.metadata, labels },
        spec: { ...podSpec, containers: [container] },
      },
    },
  };
}

/** A Job name unique to the second: `<prefix>-YYYYMMDD-HHMMSS` (UTC). */
export function timestampedName(prefix: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `${prefix}-${stamp}`.toLowerCase();
}

export type JobOutcome = "running" | "complete" | "failed";

/** Complete / Failed from a Job's conditions (status true), else running. */
export function jobOutcome(job: IJob): JobOutcome {
  const conditions = job.status?.conditions ?? [];
  if (conditions.some((c) => c.type === "Failed" && c.status === "True")) return "failed";
  if (conditions.some((c) => c.type === "Complete" && c.status === "True")) return "complete";
  return "running";
}
