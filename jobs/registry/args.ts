import { parseArgs } from "node:util";
import { UsageError } from "../../lib/cli.js";

/** Command-line arguments of the registry CLI. */

export const REGISTRY_USAGE = `usage: registry <command> [--reason TEXT]

  list [--limit N]        versions (newest first) with aliases, as-of date, key metrics and promotion decision
  promote VERSION         make VERSION the champion; the current champion becomes previous-champion
  rollback [VERSION]      move champion back to previous-champion (or to VERSION); the replaced champion
                          becomes previous-champion, so a second rollback undoes the first

  --reason TEXT           why (recorded on the version with who and when)

Environment: MODEL_NAME (default spy-direction), MLFLOW_TRACKING_URI and the other MLFLOW_* variables.
Exit codes: 0 done, 1 MLflow unreachable (retry), 2 bad command, unknown version or model.`;

const VERSION = /^[1-9]\d*$/;

export interface RegistryCommand {
  name: "list" | "promote" | "rollback";
  version?: string;
  limit: number;
  reason?: string;
}

/** The command asked for, or "help"; anything else is a UsageError (exit 2). */
export function parseRegistryArgs(argv: readonly string[]): RegistryCommand | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      options: {
        reason: { type: "string" },
        limit: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n\n${REGISTRY_USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) return "help";
  const [name, version, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"\n\n${REGISTRY_USAGE}`);
  const limit = values.limit === undefined ? 20 : Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
    throw new UsageError(`--limit must be a whole number 1..1000\n\n${REGISTRY_USAGE}`);
  if (version !== undefined && !VERSION.test(version)) {
    throw new UsageError(`"${version}" is not a version number (e.g. 7)\n\n${REGISTRY_USAGE}`);
  }
  const reason = values.reason?.trim() || undefined;
  if (name === undefined) throw new UsageError(`missing command\n\n${REGISTRY_USAGE}`);
  switch (name) {
    case "list":
      if (version !== undefined) throw new UsageError(`list takes no version\n\n${REGISTRY_USAGE}`);
      return { name, limit };
    case "promote":
      if (version === undefined) throw new UsageError(`promote needs a VERSION\n\n${REGISTRY_USAGE}`);
      return { name, version, limit, ...(reason ? { reason } : {}) };
    case "rollback":
      return { name, limit, ...(version ? { version } : {}), ...(reason ? { reason } : {}) };
    default:
      throw new UsageError(`unknown command "${name}"\n\n${REGISTRY_USAGE}`);
  }
}
