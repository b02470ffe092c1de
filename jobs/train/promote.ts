import { exitCodeFor } from "../../lib/cli.js";
import { evaluate, type EvaluationReport } from "../../lib/evaluation/metrics.js";
import type { ExitCode } from "../../lib/exit-codes.js";
import type { RegistryApi } from "../../lib/mlflow/index.js";
import type { FeatureSpec } from "../../lib/features/spec.js";
import { BundleError } from "../../lib/model/errors.js";
import { loadVersionModel } from "../../lib/model/registry-bundle.js";
import { moveChampion, readAlias, type MoveChampionResult } from "../registry/champion.js";
import { ALIASES, VERSION_TAGS } from "../../lib/registry/names.js";
import { decidePromotion, type Decision } from "./decision.js";
import { DECISION_THRESHOLD } from "./evaluate.js";
import { formatMetric, metricValue, type MetricId } from "./metrics.js";

/** The decision could not be made (MLflow error, unusable champion): nothing was promoted. */
export class DecisionError extends Error {
  override readonly name = "DecisionError";
  readonly exitCode: ExitCode;
  constructor(message: string, cause: unknown) {
    super(`${message}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.exitCode = exitCodeFor(cause);
  }
}

/** The champion's bundle was trained on a feature spec the current code does not compute. */
export class IncompatibleChampionError extends Error {
  override readonly name = "IncompatibleChampionError";
  constructor(
    readonly version: string,
    readonly detail: string,
  ) {
    super(`champion v${version}: ${detail}`);
  }
}

/** The champion, re-scored on the challenger's evaluation window. */
export interface RescoredChampion {
  version: string;
  report: EvaluationReport;
  pUp: number[];
  /** as_of and last training date from the champion's bundle. */
  asOf: string;
  trainedThrough: string;
}

/**
 * The current champion scored on exactly the rows the challenger was evaluated on: its bundle is downloaded
 * through the registry, validated against the feature spec the challenger's rows were computed with (parseBundle)
 * and asked for P(UP). Null when there is no champion (only an alias-not-found answer means that); a champion
 * on another feature spec throws IncompatibleChampionError; every other failure is thrown as it is.
 */
export async function rescoreChampion(
  registry: RegistryApi,
  model: string,
  rows: { X: readonly (readonly number[])[]; y: readonly number[] },
  codeSpec: FeatureSpec,
): Promise<RescoredChampion | null> {
  const version = await readAlias(registry, model, ALIASES.champion);
  if (version === null) return null;
  let loaded;
  try {
    loaded = await loadVersionModel(registry, model, version, codeSpec);
  } catch (error) {
    if (error instanceof BundleError && error.reason === "incompatible_spec") {
      throw new IncompatibleChampionError(version, error.message);
    }
    throw error;
  }
  const pUp = loaded.forest.predictUpProbability(rows.X);
  return {
    version,
    report: evaluate(rows.y, pUp, DECISION_THRESHOLD),
    pUp,
    asOf: loaded.metadata.training.as_of,
    trainedThrough: loaded.metadata.training.last_date,
  };
}

export interface PromotionInput {
  registry: RegistryApi;
  model: string;
  /** The new version (the challenger). */
  version: string;
  metric: MetricId;
  margin: number;
  challenger: EvaluationReport;
  alwaysUp: EvaluationReport;
  rows: { X: readonly (readonly number[])[]; y: readonly number[] };
  /** The feature spec the rows were computed with. */
  featureSpec: FeatureSpec;
  now: Date;
  by: string;
}

export interface PromotionResult {
  decision: Decision;
  champion: RescoredChampion | null;
  /** The champion that could not be re-scored because its feature spec is not the code's (then champion is null). */
  incompatibleChampion?: string;
  /** Set when the champion alias was moved. */
  move: MoveChampionResult | undefined;
}

/**
 * Re-scores the champion, decides (decidePromotion) and, when the challenger wins, moves the aliases. Any
 * failure before or during the move is a DecisionError: the caller must fail the run and exit non-zero.
 */
export async function decideAndPromote(input: PromotionInput): Promise<PromotionResult> {
  let champion: RescoredChampion | null = null;
  let incompatible: IncompatibleChampionError | undefined;
  try {
    champion = await rescoreChampion(input.registry, input.model, input.rows, input.featureSpec);
  } catch (error) {
    if (error instanceof IncompatibleChampionError) incompatible = error;
    else throw new DecisionError(`could not re-score the champion of ${input.model}, so nothing was promoted`, error);
  }
  const decision = decidePromotion({
    metric: input.metric,
    margin: input.margin,
    challenger: { version: input.version, score: metricValue(input.challenger, input.metric) },
    alwaysUp: metricValue(input.alwaysUp, input.metric),
    champion: incompatible
      ? { kind: "incompatible", version: incompatible.version, detail: incompatible.detail }
      : champion
        ? { kind: "rescored", version: champion.version, score: metricValue(champion.report, input.metric) }
        : { kind: "none" },
  });
  const base = incompatible
    ? { decision, champion, incompatibleChampion: incompatible.version }
    : { decision, champion };
  if (!decision.promote) return { ...base, move: undefined };
  try {
    const move = await moveChampion(input.registry, {
      model: input.model,
      to: input.version,
      expected: champion?.version ?? incompatible?.version ?? null,
      kind: decision.outcome === "bootstrap" ? "bootstrap" : "promotion",
      by: input.by,
      reason: decision.reason,
      now: input.now,
    });
    return { ...base, move };
  } catch (error) {
    throw new DecisionError(`could not promote ${input.model} v${input.version}`, error);
  }
}

/** Records the decision on the version (whatever it was), so the registry alone tells the story. */
export async function tagDecision(
  registry: RegistryApi,
  model: string,
  version: string,
  result: PromotionResult,
  metric: MetricId,
  now: Date,
): Promise<void> {
  const tags: Record<string, string> = {
    [VERSION_TAGS.decision]: result.decision.promote ? "promoted" : "not_promoted",
    [VERSION_TAGS.decisionOutcome]: result.decision.outcome,
    [VERSION_TAGS.decisionReason]: result.decision.reason,
    [VERSION_TAGS.decidedAt]: now.toISOString(),
    [VERSION_TAGS.comparedChampion]: result.champion?.version ?? result.incompatibleChampion ?? "none",
  };
  if (result.champion) tags[VERSION_TAGS.championScore] = formatMetric(metricValue(result.champion.report, metric));
  for (const [key, value] of Object.entries(tags)) await registry.setVersionTag(model, version, key, value);
}

/** Marks the version's decision as failed (best effort: MLflow may be what failed). */
export async function tagFailedDecision(
  registry: RegistryApi,
  model: string,
  version: string,
  error: unknown,
  now: Date,
): Promise<void> {
  const message = (error instanceof Error ? error.message : String(error)).split("\n")[0]!.slice(0, 4000);
  const tags = {
    [VERSION_TAGS.decision]: "failed",
    [VERSION_TAGS.decisionOutcome]: "error",
    [VERSION_TAGS.decisionReason]: message,
    [VERSION_TAGS.decidedAt]: now.toISOString(),
  };
  try {
    for (const [key, value] of Object.entries(tags)) await registry.setVersionTag(model, version, key, value);
  } catch {
    // MLflow is probably down: the failed run and the exit code carry the error
  }
}
