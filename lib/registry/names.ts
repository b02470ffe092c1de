import { z } from "zod";

/**
 * Names shared by the training job, the registry CLI and anything that reads the registry (API, dashboard):
 * the aliases and the model-version tags that record each version's data, metrics, promotion decision and
 * every time it became champion.
 */

export const ALIASES = {
  /** The version the API serves. */
  champion: "champion",
  /** The newest version registered by the training job (set on every new version). */
  challenger: "challenger",
  /** The champion before the last change: `rollback` returns to it. */
  previousChampion: "previous-champion",
} as const;

/** MODEL_NAME: the registered model (default spy-direction). */
export const modelNameSchema = z
  .string()
  .trim()
  .regex(/^[\w.-]{1,200}$/, "letters, digits, '_', '-' and '.' only")
  .default("spy-direction");

export const VERSION_TAGS = {
  // What the version was trained and evaluated on (set at registration).
  asOf: "as_of",
  trainFirstDate: "train_first_date",
  trainLastDate: "train_last_date",
  trainRows: "train_rows",
  evalFirstDate: "eval_first_date",
  evalLastDate: "eval_last_date",
  evalRows: "eval_rows",
  datasetDigest: "dataset_digest",
  dataSource: "data_source",
  trainer: "trainer",
  primaryMetric: "primary_metric",
  /** Prefix of the evaluation metrics: `eval.roc_auc`, `eval.accuracy`, ... */
  evalMetricPrefix: "eval.",
  /** Prefix of the always-UP baseline's metrics on the same window: `baseline.always_up.roc_auc`, ... */
  alwaysUpPrefix: "baseline.always_up.",

  // The training job's promotion decision (set on every new version).
  /** "promoted" | "not_promoted" | "failed" */
  decision: "promotion_decision",
  /** bootstrap | replaces_incompatible_champion | beats_champion | not_better_than_champion | not_better_than_baseline | not_comparable | error */
  decisionOutcome: "promotion_outcome",
  decisionReason: "promotion_reason",
  decidedAt: "decided_at",
  comparedChampion: "compared_champion_version",
  /** The champion's primary metric re-scored on this version's evaluation window. */
  championScore: "champion_rescored_score",

  // Set whenever the version becomes champion (job or CLI).
  championSince: "champion_since",
  /** bootstrap | promotion | manual_promotion | rollback */
  championChange: "champion_change",
  championChangedBy: "champion_changed_by",
  championChangeReason: "champion_change_reason",
  /** The champion this version replaced ("none" for the first). */
  replacedVersion: "previous_champion_version",
  /** JSON list of every time this version became champion: ChampionEvent[] (oldest first). */
  championEvents: "champion_events",

  // Set on the champion that was replaced.
  replacedAt: "replaced_at",
  replacedBy: "replaced_by_version",
} as const;

export type DecisionTag = "promoted" | "not_promoted" | "failed";
export type ChampionChangeKind = "bootstrap" | "promotion" | "manual_promotion" | "rollback";

/** One change of the champion alias, as kept in the `champion_events` tag of the version that became champion. */
export interface ChampionEvent {
  /** ISO 8601. */
  at: string;
  kind: ChampionChangeKind;
  /** The champion before (null: there was none). */
  from: string | null;
  to: string;
  by: string;
  reason: string;
}

/** The events recorded in a `champion_events` tag; an unreadable tag counts as no events. */
export function parseChampionEvents(text: string | undefined): ChampionEvent[] {
  if (!text) return [];
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? (value.filter(isEvent) as ChampionEvent[]) : [];
  } catch {
    return [];
  }
}

function isEvent(value: unknown): boolean {
  if (!value || typeof value !== "object") return false;
  const event = value as Record<string, unknown>;
  return typeof event.at === "string" && typeof event.kind === "string" && typeof event.to === "string";
}
