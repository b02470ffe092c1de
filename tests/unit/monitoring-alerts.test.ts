import { describe, expect, it } from "vitest";
import { evaluateAlerts, type AlertStatus } from "../../lib/monitoring/alerts.js";
import { loadMonitoringSettings } from "../../lib/monitoring/config.js";
import type { LiveSummary, LiveTagInfo } from "../../lib/monitoring/live-accuracy.js";
import { ALERT_NAMES, type AlertName } from "../../lib/monitoring/names.js";
import type { MonitoringSnapshot, TrainingRunInfo, VersionInfo } from "../../lib/monitoring/snapshot.js";

const thresholds = loadMonitoringSettings({}).thresholds;
// Tuesday 2026-11-24 15:00 UTC (10:00 New York).
const now = new Date("2026-11-24T15:00:00Z");
const hoursAgo = (hours: number): Date => new Date(now.getTime() - hours * 3_600_000);

function live(accuracy: number | null, days: number): LiveSummary & LiveTagInfo {
  return {
    days,
    accuracy,
    lastWeekAccuracy: null,
    alwaysUpAccuracy: null,
    firstDate: null,
    lastDate: null,
    status: "scored",
    scoredAt: null,
    dataAsOf: null,
    runId: "r",
  };
}

function version(v: string, options: Partial<VersionInfo> = {}): VersionInfo {
  return {
    version: v,
    createdAt: hoursAgo(2),
    asOf: "2026-11-23",
    evalAccuracy: 0.53,
    evalRows: 250,
    live: undefined,
    tags: {},
    ...options,
  };
}

function run(status: TrainingRunInfo["status"], endedHoursAgo: number, error: string | null = null): TrainingRunInfo {
  return {
    runId: `run-${status}`,
    status,
    asOf: "2026-11-23",
    startedAt: hoursAgo(endedHoursAgo + 0.1),
    endedAt: hoursAgo(endedHoursAgo),
    error,
    version: "4",
  };
}

/** A healthy lab: a fresh champion that is also the newest version, a recent successful run. */
function snapshot(changes: Partial<MonitoringSnapshot> = {}): MonitoringSnapshot {
  const champion = version("4", { live: live(0.55, 30) });
  return {
    model: "spy-direction",
    readAt: now,
    newest: champion,
    champion,
    experimentFound: true,
    lastRun: run("FINISHED", 2),
    lastSuccess: run("FINISHED", 2),
    ...changes,
  };
}

function alert(statuses: AlertStatus[], name: AlertName): AlertStatus {
  return statuses.find((status) => status.name === name)!;
}

const activeNames = (s: MonitoringSnapshot, t = thresholds): AlertName[] =>
  evaluateAlerts(s, t, now)
    .filter((status) => status.active)
    .map((status) => status.name);

describe("evaluateAlerts", () => {
  it("when the lab is healthy, then every alert is evaluated, in order, and none is active", () => {
    const statuses = evaluateAlerts(snapshot(), thresholds, now);
    expect(statuses.map((s) => s.name)).toEqual([...ALERT_NAMES]);
    expect(statuses.filter((s) => s.active)).toEqual([]);
    expect(alert(statuses, "model_stale").value).toBeCloseTo(2, 5);
  });

  it("when the newest version is older than MODEL_MAX_AGE_HOURS in trading-day hours, then model_stale is active", () => {
    expect(activeNames(snapshot({ newest: version("4", { createdAt: hoursAgo(37) }) }))).toEqual(["model_stale"]);
    expect(activeNames(snapshot({ newest: version("4", { createdAt: hoursAgo(35) }) }))).toEqual([]);
    // Friday 17:35 New York to Tuesday 10:00 is 88.4 h on the clock but 40.4 h of trading days.
    const friday = snapshot({ newest: version("4", { createdAt: new Date("2026-11-20T22:35:00Z") }) });
    const stale = alert(evaluateAlerts(friday, thresholds, now), "model_stale");
    expect(stale).toMatchObject({ active: true, threshold: 36 });
    expect(stale.value).toBeCloseTo(40.4167, 3);
    expect(stale.summary).toContain("88.4 h on the clock");
    expect(
      activeNames(snapshot({ newest: version("4", { createdAt: hoursAgo(0.01) }) }), {
        ...thresholds,
        modelMaxAgeHours: 0,
      }),
    ).toEqual(["model_stale"]);
  });

  it("when no version is registered, then model_stale is active and says so", () => {
    const statuses = evaluateAlerts(snapshot({ newest: null, champion: null }), thresholds, now);
    expect(alert(statuses, "model_stale")).toMatchObject({ active: true, value: null });
    expect(alert(statuses, "model_stale").summary).toBe("no version of spy-direction is registered");
  });

  it("when the champion's live accuracy is below the floor over enough days, then accuracy_below_floor is active", () => {
    const low = (accuracy: number, days: number) =>
      snapshot({ champion: version("4", { live: live(accuracy, days) }) });
    expect(activeNames(low(0.4, 20))).toEqual(["accuracy_below_floor"]);
    expect(activeNames(low(0.45, 20))).toEqual([]);
    expect(activeNames(low(0.1, 19))).toEqual([]);
    expect(alert(evaluateAlerts(low(0.1, 19), thresholds, now), "accuracy_below_floor").summary).toMatch(
      /not evaluated: champion v4: 19 live days, fewer than the 20 needed/,
    );
    expect(alert(evaluateAlerts(low(0.4, 20), thresholds, now), "accuracy_below_floor")).toMatchObject({
      value: 0.4,
      threshold: 0.45,
    });
  });

  it("when any accuracy is above the ceiling, then accuracy_above_ceiling is active and names which one", () => {
    const liveHigh = snapshot({ champion: version("4", { live: live(0.75, 25) }) });
    expect(activeNames(liveHigh)).toEqual(["accuracy_above_ceiling"]);
    const evalHigh = snapshot({ champion: version("4", { evalAccuracy: 0.92, live: live(0.55, 25) }) });
    const status = alert(evaluateAlerts(evalHigh, thresholds, now), "accuracy_above_ceiling");
    expect(status).toMatchObject({ active: true, value: 0.92 });
    expect(status.summary).toBe("evaluation accuracy of champion v4 (250 days) is 0.920; ceiling 0.7");
    const newestLeaks = snapshot({ newest: version("5", { evalAccuracy: 0.81 }) });
    expect(alert(evaluateAlerts(newestLeaks, thresholds, now), "accuracy_above_ceiling").summary).toContain(
      "newest version v5",
    );
    // A high live accuracy over too few days is noise, not a finding.
    expect(activeNames(snapshot({ champion: version("4", { live: live(1, 3) }) }))).toEqual([]);
  });

  it("when the last finished training run failed, then training_failed is active with its error", () => {
    const failed = snapshot({ lastRun: run("FAILED", 1, "could not re-score the champion") });
    const status = alert(evaluateAlerts(failed, thresholds, now), "training_failed");
    expect(status.active).toBe(true);
    expect(status.summary).toMatch(/ended FAILED at .*: could not re-score the champion$/);
    expect(activeNames(snapshot({ lastRun: run("KILLED", 1) }))).toEqual(["training_failed"]);
    expect(activeNames(snapshot({ lastRun: null, lastSuccess: null }))).toEqual(["training_sla_missed"]);
  });

  it("when no training run succeeded within TRAINING_SLA_HOURS, then training_sla_missed is active", () => {
    expect(activeNames(snapshot({ lastSuccess: run("FINISHED", 31) }))).toEqual(["training_sla_missed"]);
    expect(activeNames(snapshot({ lastSuccess: run("FINISHED", 29) }))).toEqual([]);
    const never = alert(evaluateAlerts(snapshot({ lastSuccess: null }), thresholds, now), "training_sla_missed");
    expect(never).toMatchObject({ active: true, summary: "no training run of spy-direction has succeeded yet" });
  });
});
