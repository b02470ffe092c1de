import { EXIT_CODES } from "../../lib/exit-codes.js";
import { fromKeyValues, isAliasNotFound, type RegistryApi } from "../../lib/mlflow/index.js";
import { ALIASES, VERSION_TAGS, parseChampionEvents, type ChampionChangeKind } from "../../lib/registry/names.js";

/**
 * Moving the `champion` alias: the one code path used by the training job (automatic promotion) and the registry
 * CLI (manual promotion, rollback). MLflow aliases have no compare-and-set, so the move re-reads the champion
 * right before writing, refuses if it is not what the decision was based on, and reads it back afterwards.
 */

/** The champion changed under our feet (another writer): nothing more was moved. Worth retrying. */
export class ChampionMovedError extends Error {
  override readonly name = "ChampionMovedError";
  readonly exitCode = EXIT_CODES.transient;
}

/** The version an alias points to, or null when the alias is not set. Any other failure is thrown. */
export async function readAlias(registry: RegistryApi, model: string, alias: string): Promise<string | null> {
  try {
    const version = (await registry.getVersionByAlias(model, alias)).version;
    if (!version) throw new Error(`MLflow answered alias ${alias} of ${model} without a version`);
    return version;
  } catch (error) {
    if (isAliasNotFound(error)) return null;
    throw error;
  }
}

export interface MoveChampionInput {
  model: string;
  /** The version that becomes champion. */
  to: string;
  /** The champion the caller's decision was based on (null: none). The move is refused if it changed since. */
  expected: string | null;
  kind: ChampionChangeKind;
  /** Who asked: a user name or "training job". */
  by: string;
  reason: string;
  now: Date;
}

export interface MoveChampionResult {
  /** The champion before (null: none). */
  from: string | null;
  to: string;
  /** False when `to` already was the champion. */
  changed: boolean;
}

/** Keeps the events tag well below MLflow's tag value limits. */
const MAX_EVENTS = 40;

/**
 * Points `champion` at `to` and `previous-champion` at the former champion, then tags both versions (the new
 * champion's `champion_events` history gains one entry). Throws ChampionMovedError when the champion is not
 * `expected` right before the move, or not `to` right after it.
 */
export async function moveChampion(registry: RegistryApi, input: MoveChampionInput): Promise<MoveChampionResult> {
  const { model, to, expected } = input;
  const current = await readAlias(registry, model, ALIASES.champion);
  if (current !== expected) {
    throw new ChampionMovedError(
      `the champion of ${model} is ${describe(current)} but the decision was based on ${describe(expected)}: ` +
        "another writer moved it, so nothing was changed",
    );
  }
  if (current === to) return { from: current, to, changed: false };

  if (current !== null) await registry.setAlias(model, ALIASES.previousChampion, current);
  await registry.setAlias(model, ALIASES.champion, to);
  const after = await readAlias(registry, model, ALIASES.champion);
  if (after !== to) {
    throw new ChampionMovedError(
      `the champion of ${model} is ${describe(after)} right after setting it to v${to}: another writer moved it`,
    );
  }

  const at = input.now.toISOString();
  const tags = fromKeyValues((await registry.getVersion(model, to)).tags);
  const events = [...parseChampionEvents(tags[VERSION_TAGS.championEvents])];
  events.push({ at, kind: input.kind, from: current, to, by: input.by, reason: input.reason });
  const record: Record<string, string> = {
    [VERSION_TAGS.championSince]: at,
    [VERSION_TAGS.championChange]: input.kind,
    [VERSION_TAGS.championChangedBy]: input.by,
    [VERSION_TAGS.championChangeReason]: input.reason,
    [VERSION_TAGS.replacedVersion]: current ?? "none",
    [VERSION_TAGS.championEvents]: JSON.stringify(events.slice(-MAX_EVENTS)),
  };
  for (const [key, value] of Object.entries(record)) await registry.setVersionTag(model, to, key, value);
  if (current !== null) {
    await registry.setVersionTag(model, current, VERSION_TAGS.replacedAt, at);
    await registry.setVersionTag(model, current, VERSION_TAGS.replacedBy, to);
  }
  return { from: current, to, changed: true };
}

function describe(version: string | null): string {
  return version === null ? "not set" : `v${version}`;
}
