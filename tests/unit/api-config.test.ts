import { describe, expect, it } from "vitest";
import { loadApiConfig } from "../../api/config.js";
import { ConfigError } from "../../lib/config.js";

describe("loadApiConfig", () => {
  it("when nothing is set, then the documented defaults apply and CORS is off", () => {
    const config = loadApiConfig({});
    expect(config).toMatchObject({
      port: 30951,
      host: "0.0.0.0",
      modelName: "spy-direction",
      modelAlias: "champion",
      championPollMs: 30_000,
      dataRefreshMs: 900_000,
      corsOrigins: undefined,
      shutdownTimeoutMs: 20_000,
    });
    expect(config.mlflow.trackingUri).toBe("http://127.0.0.1:5000");
    expect(config.market.MARKET_TICKER).toBe("SPY");
    expect(config.market.MARKET_DATA_FILE).toBeUndefined();
  });

  it("when values are set, then they are used, fractions of seconds included", () => {
    const config = loadApiConfig({
      API_PORT: "8080",
      API_HOST: "127.0.0.1",
      MODEL_NAME: "spy-test",
      MODEL_ALIAS: "challenger",
      CHAMPION_POLL_SECONDS: "0.2",
      DATA_REFRESH_SECONDS: "60",
      CORS_ORIGINS: "http://localhost:3000, https://lab.example",
      SHUTDOWN_TIMEOUT_SECONDS: "5",
      MLFLOW_TRACKING_URI: "http://mlflow:5000/",
      MARKET_DATA_FILE: "/data/spy.csv",
    });
    expect(config).toMatchObject({
      port: 8080,
      host: "127.0.0.1",
      modelName: "spy-test",
      modelAlias: "challenger",
      championPollMs: 200,
      dataRefreshMs: 60_000,
      corsOrigins: ["http://localhost:3000", "https://lab.example"],
      shutdownTimeoutMs: 5_000,
    });
    expect(config.mlflow.trackingUri).toBe("http://mlflow:5000");
    expect(config.market.MARKET_DATA_FILE).toBe("/data/spy.csv");
  });

  it('when CORS_ORIGINS is "*", then any origin is allowed', () => {
    expect(loadApiConfig({ CORS_ORIGINS: "*" }).corsOrigins).toEqual(["*"]);
  });

  it("when API, MLflow and market variables are invalid together, then one ConfigError names each of them", () => {
    let caught: unknown;
    try {
      loadApiConfig({
        API_PORT: "99999",
        CHAMPION_POLL_SECONDS: "-1",
        MODEL_ALIAS: "champion@x",
        CORS_ORIGINS: "http://ok.example, http://bad.example/path",
        MLFLOW_TRACKING_URI: "ftp://mlflow",
        MARKET_TICKER: "S P Y",
      });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    for (const name of [
      "API_PORT",
      "CHAMPION_POLL_SECONDS",
      "MODEL_ALIAS",
      "CORS_ORIGINS",
      "MLFLOW_TRACKING_URI",
      "MARKET_TICKER",
    ]) {
      expect(message).toContain(name);
    }
    expect(message.match(/invalid configuration/g)).toHaveLength(1);
  });
});
