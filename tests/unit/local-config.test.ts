import path from "node:path";
import { describe, expect, it } from "vitest";
import { UsageError } from "../../lib/cli.js";
import { ConfigError } from "../../lib/config.js";
import {
  apiBaseUrl,
  childEnvironment,
  DEFAULT_LAB_DIR,
  loadLocalLabConfig,
  parseStartArgs,
} from "../../scripts/local/config.js";

describe("local lab configuration", () => {
  it("when nothing is set, then the documented defaults apply (API 30951, MLflow 5000, .lab in the repo, Yahoo)", () => {
    const config = loadLocalLabConfig(undefined, {});
    expect(config.apiPort).toBe(30951);
    expect(config.apiHost).toBe("127.0.0.1");
    expect(config.mlflowPort).toBe(5000);
    expect(config.dataFile).toBeUndefined();
    expect(config.stopGraceMs).toBe(10_000);
    expect(config.paths.labDir).toBe(DEFAULT_LAB_DIR);
    expect(config.paths.mlflowDir).toBe(path.join(DEFAULT_LAB_DIR, "mlflow"));
    expect(config.paths.logDir).toBe(path.join(DEFAULT_LAB_DIR, "logs"));
    expect(path.isAbsolute(config.paths.stateFile)).toBe(true);
  });

  it("when relative paths are given, then they are resolved from where npm was run (INIT_CWD)", () => {
    const config = loadLocalLabConfig(undefined, {
      INIT_CWD: "/home/me/lab",
      LAB_DIR: "state",
      MARKET_DATA_FILE: "../shared/data/spy-daily.csv",
    });
    expect(config.paths.labDir).toBe("/home/me/lab/state");
    expect(config.dataFile).toBe("/home/me/shared/data/spy-daily.csv");
  });

  it("when --data-file is given, then it wins over MARKET_DATA_FILE", () => {
    const config = loadLocalLabConfig("/data/flag.csv", { MARKET_DATA_FILE: "/data/env.csv" });
    expect(config.dataFile).toBe("/data/flag.csv");
  });

  it("when several variables are invalid, then one ConfigError names each of them with the value given", () => {
    let caught: unknown;
    try {
      loadLocalLabConfig(undefined, { API_PORT: "99999", MLFLOW_PORT: "http", LAB_STOP_GRACE_SECONDS: "-1" });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as Error).message;
    expect(message).toContain("API_PORT");
    expect(message).toContain('"99999"');
    expect(message).toContain("MLFLOW_PORT");
    expect(message).toContain("LAB_STOP_GRACE_SECONDS");
  });

  it("when API_PORT and MLFLOW_PORT are equal, then the configuration is rejected", () => {
    expect(() => loadLocalLabConfig(undefined, { API_PORT: "5000" })).toThrow(/MLFLOW_PORT: must differ from API_PORT/);
  });

  it("when an unknown flag or an empty --data-file is given, then a UsageError shows the usage", () => {
    expect(() => parseStartArgs(["--port", "1"])).toThrow(UsageError);
    expect(() => parseStartArgs(["--data-file", " "])).toThrow(/--data-file needs a file path/);
    expect(parseStartArgs(["--data-file", "x.csv"])).toEqual({ dataFile: "x.csv", help: false });
    expect(parseStartArgs(["--help"]).help).toBe(true);
  });
});

describe("the children's environment", () => {
  const config = { apiPort: 31000, apiHost: "127.0.0.1", dataFile: "/abs/spy.csv" };

  it("when built, then it wires the lab (MLflow URI, data file, API address) and passes every other setting on", () => {
    const env = childEnvironment(config, "http://127.0.0.1:5001", {
      N_ESTIMATORS: "50",
      EVAL_DAYS: "100",
      LOG_LEVEL: "debug",
      MLFLOW_TRACKING_URI: "http://elsewhere:5000",
      MARKET_DATA_FILE: "relative.csv",
    });
    expect(env).toMatchObject({
      N_ESTIMATORS: "50",
      EVAL_DAYS: "100",
      LOG_LEVEL: "debug",
      MLFLOW_TRACKING_URI: "http://127.0.0.1:5001",
      MARKET_DATA_FILE: "/abs/spy.csv",
      API_PORT: "31000",
      API_HOST: "127.0.0.1",
    });
  });

  it("when a fixed as-of date or a dry run is set, then the lab does not pass them on (a schedule needs neither)", () => {
    const env = childEnvironment(config, "http://127.0.0.1:5001", { TRAIN_AS_OF: "2023-01-03", TRAIN_DRY_RUN: "true" });
    expect(env.TRAIN_AS_OF).toBeUndefined();
    expect(env.TRAIN_DRY_RUN).toBeUndefined();
  });

  it("when no data file is configured, then a MARKET_DATA_FILE of the user's shell does not leak through", () => {
    const env = childEnvironment({ ...config, dataFile: undefined }, "http://x:1", { MARKET_DATA_FILE: "/old.csv" });
    expect(env.MARKET_DATA_FILE).toBeUndefined();
  });

  it("when CHAMPION_POLL_SECONDS is unset, then the API polls every 5 s; a value set by the user is kept", () => {
    expect(childEnvironment(config, "http://x:1", {}).CHAMPION_POLL_SECONDS).toBe("5");
    expect(childEnvironment(config, "http://x:1", { CHAMPION_POLL_SECONDS: "1" }).CHAMPION_POLL_SECONDS).toBe("1");
  });

  it("when the API listens on every interface, then people are told the loopback URL", () => {
    expect(apiBaseUrl({ apiHost: "0.0.0.0", apiPort: 30951 })).toBe("http://127.0.0.1:30951");
    expect(apiBaseUrl({ apiHost: "::1", apiPort: 30951 })).toBe("http://[::1]:30951");
  });
});
