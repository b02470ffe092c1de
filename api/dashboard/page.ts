import { ALERT_DESCRIPTIONS, type AlertStatus } from "../../lib/monitoring/alerts.js";
import { liveAccuracyChart, runAccuracyChart } from "../../lib/monitoring/charts.js";
import { wallAgeHours } from "../../lib/monitoring/trading-hours.js";
import { escapeXml } from "../../lib/plots/index.js";
import type { DashboardData, RunRow, VersionRow } from "./data.js";
import type { MonitoringFeedStatus } from "./feed.js";

/**
 * The dashboard as one server-rendered HTML page: the charts are inline SVG drawn by lib/plots (the code that draws
 * the job's MLflow plots), styles and the auto-refresh script are files served by the API itself, and there is no
 * inline script or style, so the page runs under a Content-Security-Policy that allows only 'self'.
 */

export const DASHBOARD_ASSETS = {
  script: "/dashboard/assets/dashboard.js",
  style: "/dashboard/assets/dashboard.css",
} as const;

export interface DashboardView {
  data: DashboardData | undefined;
  status: MonitoringFeedStatus;
  /** The alerts evaluated at `now` (undefined before the first data). */
  alerts: AlertStatus[] | undefined;
  now: Date;
  /** How often the page refreshes itself. */
  refreshSeconds: number;
  trackingUri: string;
}

const h = (text: string | number): string => escapeXml(String(text));

/** "2026-11-23 19:20 UTC". */
export function formatTime(date: Date | string | null | undefined): string {
  if (!date) return "—";
  const parsed = typeof date === "string" ? new Date(date) : date;
  if (Number.isNaN(parsed.getTime())) return h(String(date));
  return `${parsed.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}

/** "3 d 4 h", "5 h 12 min", "40 min", "< 1 min". */
export function formatAge(hours: number): string {
  const minutes = Math.round(hours * 60);
  if (minutes < 1) return "< 1 min";
  const days = Math.floor(minutes / 1440);
  const rest = minutes % 1440;
  const parts = [days ? `${days} d` : "", Math.floor(rest / 60) ? `${Math.floor(rest / 60)} h` : ""];
  if (!days && rest % 60) parts.push(`${rest % 60} min`);
  return parts.filter(Boolean).join(" ");
}

const ago = (date: Date | null | undefined, now: Date): string =>
  date ? `${formatAge(wallAgeHours(date, now))} ago` : "at an unknown time";

const fixed = (value: number | null | undefined, digits = 3): string =>
  value === null || value === undefined || !Number.isFinite(value) ? "—" : value.toFixed(digits);

/** An SVG document from lib/plots, ready to sit inside HTML (no XML prolog). */
function inlineSvg(svg: string): string {
  return svg.replace(/^<\?xml[^>]*\?>\s*/, "").trim();
}

function card(title: string, value: string, detail: string, tone: "ok" | "warn" | "none" = "none"): string {
  return (
    `<div class="card ${tone}"><div class="card-title">${h(title)}</div>` +
    `<div class="card-value">${value}</div><div class="card-detail">${detail}</div></div>`
  );
}

function cards(data: DashboardData, alerts: readonly AlertStatus[], now: Date): string {
  const { snapshot } = data;
  const active = (name: AlertStatus["name"]): boolean => alerts.some((a) => a.name === name && a.active);
  const champion = snapshot.champion;
  const championCard = champion
    ? card(
        "Champion",
        `v${h(champion.version)}`,
        `as of ${h(champion.asOf ?? "?")} · registered ${h(ago(champion.createdAt, now))}`,
      )
    : card("Champion", "none", "no version has the champion alias", "warn");
  const live = champion?.live;
  const liveTone = active("accuracy_below_floor") || active("accuracy_above_ceiling") ? "warn" : "ok";
  const liveCard =
    live && live.accuracy !== null
      ? card(
          "Live accuracy",
          fixed(live.accuracy),
          `${live.days} trading day${live.days === 1 ? "" : "s"} since its as-of date · last 5 days ` +
            `${fixed(live.lastWeekAccuracy)} · always UP ${fixed(live.alwaysUpAccuracy)}`,
          liveTone,
        )
      : card("Live accuracy", "—", noLiveYet(data));
  const newest = snapshot.newest;
  const newestCard = newest
    ? card(
        "Model age",
        h(newest.createdAt ? formatAge(wallAgeHours(newest.createdAt, now)) : "?"),
        `newest version v${h(newest.version)} (as of ${h(newest.asOf ?? "?")})`,
        active("model_stale") ? "warn" : "ok",
      )
    : card("Model age", "—", "no version registered", "warn");
  const run = snapshot.lastRun;
  const trainingTone = active("training_failed") || active("training_sla_missed") ? "warn" : "ok";
  const runCard = run
    ? card(
        "Last training",
        h(run.status),
        `as of ${h(run.asOf ?? "?")} · ended ${h(ago(run.endedAt ?? run.startedAt, now))}` +
          (run.error ? ` · ${h(run.error.slice(0, 160))}` : ""),
        trainingTone,
      )
    : card("Last training", "—", "no finished training run yet", trainingTone);
  return `<section class="cards">${championCard}${liveCard}${newestCard}${runCard}</section>`;
}

/** Why the champion has no live accuracy, and the last one measured (of the champion it replaced) if any. */
function noLiveYet(data: DashboardData): string {
  const champion = data.snapshot.champion;
  if (!champion) return "no champion";
  const before = data.history.live;
  const previous =
    before && before.version !== champion.version && before.summary.accuracy !== null
      ? `; v${h(before.version)} before it: ${fixed(before.summary.accuracy)} over ${before.summary.days} days`
      : "";
  return `v${h(champion.version)} has no live day scored yet (the next training run scores it)${previous}`;
}

function alertTable(data: DashboardData, alerts: readonly AlertStatus[]): string {
  const stored = data.alertState;
  const rows = alerts.map((alert) => {
    const record = stored?.state[alert.name];
    const since = record && record.active === alert.active ? formatTime(record.since) : "—";
    return (
      `<tr data-alert="${h(alert.name)}" data-active="${alert.active}">` +
      `<td><span class="badge ${alert.active ? "firing" : "ok"}">${alert.active ? "ACTIVE" : "ok"}</span></td>` +
      `<td><code>${h(alert.name)}</code><div class="muted">${h(ALERT_DESCRIPTIONS[alert.name])}</div></td>` +
      `<td>${h(alert.summary)}</td><td>${h(since)}</td></tr>`
    );
  });
  const monitor = stored
    ? `Monitor: last check ${h(formatTime(stored.lastCheckAt))}, webhook ${h(stored.webhook ?? "?")}, ` +
      `${pendingCount(data)} notification(s) waiting. "Since" is when the monitor saw the state start.`
    : "The monitor has not run against this MLflow yet (it keeps the state and sends the notifications).";
  return (
    `<section><h2>Alerts</h2><table class="alerts"><thead><tr><th>State</th><th>Alert</th><th>Now</th>` +
    `<th>Since</th></tr></thead><tbody>${rows.join("")}</tbody></table><p class="muted">${monitor}</p></section>`
  );
}

function pendingCount(data: DashboardData): number {
  return Object.values(data.alertState?.state ?? {}).reduce((sum, record) => sum + (record?.pending.length ?? 0), 0);
}

function charts(data: DashboardData): string {
  const { thresholds } = data.settings;
  const bounds = { floor: thresholds.accuracyFloor, ceiling: thresholds.accuracyCeiling };
  const runs = runAccuracyChart({ runs: data.history.runs, bounds, width: 760, height: 420 });
  const { live, liveError } = data.history;
  const liveSvg = live
    ? liveAccuracyChart({
        version: live.version,
        days: live.days,
        alwaysUpAccuracy: live.summary.always_up_accuracy,
        bounds,
        width: 760,
        height: 420,
      })
    : null;
  const champion = data.snapshot.champion;
  const replaced =
    live && champion && live.version !== champion.version
      ? ` v${h(live.version)} was the champion before v${h(champion.version)}, which has no live day yet.`
      : "";
  const liveNote = liveSvg
    ? `Each point is one trading day since v${h(live!.version)}'s as-of date ${h(live!.model_as_of)}, scored by ` +
      `training run ${h(live!.run_id)} on data up to ${h(live!.data_as_of)}.${replaced}`
    : liveError
      ? `The live-accuracy report could not be read: ${h(liveError)}`
      : champion
        ? `Champion v${h(champion.version)} has no live day scored yet: the next training run scores it.`
        : "There is no champion yet.";
  const runsNote = runs
    ? "Accuracy of each finished training run on its evaluation window, its weekly average, always-UP on the same " +
      "window, and the live accuracy of the champion that was serving when the run started."
    : "No finished training run yet.";
  return (
    `<section class="charts">` +
    `<figure id="chart-runs" data-chart="runs">${runs ? inlineSvg(runs) : ""}<figcaption>${runsNote}</figcaption></figure>` +
    `<figure id="chart-live" data-chart="live">${liveSvg ? inlineSvg(liveSvg) : ""}<figcaption>${liveNote}</figcaption></figure>` +
    `</section>`
  );
}

function changesTable(data: DashboardData): string {
  if (data.changes.length === 0) return `<section><h2>Champion history</h2><p>No champion yet.</p></section>`;
  const rows = data.changes.map(
    (change) =>
      `<tr data-kind="${h(change.kind)}"><td>${h(formatTime(change.at))}</td><td>${h(change.kind.replaceAll("_", " "))}</td>` +
      `<td>${change.from === null ? "—" : `v${h(change.from)}`} → v${h(change.to)}</td><td>${h(change.by)}</td>` +
      `<td>${h(change.reason)}</td></tr>`,
  );
  return (
    `<section><h2>Champion history</h2><table class="changes"><thead><tr><th>When</th><th>Change</th>` +
    `<th>Champion</th><th>By</th><th>Why</th></tr></thead><tbody>${rows.join("")}</tbody></table></section>`
  );
}

function aliasBadges(row: VersionRow): string {
  return row.aliases.map((alias) => ` <span class="alias ${h(alias)}">${h(alias)}</span>`).join("");
}

/** Versions listed on the page (newest first); MLflow has them all. */
const SHOWN_VERSIONS = 30;

function versionsTable(data: DashboardData, now: Date): string {
  if (data.versions.length === 0) return `<section><h2>Versions</h2><p>No version registered yet.</p></section>`;
  const rows = data.versions.slice(0, SHOWN_VERSIONS).map((row) => {
    const live = row.live && row.live.accuracy !== null ? `${fixed(row.live.accuracy)} (${row.live.days} d)` : "—";
    return (
      `<tr data-version="${h(row.version)}"><td>v${h(row.version)}${aliasBadges(row)}</td>` +
      `<td>${h(ago(row.createdAt, now))}</td><td>${h(row.asOf ?? "—")}</td><td>${fixed(row.evalAccuracy)}</td>` +
      `<td>${fixed(row.rocAuc)}</td><td>${h(live)}</td>` +
      `<td title="${h(row.decisionReason ?? "")}">${h(row.decision?.replaceAll("_", " ") ?? "—")}</td></tr>`
    );
  });
  return (
    `<section><h2>Versions</h2><table class="versions"><thead><tr><th>Version</th><th>Registered</th>` +
    `<th>As of</th><th>Eval accuracy</th><th>Eval ROC AUC</th><th>Live accuracy</th><th>Decision</th></tr></thead>` +
    `<tbody>${rows.join("")}</tbody></table>` +
    (data.versions.length > SHOWN_VERSIONS
      ? `<p class="muted">The ${SHOWN_VERSIONS} newest of ${data.versions.length} versions read; MLflow has them all.</p>`
      : "") +
    `</section>`
  );
}

function runsTable(runs: readonly RunRow[]): string {
  if (runs.length === 0) return "";
  const rows = [...runs]
    .reverse()
    .map(
      (run) =>
        `<tr data-run="${h(run.runId)}"><td>${h(run.asOf)}</td><td>${run.version ? `v${h(run.version)}` : "—"}</td>` +
        `<td data-value="${run.accuracy ?? ""}">${fixed(run.accuracy)}</td><td>${fixed(run.alwaysUpAccuracy)}</td>` +
        `<td>${fixed(run.rocAuc)}</td><td>${fixed(run.championLiveAccuracy)}${run.liveDays ? ` (${run.liveDays} d)` : ""}</td>` +
        `<td>${h(run.decision?.replaceAll("_", " ") ?? "—")}</td></tr>`,
    );
  return (
    `<section><details><summary>Training runs (${runs.length})</summary><table class="runs"><thead><tr>` +
    `<th>As of</th><th>Version</th><th>Eval accuracy</th><th>Always UP</th><th>Eval ROC AUC</th>` +
    `<th>Champion live accuracy</th><th>Decision</th></tr></thead><tbody>${rows.join("")}</tbody></table>` +
    `</details></section>`
  );
}

function content(view: DashboardView): string {
  const { data, status, alerts, now } = view;
  if (!data || !alerts) {
    const why = status.lastError ? `MLflow could not be read: ${status.lastError.message}` : "loading from MLflow…";
    return `<div id="content"><p class="notice">No monitoring data yet (${h(why)}). This page retries on its own.</p></div>`;
  }
  const stale =
    status.lastError && (!status.lastSuccessAt || status.lastError.at > status.lastSuccessAt)
      ? `<p class="notice">MLflow could not be read at ${h(formatTime(status.lastError.at))} ` +
        `(${h(status.lastError.message)}); showing the data read at ${h(formatTime(data.readAt))}.</p>`
      : "";
  return (
    `<div id="content">${stale}${cards(data, alerts, now)}${alertTable(data, alerts)}${charts(data)}` +
    `${changesTable(data)}${versionsTable(data, now)}${runsTable(data.history.runs)}` +
    `<p class="muted">Read from MLflow ${h(view.trackingUri)} at ${h(formatTime(data.readAt))}; ` +
    `thresholds: model age ${data.settings.thresholds.modelMaxAgeHours} h, training SLA ` +
    `${data.settings.thresholds.trainingSlaHours} h (trading-day hours), accuracy floor ` +
    `${data.settings.thresholds.accuracyFloor}, ceiling ${data.settings.thresholds.accuracyCeiling} after ` +
    `${data.settings.thresholds.accuracyMinDays} live days.</p></div>`
  );
}

export function renderDashboardPage(view: DashboardView): string {
  const model = view.data?.settings.model ?? "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${h(model)} monitoring</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${DASHBOARD_ASSETS.style}">
<script src="${DASHBOARD_ASSETS.script}" defer></script>
</head>
<body data-refresh-seconds="${view.refreshSeconds}">
<header><h1>${h(model)} · model monitoring</h1>
<p class="muted"><span id="refresh-status">rendered ${h(formatTime(view.now))}</span> · refreshes every ${view.refreshSeconds} s ·
<a href="/metrics">/metrics</a> · <a href="/healthz">/healthz</a> · <a href="/openapi.json">/openapi.json</a></p></header>
<main>
${content(view)}
</main>
</body>
</html>
`;
}
