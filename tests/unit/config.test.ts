import { describe, expect, it } from "vitest";
import { z } from "zod";
import { ConfigError, envSchemas, loadEnv } from "../../lib/config.js";
import { UsageError, exitCodeFor } from "../../lib/cli.js";
import { EXIT_CODES } from "../../lib/exit-codes.js";

const schema = z.object({
  API_PORT: envSchemas.port().default(30951),
  MLFLOW_TRACKING_URI: envSchemas.httpUrl().default("http://127.0.0.1:5000"),
  VERBOSE: envSchemas.boolean().default(false),
  AS_OF: envSchemas.isoDate().optional(),
});

describe("loadEnv", () => {
  it("when nothing is set, then every default applies", () => {
    expect(loadEnv(schema, {})).toEqual({
      API_PORT: 30951,
      MLFLOW_TRACKING_URI: "http://127.0.0.1:5000",
      VERBOSE: false,
    });
  });

  it("when values are set, then they are coerced and normalised; empty strings count as unset", () => {
    expect(
      loadEnv(schema, { API_PORT: "8080", MLFLOW_TRACKING_URI: "http://mlflow:5000/", VERBOSE: "YES", AS_OF: "" }),
    ).toEqual({ API_PORT: 8080, MLFLOW_TRACKING_URI: "http://mlflow:5000", VERBOSE: true });
  });

  it("when several values are invalid, then one ConfigError names each variable and the value given", () => {
    let caught: unknown;
    try {
      loadEnv(schema, { API_PORT: "70000", MLFLOW_TRACKING_URI: "ftp://x", AS_OF: "2023-02-30" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as Error).message;
    expect(message).toContain("API_PORT");
    expect(message).toContain('"70000"');
    expect(message).toContain("MLFLOW_TRACKING_URI");
    expect(message).toContain("AS_OF");
    expect(message).toContain("not a real calendar date");
  });
});

describe("exitCodeFor", () => {
  it("separates bad configuration (not retriable) from everything else (retriable)", () => {
    expect(exitCodeFor(new ConfigError("x"))).toBe(EXIT_CODES.badConfig);
    expect(exitCodeFor(new UsageError("x"))).toBe(EXIT_CODES.badConfig);
    expect(exitCodeFor(Object.assign(new Error("x"), { exitCode: 2 }))).toBe(EXIT_CODES.badConfig);
    expect(exitCodeFor(new Error("socket hang up"))).toBe(EXIT_CODES.transient);
  });
});
