import { describe, expect, it } from "vitest";
import type { DashboardData, RunRow, VersionRow } from "../../api/dashboard/data.js";
import type { MonitoringFeedStatus } from "../../api/dashboard/feed.js";
import { formatAge, renderDashboardPage, type DashboardView } from "../../api/dashboard/page.js";
import { evaluateAlerts } from "../../lib/monitoring/alerts.js";
import { CHART_SERIES } from "../../lib/monitoring/charts.js";
import { loadMonitoringSettings } from "../../lib/monitoring/config.js";
import { buildLiveReport, scoreLiveDays } from "../../lib/monitoring/live-accuracy.js";
import type { MonitoringSnapshot } from "../../lib/monitoring/snapshot.js";
import { findAll, parseXml } from "../helpers/plots-xml.js";

const now = new Date("2026-11-24T15:00:00Z");
const settings = loadMonitoringSettings({});
const XSS = `<script>alert("x")</script>`;

function versionRow(version: number, aliases: string[] = []): VersionRow {
  return {
    version: String(version),
    createdAt: new Date(now.getTime() - (40 - version) * 86_400_000),
    asOf: `2023-08-${String(version).padStart(2, "0")}`,
    evalAccuracy: 0.5,
    evalRows: 40,
    live: undefined,
    tags: {},
    aliases,
    decision: "not_promoted",
    decisionReason: null,
    rocAuc: 0.51,
  };
}

function runRow(day: number, accuracy: number): RunRow {
  const asOf = `2023-09-${String(day).padStart(2, "0")}`;
  return {
    runId: `run${day}`,
    artifactUri: null,
    liveVersion: "3",
    asOf,
    accuracy,
    alwaysUpAccuracy: 0.55,
    championLiveAccuracy: day % 2 === 0 ? 0.6 : null,
    liveDays: day % 2 === 0 ? 4 : 0,
    rocAuc: 0.52,
    version: String(day),
    decision: "not_promoted",
    startedAt: now,
  };
}

function data(): DashboardData {
  const champion = { ...versionRow(3, ["champion"]), live: undefined };
  const snapshot: MonitoringSnapshot = {
    model: "spy-direction",
    readAt: now,
    newest: { ...versionRow(35), createdAt: new Date(now.getTime() - 2 * 3_600_000) },
    champion,
    experimentFound: true,
    lastRun: {
      runId: "run29",
      status: "FAILED",
      asOf: "2023-09-29",
      startedAt: now,
      endedAt: now,
      error: `split failed ${XSS}`,
      version: null,
    },
    lastSuccess: null,
  };
  const liveDays = ["2023-09-18", "2023-09-19", "2023-09-20", "2023-09-21", "2023-09-22", "2023-09-25"];
  const live = scoreLiveDays(liveDays, [1, 0, 1, 1, 0, 1], [0.6, 0.6, 0.6, 0.6, 0.6, 0.6]);
  return {
    readAt: now,
    settings,
    snapshot,
    versions: Array.from({ length: 35 }, (_, i) =>
      versionRow(35 - i, i === 1 ? ["champion", "previous-champion"] : []),
    ),
    changes: [
      { at: "2026-11-23T10:00:00Z", kind: "rollback", from: "4", to: "3", by: "ops", reason: `bad ${XSS}` },
      { at: "2026-11-22T10:00:00Z", kind: "promotion", from: "3", to: "4", by: "training job", reason: "better" },
      { at: "2026-11-21T10:00:00Z", kind: "bootstrap", from: null, to: "3", by: "training job", reason: "first" },
    ],
    history: {
      key: "k",
      runs: [18, 19, 20, 21, 22, 25].map((day, i) => runRow(day, 0.4 + i * 0.02)),
      live: buildLiveReport({
        model: "spy-direction",
        version: "2",
        modelAsOf: "2023-09-18",
        dataAsOf: "2023-09-26",
        scoredAt: now,
        runId: "run25",
        live,
      }),
      liveError: null,
    },
    alertState: null,
  };
}

const okStatus: MonitoringFeedStatus = {
  current: undefined,
  lastAttemptAt: now,
  lastSuccessAt: now,
  lastError: undefined,
  consecutiveFailures: 0,
};

function view(changes: Partial<DashboardView> = {}): DashboardView {
  const d = data();
  return {
    data: d,
    status: okStatus,
    alerts: evaluateAlerts(d.snapshot, settings.thresholds, now),
    now,
    refreshSeconds: 60,
    trackingUri: "http://mlflow:5000",
    ...changes,
  };
}

/** The inline SVG of a figure, parsed. */
function figureSvg(html: string, id: string) {
  const match = new RegExp(`<figure id="${id}"[^>]*>(<svg[\\s\\S]*?</svg>)`).exec(html);
  if (!match) throw new Error(`no svg in figure ${id}`);
  return parseXml(match[1]!);
}

function seriesPoints(svg: ReturnType<typeof parseXml>, name: string): number {
  const group = findAll(svg, "g", "series").find((g) => g.attrs["data-series"] === name)!;
  const vertices = findAll(group, "polyline").reduce((n, p) => n + (p.attrs.points ?? "").trim().split(" ").length, 0);
  return Math.max(vertices, findAll(group, "circle").length);
}

describe("the dashboard page", () => {
  it("when rendered, then both charts are inline SVG with one point per run and per live day", () => {
    const html = renderDashboardPage(view());
    expect(html).not.toContain("<?xml");
    const runs = figureSvg(html, "chart-runs");
    expect(seriesPoints(runs, CHART_SERIES.runAccuracy)).toBe(6);
    expect(seriesPoints(runs, CHART_SERIES.runLive)).toBe(3);
    const live = figureSvg(html, "chart-live");
    expect(seriesPoints(live, CHART_SERIES.liveCumulative)).toBe(6);
    expect(seriesPoints(live, CHART_SERIES.liveWeekly)).toBe(2);
    expect(html).toContain("v2 was the champion before v3, which has no live day yet.");
  });

  it("when rendered, then the only script and style sheet are the API's own files and no inline code exists", () => {
    const html = renderDashboardPage(view());
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script src="/dashboard/assets/dashboard.js" defer>']);
    expect(html.match(/<link rel="stylesheet"[^>]*>/g)).toEqual([
      '<link rel="stylesheet" href="/dashboard/assets/dashboard.css">',
    ]);
    // Nothing is loaded from elsewhere: the only absolute URLs are the SVG namespace and the MLflow address shown.
    expect(html).not.toMatch(/\sstyle=|<style|\son[a-z]+=|https?:\/\/(?!mlflow:5000|www\.w3\.org\/2000\/svg)/);
  });

  it("when MLflow data holds markup, then it is shown as text", () => {
    const html = renderDashboardPage(view());
    expect(html).not.toContain(XSS);
    expect(html).toContain("bad &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
  });

  it("when rendered, then each alert has a row with its state, and the history and versions are listed", () => {
    const html = renderDashboardPage(view());
    const rows = [...html.matchAll(/<tr data-alert="(\w+)" data-active="(true|false)">/g)].map((m) => [m[1], m[2]]);
    expect(rows).toEqual([
      ["model_stale", "false"],
      ["accuracy_below_floor", "false"],
      ["accuracy_above_ceiling", "false"],
      ["training_failed", "true"],
      ["training_sla_missed", "true"],
    ]);
    expect([...html.matchAll(/<tr data-kind="(\w+)">/g)].map((m) => m[1])).toEqual([
      "rollback",
      "promotion",
      "bootstrap",
    ]);
    expect(html.match(/<tr data-version=/g)).toHaveLength(30);
    expect(html).toContain("The 30 newest of 35 versions read");
    expect(html).toContain('<span class="alias champion">champion</span>');
  });

  it("when there is no data yet, then the page says why and still loads its script to retry", () => {
    const html = renderDashboardPage(
      view({
        data: undefined,
        alerts: undefined,
        status: { ...okStatus, lastSuccessAt: undefined, lastError: { at: now, message: "MLflow is unreachable" } },
      }),
    );
    expect(html).toContain("No monitoring data yet (MLflow could not be read: MLflow is unreachable)");
    expect(html).toContain('src="/dashboard/assets/dashboard.js"');
    expect(html).not.toContain("<svg");
  });

  it("when MLflow failed after data was read, then the page shows the old data and says since when", () => {
    const later = new Date(now.getTime() + 60_000);
    const html = renderDashboardPage(
      view({ status: { ...okStatus, lastError: { at: later, message: "timeout" }, consecutiveFailures: 2 } }),
    );
    expect(html).toContain("MLflow could not be read at 2026-11-24 15:01 UTC (timeout); showing the data read at");
    expect(html).toContain("<svg");
  });

  it("when ages are formatted, then they read as a person would say them", () => {
    expect([0.001, 0.5, 5.2, 49.5].map(formatAge)).toEqual(["< 1 min", "30 min", "5 h 12 min", "2 d 1 h"]);
  });
});
