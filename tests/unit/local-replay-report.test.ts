import { describe, expect, it } from "vitest";
import { VERSION_TAGS } from "../../lib/registry/names.js";
import type { ModelVersion } from "../../lib/mlflow/index.js";
import { describeVersion, replaySummary, type DayResult } from "../../scripts/local/replay-report.js";

function version(number: string, decision: string, outcome: string, auc?: string): ModelVersion {
  const tags = [
    { key: VERSION_TAGS.decision, value: decision },
    { key: VERSION_TAGS.decisionOutcome, value: outcome },
    { key: VERSION_TAGS.primaryMetric, value: "roc_auc" },
    ...(auc ? [{ key: `${VERSION_TAGS.evalMetricPrefix}roc_auc`, value: auc }] : []),
  ];
  return { name: "spy-direction", version: number, tags };
}

describe("replay report", () => {
  it("when a version is described, then its decision, outcome and primary metric are shown", () => {
    expect(describeVersion(version("7", "promoted", "beats_champion", "0.55312"))).toBe(
      "version 7 promoted (beats_champion, roc_auc 0.553)",
    );
    expect(describeVersion(version("8", "not_promoted", "not_better_than_baseline"))).toBe(
      "version 8 not promoted (not_better_than_baseline)",
    );
    expect(describeVersion({ version: "9" })).toBe("version 9 no decision");
  });

  it("when days were trained, skipped and failed, then the summary counts them, the versions and the promotions", () => {
    const results: DayResult[] = [
      { day: "2023-09-25", outcome: "trained", versions: [version("2", "promoted", "beats_champion")], champion: "2" },
      { day: "2023-09-26", outcome: "already_done", versions: [], champion: "2" },
      { day: "2023-09-27", outcome: "trained", versions: [version("3", "not_promoted", "x")], champion: "2" },
      { day: "2023-09-28", outcome: "failed", versions: [], champion: undefined },
    ];
    expect(replaySummary(results, 5, "1")).toEqual([
      "summary:",
      "  days: 5 planned, 2 trained, 1 already done, 1 failed, 1 not run",
      "  new versions: 2 (2 .. 3)",
      "  promotions: 1 (version 2)",
      "  champion: version 2 (before the replay: version 1)",
    ]);
  });

  it("when the replay stopped on a bad configuration before any version, then the summary says so", () => {
    const results: DayResult[] = [{ day: "2023-09-25", outcome: "bad_config", versions: [], champion: undefined }];
    expect(replaySummary(results, 3, undefined)).toEqual([
      "summary:",
      "  days: 3 planned, 0 trained, 0 already done, 0 failed, stopped on bad configuration, 2 not run",
      "  new versions: 0",
      "  promotions: 0",
      "  champion: none (before the replay: none)",
    ]);
  });
});
