import { UsageError } from "../../lib/cli.js";
import { fromKeyValues, isNotFound, type ModelVersion, type RegistryApi } from "../../lib/mlflow/index.js";
import { moveChampion, readAlias } from "./champion.js";
import { ALIASES, VERSION_TAGS } from "../../lib/registry/names.js";

/** The registry CLI's commands as functions of an injected registry client; each returns what it printed. */

export interface RegistryDeps {
  registry: RegistryApi;
  model: string;
  now: () => Date;
  /** Who runs the command (recorded on the versions). */
  actor: string;
}

export interface VersionRow {
  version: string;
  aliases: string[];
  asOf: string | undefined;
  primaryMetric: string | undefined;
  primaryValue: string | undefined;
  accuracy: string | undefined;
  decision: string | undefined;
  createdAt: string | undefined;
}

const KNOWN_ALIASES = [ALIASES.champion, ALIASES.previousChampion, ALIASES.challenger] as const;

/** Alias -> version, read with get-by-alias (search results may omit aliases) plus any other alias of the model. */
async function modelAliases(deps: RegistryDeps): Promise<Map<string, string>> {
  let model;
  try {
    model = await deps.registry.getModel(deps.model);
  } catch (error) {
    if (isNotFound(error)) {
      throw new UsageError(
        `MLflow has no registered model "${deps.model}": train one first (npm run train) or set MODEL_NAME`,
      );
    }
    throw error;
  }
  const aliases = new Map<string, string>();
  for (const entry of model.aliases ?? []) if (entry.alias && entry.version) aliases.set(entry.alias, entry.version);
  for (const alias of KNOWN_ALIASES) {
    const version = await readAlias(deps.registry, deps.model, alias);
    if (version === null) aliases.delete(alias);
    else aliases.set(alias, version);
  }
  return aliases;
}

/** The version, or a UsageError naming the versions that exist. */
async function requireVersion(deps: RegistryDeps, version: string): Promise<ModelVersion> {
  try {
    const found = await deps.registry.getVersion(deps.model, version);
    if (found.status && found.status !== "READY") {
      throw new UsageError(`${deps.model} v${version} is ${found.status}, not READY: it cannot be champion`);
    }
    return found;
  } catch (error) {
    if (!isNotFound(error)) throw error;
    const latest = await deps.registry.searchVersions({ filter: `name = '${deps.model}'`, maxResults: 10 });
    const known = latest.map((v) => `v${v.version}`).join(", ");
    throw new UsageError(
      `${deps.model} has no version ${version}` +
        (known ? ` (latest versions: ${known}; see "registry list")` : ": it has no versions yet"),
    );
  }
}

/** The newest `limit` versions with their aliases, as-of date, key metrics and promotion decision. */
export async function listVersions(deps: RegistryDeps, limit = 20): Promise<VersionRow[]> {
  const aliases = await modelAliases(deps);
  const byVersion = new Map<string, string[]>();
  for (const [alias, version] of aliases) byVersion.set(version, [...(byVersion.get(version) ?? []), alias]);
  const versions = await deps.registry.searchVersions({ filter: `name = '${deps.model}'`, maxResults: limit });
  return versions.map((v) => {
    const tags = fromKeyValues(v.tags);
    const metric = tags[VERSION_TAGS.primaryMetric];
    return {
      version: v.version ?? "?",
      aliases: byVersion.get(v.version ?? "") ?? [],
      asOf: tags[VERSION_TAGS.asOf],
      primaryMetric: metric,
      primaryValue: metric ? tags[`${VERSION_TAGS.evalMetricPrefix}${metric}`] : undefined,
      accuracy: tags[`${VERSION_TAGS.evalMetricPrefix}accuracy`],
      decision: tags[VERSION_TAGS.decision],
      createdAt: v.creation_timestamp
        ? new Date(v.creation_timestamp).toISOString().slice(0, 16).replace("T", " ")
        : undefined,
    };
  });
}

function short(value: string | undefined, digits = 4): string {
  if (value === undefined) return "-";
  const number = Number(value);
  return Number.isFinite(number) && value.trim() !== "" ? number.toFixed(digits) : value;
}

/** The list as a table for people. */
export function formatVersionTable(model: string, rows: readonly VersionRow[]): string {
  if (rows.length === 0) return `${model}: no versions yet\n`;
  const metric = rows.find((row) => row.primaryMetric)?.primaryMetric ?? "metric";
  const table = [
    ["VERSION", "ALIASES", "AS OF", metric.toUpperCase(), "ACCURACY", "DECISION", "CREATED (UTC)"],
    ...rows.map((row) => [
      `v${row.version}`,
      row.aliases.length > 0 ? row.aliases.join(",") : "-",
      row.asOf ?? "-",
      row.primaryMetric === metric ? short(row.primaryValue) : "-",
      short(row.accuracy),
      row.decision ?? "-",
      row.createdAt ?? "-",
    ]),
  ];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((line) => line[c]!.length)));
  const lines = table.map((line) =>
    line
      .map((cell, c) => cell.padEnd(widths[c]!))
      .join("  ")
      .trimEnd(),
  );
  return `${model}\n${lines.join("\n")}\n`;
}

function change(alias: string, from: string | null, to: string | null): string {
  const name = (v: string | null): string => (v === null ? "(none)" : `v${v}`);
  return from === to ? `${alias}: ${name(to)} (unchanged)` : `${alias}: ${name(from)} -> ${name(to)}`;
}

/** Makes `version` the champion; the former champion becomes previous-champion. */
export async function promoteVersion(deps: RegistryDeps, version: string, reason?: string): Promise<string> {
  await requireVersion(deps, version);
  const champion = await readAlias(deps.registry, deps.model, ALIASES.champion);
  if (champion === version) return `${deps.model} v${version} is already the champion: nothing changed\n`;
  const previous = await readAlias(deps.registry, deps.model, ALIASES.previousChampion);
  const moved = await moveChampion(deps.registry, {
    model: deps.model,
    to: version,
    expected: champion,
    kind: "manual_promotion",
    by: deps.actor,
    reason: reason ?? `promoted by hand with the registry CLI (champion was ${champion ? `v${champion}` : "not set"})`,
    now: deps.now(),
  });
  return [
    `${deps.model}: promoted v${version}`,
    change(ALIASES.champion, moved.from, moved.to),
    change(ALIASES.previousChampion, previous, moved.from ?? previous),
    "",
  ].join("\n");
}

/** Moves the champion back to previous-champion (or to `version`); the replaced champion becomes previous-champion. */
export async function rollbackChampion(deps: RegistryDeps, version?: string, reason?: string): Promise<string> {
  const champion = await readAlias(deps.registry, deps.model, ALIASES.champion);
  if (champion === null)
    throw new UsageError(`${deps.model} has no champion: nothing to roll back (use "promote VERSION")`);
  const previous = await readAlias(deps.registry, deps.model, ALIASES.previousChampion);
  const target = version ?? previous;
  if (target === null) {
    throw new UsageError(
      `${deps.model} has no ${ALIASES.previousChampion} alias: name the version to roll back to ("rollback VERSION")`,
    );
  }
  if (target === champion) return `${deps.model} v${target} is already the champion: nothing changed\n`;
  await requireVersion(deps, target);
  const moved = await moveChampion(deps.registry, {
    model: deps.model,
    to: target,
    expected: champion,
    kind: "rollback",
    by: deps.actor,
    reason: reason ?? `rolled back from v${champion} with the registry CLI`,
    now: deps.now(),
  });
  return [
    `${deps.model}: rolled back from v${champion} to v${target}`,
    change(ALIASES.champion, moved.from, moved.to),
    change(ALIASES.previousChampion, previous, moved.from),
    "",
  ].join("\n");
}
