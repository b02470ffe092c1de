// The monitor's lab wiring, on k8s/ rendered as the deploy applies it: its CronJob, its optional Secret, and the
// thresholds it shares with the API through the lab-settings ConfigMap. The generic policies (security, resources,
// CronJob rules) cover the monitor in tests/lab/manifest-policies.test.ts.
import { beforeAll, describe, expect, it } from "vitest";
import { loadDashboardConfig } from "../../api/dashboard/config.js";
import { loadMonitorConfig } from "../../jobs/monitor/config.js";
import type { K8sObject } from "../../scripts/lab/lib/manifests.js";
import { GENERATED_SECRETS } from "../../scripts/lab/lib/secrets.js";
import { MONITOR_CRONJOB_FILE, nextRuns, readCronSchedule } from "../../scripts/local/schedule.js";
import { find, getPath, renderedLab } from "../lab/helpers/lab.js";

interface Container {
  name: string;
  command?: string[];
  env?: {
    name: string;
    value?: string;
    valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean } };
  }[];
  envFrom?: { configMapRef?: { name: string } }[];
}

let objects: K8sObject[];
beforeAll(async () => {
  objects = (await renderedLab()).objects;
});

const container = (kind: string, name: string, path: string): Container =>
  (getPath(find(objects, kind, name), path) as Container[])[0]!;
const monitor = (): Container => container("CronJob", "monitor", "spec.jobTemplate.spec.template.spec.containers");
const api = (): Container => container("Deployment", "api", "spec.template.spec.containers");
const settings = (): Record<string, string> =>
  find(objects, "ConfigMap", "lab-settings").data as Record<string, string>;

describe("the monitor CronJob", () => {
  it("when rendered, then it runs the compiled monitor with the shared settings and the optional webhook Secret", () => {
    const c = monitor();
    expect(c.command).toEqual(["node", "dist/jobs/monitor/main.js"]);
    expect(c.envFrom?.map((from) => from.configMapRef?.name)).toEqual(["lab-settings"]);
    const webhook = c.env?.find((e) => e.name === "ALERT_WEBHOOK_URL");
    expect(webhook?.valueFrom?.secretKeyRef).toEqual({
      name: "monitor-alerts",
      key: "ALERT_WEBHOOK_URL",
      optional: true,
    });
    expect(GENERATED_SECRETS).toHaveProperty("monitor-alerts");
    // Only exit code 2 (bad configuration) fails the job at once; 1 (MLflow down, webhook down) is retried.
    expect(getPath(find(objects, "CronJob", "monitor"), "spec.jobTemplate.spec.podFailurePolicy.rules.0")).toEqual({
      action: "FailJob",
      onExitCodes: { containerName: "monitor", operator: "In", values: [2] },
    });
  });

  it("when the thresholds are read from lab-settings, then both the monitor and the API accept them, and neither overrides them", () => {
    const env = settings();
    const monitorConfig = loadMonitorConfig(env);
    expect(monitorConfig.settings.thresholds).toEqual({
      modelMaxAgeHours: 36,
      trainingSlaHours: 30,
      accuracyFloor: 0.45,
      accuracyCeiling: 0.7,
      accuracyMinDays: 20,
    });
    expect(loadDashboardConfig(env).settings).toEqual(monitorConfig.settings);
    expect(api().envFrom?.map((from) => from.configMapRef?.name)).toContain("lab-settings");
    const shared = [
      "MODEL_MAX_AGE_HOURS",
      "TRAINING_SLA_HOURS",
      "ACCURACY_FLOOR",
      "ACCURACY_CEILING",
      "ACCURACY_MIN_DAYS",
    ];
    for (const c of [monitor(), api()]) {
      expect((c.env ?? []).map((e) => e.name).filter((name) => shared.includes(name))).toEqual([]);
    }
  });

  it("when the local lab reads the monitor's schedule, then it is the CronJob's: hourly at :15, New York time", () => {
    const schedule = readCronSchedule(MONITOR_CRONJOB_FILE);
    const cj = find(objects, "CronJob", "monitor");
    expect(schedule).toMatchObject({
      name: "monitor",
      schedule: getPath(cj, "spec.schedule"),
      timeZone: getPath(cj, "spec.timeZone"),
    });
    const runs = nextRuns(schedule, 3, new Date("2026-11-24T15:20:00Z"));
    expect(runs.map((run) => run.toISOString())).toEqual([
      "2026-11-24T16:15:00.000Z",
      "2026-11-24T17:15:00.000Z",
      "2026-11-24T18:15:00.000Z",
    ]);
  });
});
