import type { AlertThresholds } from "./config.js";
import { ALERT_NAMES, type AlertName } from "./names.js";
import type { MonitoringSnapshot, VersionInfo } from "./snapshot.js";
import { tradingAgeHours, wallAgeHours } from "./trading-hours.js";

/** The state of one alert at one moment. */
export interface AlertStatus {
  name: AlertName;
  active: boolean;
  /** One sentence: what was measured, against which limit. */
  summary: string;
  /** The measured value (hours or an accuracy); null when there is nothing to measure. */
  value: number | null;
  threshold: number;
}

/** What each alert means, for people (webhook messages, dashboard, README). */
export const ALERT_DESCRIPTIONS: Readonly<Record<AlertName, string>> = {
  model_stale: "The newest registered model version is older than the limit: training stopped producing models.",
  accuracy_below_floor: "The champion's live accuracy is below the floor: it predicts worse than it should.",
  accuracy_above_ceiling:
    "An accuracy is above the ceiling: too good to be true for SPY's daily direction (leakage or a broken evaluation).",
  training_failed: "The last training run failed.",
  training_sla_missed: "No training run has finished successfully within the SLA.",
};

const hours = (value: number): string => `${value.toFixed(1)} h`;
const accuracy = (value: number): string => value.toFixed(3);

/** Evaluates every alert on one snapshot, in ALERT_NAMES order. Pure: the same snapshot and time give the same answer. */
export function evaluateAlerts(snapshot: MonitoringSnapshot, thresholds: AlertThresholds, now: Date): AlertStatus[] {
  const byName: Record<AlertName, AlertStatus> = {
    model_stale: modelStale(snapshot, thresholds.modelMaxAgeHours, now),
    accuracy_below_floor: belowFloor(snapshot, thresholds),
    accuracy_above_ceiling: aboveCeiling(snapshot, thresholds),
    training_failed: trainingFailed(snapshot),
    training_sla_missed: slaMissed(snapshot, thresholds.trainingSlaHours, now),
  };
  return ALERT_NAMES.map((name) => byName[name]);
}

function modelStale(snapshot: MonitoringSnapshot, limit: number, now: Date): AlertStatus {
  const base = { name: "model_stale" as const, threshold: limit };
  const newest = snapshot.newest;
  if (!newest) {
    return { ...base, active: true, value: null, summary: `no version of ${snapshot.model} is registered` };
  }
  if (!newest.createdAt) {
    return { ...base, active: false, value: null, summary: `v${newest.version} has no creation time in MLflow` };
  }
  const age = tradingAgeHours(newest.createdAt, now);
  const wall = wallAgeHours(newest.createdAt, now);
  const clock = Math.abs(wall - age) > 0.05 ? `; ${hours(wall)} on the clock` : "";
  return {
    ...base,
    active: age > limit,
    value: age,
    summary:
      `newest version v${newest.version} was registered ${hours(age)} ago (trading-day hours${clock}); ` +
      `limit ${hours(limit)}`,
  };
}

/** The champion's live accuracy when it has enough days to be compared with the bounds. */
function judgedLive(champion: VersionInfo | null, minDays: number): { value: number; days: number } | string {
  if (!champion) return "no champion";
  const live = champion.live;
  if (!live || live.accuracy === null || live.days === 0) {
    return `champion v${champion.version} has no live accuracy yet (the next training run scores it)`;
  }
  if (live.days < minDays) {
    return `champion v${champion.version}: ${live.days} live day${live.days === 1 ? "" : "s"}, fewer than the ${minDays} needed`;
  }
  return { value: live.accuracy, days: live.days };
}

function belowFloor(snapshot: MonitoringSnapshot, thresholds: AlertThresholds): AlertStatus {
  const base = { name: "accuracy_below_floor" as const, threshold: thresholds.accuracyFloor };
  const live = judgedLive(snapshot.champion, thresholds.accuracyMinDays);
  if (typeof live === "string") return { ...base, active: false, value: null, summary: `not evaluated: ${live}` };
  const active = live.value < thresholds.accuracyFloor;
  return {
    ...base,
    active,
    value: live.value,
    summary:
      `live accuracy of champion v${snapshot.champion!.version} is ${accuracy(live.value)} over ${live.days} days; ` +
      `floor ${thresholds.accuracyFloor}`,
  };
}

function aboveCeiling(snapshot: MonitoringSnapshot, thresholds: AlertThresholds): AlertStatus {
  const ceiling = thresholds.accuracyCeiling;
  const base = { name: "accuracy_above_ceiling" as const, threshold: ceiling };
  const measured: { what: string; value: number }[] = [];
  const { champion, newest } = snapshot;
  const live = judgedLive(champion, thresholds.accuracyMinDays);
  if (typeof live !== "string") {
    measured.push({ what: `live accuracy of champion v${champion!.version} (${live.days} days)`, value: live.value });
  }
  for (const version of [champion, newest]) {
    if (!version || version.evalAccuracy === null) continue;
    if (version === newest && newest.version === champion?.version) continue;
    const role = version === champion ? "champion" : "newest version";
    const rows = version.evalRows === null ? "" : ` (${version.evalRows} days)`;
    measured.push({ what: `evaluation accuracy of ${role} v${version.version}${rows}`, value: version.evalAccuracy });
  }
  if (measured.length === 0) {
    return { ...base, active: false, value: null, summary: "not evaluated: no accuracy recorded yet" };
  }
  const above = measured.filter((m) => m.value > ceiling);
  const highest = measured.reduce((a, b) => (b.value > a.value ? b : a));
  const shown = above.length > 0 ? above : [highest];
  return {
    ...base,
    active: above.length > 0,
    value: highest.value,
    summary: `${shown.map((m) => `${m.what} is ${accuracy(m.value)}`).join("; ")}; ceiling ${ceiling}`,
  };
}

function trainingFailed(snapshot: MonitoringSnapshot): AlertStatus {
  const base = { name: "training_failed" as const, threshold: 0 };
  const run = snapshot.lastRun;
  if (!run) {
    const where = snapshot.experimentFound ? "" : " (the training experiment does not exist yet)";
    return { ...base, active: false, value: null, summary: `no finished training run yet${where}` };
  }
  const failed = run.status === "FAILED" || run.status === "KILLED";
  const when = (run.endedAt ?? run.startedAt)?.toISOString() ?? "an unknown time";
  const asOf = run.asOf ? ` as of ${run.asOf}` : "";
  const error = failed && run.error ? `: ${run.error}` : "";
  return {
    ...base,
    active: failed,
    value: failed ? 1 : 0,
    summary: `last training run ${run.runId}${asOf} ended ${run.status} at ${when}${error}`.slice(0, 600),
  };
}

function slaMissed(snapshot: MonitoringSnapshot, limit: number, now: Date): AlertStatus {
  const base = { name: "training_sla_missed" as const, threshold: limit };
  const run = snapshot.lastSuccess;
  const finishedAt = run ? (run.endedAt ?? run.startedAt) : null;
  if (!run || !finishedAt) {
    return { ...base, active: true, value: null, summary: `no training run of ${snapshot.model} has succeeded yet` };
  }
  const age = tradingAgeHours(finishedAt, now);
  return {
    ...base,
    active: age > limit,
    value: age,
    summary:
      `last successful training run ${run.runId}${run.asOf ? ` (as of ${run.asOf})` : ""} finished ` +
      `${hours(age)} ago (trading-day hours); SLA ${hours(limit)}`,
  };
}
