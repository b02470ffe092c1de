import { formatMetric, higherIsBetter, improvement, type MetricId } from "./metrics.js";

/**
 * The promotion rule, as a pure function of scores measured on ONE evaluation window:
 * - no champion yet (the alias does not exist) -> promote (bootstrap);
 * - the champion was trained on a feature spec the current code no longer computes (so the API cannot serve it
 *   and it cannot be re-scored) -> promote: the challenger replaces a model nothing can use any more;
 * - otherwise promote only when the challenger beats the champion, re-scored on the same window, by more than
 *   the margin on the primary metric AND beats the always-UP baseline on it.
 * Errors never reach this function: the caller must not decide at all when looking up or re-scoring the
 * champion failed.
 */

/** Float noise allowed when comparing two scores computed on the same rows. */
const EPSILON = 1e-12;

export type ChampionScore =
  | { kind: "none" }
  /** The champion's bundle needs features the current code does not compute (feature spec changed). */
  | { kind: "incompatible"; version: string; detail: string }
  /** The champion's score on the challenger's evaluation window; null when the metric is undefined there. */
  | { kind: "rescored"; version: string; score: number | null };

export interface DecisionInput {
  metric: MetricId;
  /** >= 0, in the metric's units. */
  margin: number;
  challenger: { version: string; score: number | null };
  /** The always-UP baseline's score on the same window (null when undefined). */
  alwaysUp: number | null;
  champion: ChampionScore;
}

export type DecisionOutcome =
  | "bootstrap"
  | "replaces_incompatible_champion"
  | "beats_champion"
  | "not_better_than_champion"
  | "not_better_than_baseline"
  | "not_comparable";

export interface Decision {
  promote: boolean;
  outcome: DecisionOutcome;
  /** One sentence with the figures, for version tags, logs and the CLI. */
  reason: string;
}

export function decidePromotion(input: DecisionInput): Decision {
  const { metric, margin, challenger, alwaysUp, champion } = input;
  if (!(margin >= 0)) throw new RangeError(`promotion margin must be >= 0, got ${margin}`);
  const name = `${metric} (${higherIsBetter(metric) ? "higher" : "lower"} is better)`;
  const c = formatMetric(challenger.score);
  const beatsBaseline =
    challenger.score !== null && alwaysUp !== null && improvement(metric, challenger.score, alwaysUp) > EPSILON;
  const baselineText = `always-UP baseline ${formatMetric(alwaysUp)}`;

  if (champion.kind === "none") {
    return {
      promote: true,
      outcome: "bootstrap",
      reason:
        `no champion yet: v${challenger.version} becomes the first champion; ${name} ${c}, ` +
        `${beatsBaseline ? "beats" : "does not beat"} the ${baselineText}`,
    };
  }

  if (champion.kind === "incompatible") {
    return {
      promote: true,
      outcome: "replaces_incompatible_champion",
      reason:
        `champion v${champion.version} cannot be served or re-scored by this code (${champion.detail}): ` +
        `v${challenger.version} replaces it; ${name} ${c}, ` +
        `${beatsBaseline ? "beats" : "does not beat"} the ${baselineText}`,
    };
  }

  const vs = `v${challenger.version} ${name} ${c} vs champion v${champion.version} ${formatMetric(champion.score)}`;
  if (challenger.score === null || champion.score === null || alwaysUp === null) {
    return {
      promote: false,
      outcome: "not_comparable",
      reason: `${vs}: ${metric} is undefined on the evaluation window (one class only?), so nothing is promoted`,
    };
  }
  const gain = improvement(metric, challenger.score, champion.score);
  const gainText = `${gain >= 0 ? "+" : ""}${gain.toFixed(4)}`;
  const beatsChampion = gain > margin + EPSILON;
  if (!beatsChampion) {
    return {
      promote: false,
      outcome: "not_better_than_champion",
      reason: `${vs} (${gainText}): not better by more than the margin ${margin}`,
    };
  }
  if (!beatsBaseline) {
    return {
      promote: false,
      outcome: "not_better_than_baseline",
      reason: `${vs} (${gainText}) beats the champion but not the ${baselineText}`,
    };
  }
  return {
    promote: true,
    outcome: "beats_champion",
    reason: `${vs} (${gainText} > margin ${margin}) and beats the ${baselineText}`,
  };
}
