// What a replay tells people: one line per version, and a summary of the whole range.
import { VERSION_TAGS } from "../../lib/registry/names.js";
import { fromKeyValues, type ModelVersion } from "../../lib/mlflow/index.js";

/** What became of one replayed day. */
export type DayOutcome = "trained" | "already_done" | "failed" | "bad_config" | "interrupted";

export interface DayResult {
  day: string;
  outcome: DayOutcome;
  /** Versions registered by that day's run (none when it was already done or failed). */
  versions: ModelVersion[];
  /** The champion after the day's run. */
  champion: string | undefined;
}

/** "version 7 promoted (beats_champion, roc_auc 0.553)", from the tags the training job sets on each version. */
export function describeVersion(version: ModelVersion): string {
  const tags = fromKeyValues(version.tags);
  const decision = tags[VERSION_TAGS.decision] ?? "no decision";
  const outcome = tags[VERSION_TAGS.decisionOutcome];
  const metric = tags[VERSION_TAGS.primaryMetric];
  const value = metric ? tags[`${VERSION_TAGS.evalMetricPrefix}${metric}`] : undefined;
  const score = metric && value !== undefined && value !== "" ? `${metric} ${Number(value).toFixed(3)}` : undefined;
  const details = [outcome, score].filter(Boolean).join(", ");
  return `version ${version.version ?? "?"} ${decision.replaceAll("_", " ")}${details ? ` (${details})` : ""}`;
}

/** The summary lines: days by outcome, new versions, promotions and the champion before and after. */
export function replaySummary(results: DayResult[], planned: number, championBefore: string | undefined): string[] {
  const count = (outcome: DayOutcome): number => results.filter((r) => r.outcome === outcome).length;
  const notRun = planned - results.length + count("interrupted");
  const versions = results.flatMap((r) => r.versions);
  const promoted = versions.filter((v) => fromKeyValues(v.tags)[VERSION_TAGS.decision] === "promoted");
  const championAfter = results.findLast((r) => r.champion !== undefined)?.champion ?? championBefore;
  const days = [
    `${planned} planned`,
    `${count("trained")} trained`,
    `${count("already_done")} already done`,
    `${count("failed")} failed`,
    ...(count("bad_config") > 0 ? ["stopped on bad configuration"] : []),
    ...(notRun > 0 ? [`${notRun} not run`] : []),
  ];
  return [
    "summary:",
    `  days: ${days.join(", ")}`,
    `  new versions: ${versions.length}` +
      (versions.length > 0 ? ` (${versions[0]?.version ?? "?"} .. ${versions.at(-1)?.version ?? "?"})` : ""),
    `  promotions: ${promoted.length}` +
      (promoted.length > 0 ? ` (${promoted.map((v) => `version ${v.version ?? "?"}`).join(", ")})` : ""),
    `  champion: ${named(championAfter)} (before the replay: ${named(championBefore)})`,
  ];
}

function named(version: string | undefined): string {
  return version === undefined ? "none" : `version ${version}`;
}
