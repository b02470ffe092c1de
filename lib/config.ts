import { z } from "zod";

/** Invalid configuration: not worth retrying (the job exits with EXIT_CODES.badConfig). */
export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

type Env = Record<string, string | undefined>;

/**
 * Validates environment variables against a zod object schema whose keys are the variable names.
 * Empty strings count as unset, so `FOO=` falls back to the default. Throws one ConfigError that lists
 * every invalid variable with what was expected.
 */
export function loadEnv<S extends z.ZodObject>(schema: S, env: Env = process.env): z.infer<S> {
  const picked: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== "") picked[key] = value;
  }
  const result = schema.safeParse(picked);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => {
      const key = issue.path.join(".") || "(config)";
      const given = issue.path.length > 0 ? picked[String(issue.path[0])] : undefined;
      return `  ${key}: ${issue.message}${given !== undefined ? ` (got ${JSON.stringify(given)})` : ""}`;
    });
    throw new ConfigError(`invalid configuration:\n${lines.join("\n")}`);
  }
  return result.data;
}

/** Common zod pieces for environment variables. */
export const envSchemas = {
  /** A positive integer given as a decimal string. */
  positiveInt: () => z.coerce.number().int().positive(),
  /** A port number 1..65535 (0 is allowed where "any free port" makes sense: use `port(true)`). */
  port: (allowZero = false) =>
    z.coerce
      .number()
      .int()
      .min(allowZero ? 0 : 1)
      .max(65535),
  /** "true"/"false"/"1"/"0"/"yes"/"no" (case-insensitive). */
  boolean: () =>
    z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(["true", "false", "1", "0", "yes", "no"]))
      .transform((v) => v === "true" || v === "1" || v === "yes"),
  /** An http(s) URL without a trailing slash. */
  httpUrl: () => z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, "")),
  /** A calendar date YYYY-MM-DD that exists. */
  isoDate: () =>
    z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date as YYYY-MM-DD")
      .refine(
        (s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
        {
          message: "not a real calendar date",
        },
      ),
};
