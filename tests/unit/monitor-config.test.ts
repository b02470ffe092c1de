import { describe, expect, it } from "vitest";
import { loadDashboardConfig } from "../../api/dashboard/config.js";
import { loadMonitorConfig, parseMonitorArgs } from "../../jobs/monitor/config.js";
import { UsageError } from "../../lib/cli.js";
import { ConfigError } from "../../lib/config.js";

describe("the monitor's configuration", () => {
  it("when nothing is set, then the documented defaults apply and there is no webhook", () => {
    const config = loadMonitorConfig({});
    expect(config.settings).toEqual({
      model: "spy-direction",
      experimentName: "spy-direction",
      monitorExperimentName: "spy-direction-monitor",
      thresholds: {
        modelMaxAgeHours: 36,
        trainingSlaHours: 30,
        accuracyFloor: 0.45,
        accuracyCeiling: 0.7,
        accuracyMinDays: 20,
      },
    });
    expect(config.webhook).toBeUndefined();
    expect(config.mlflow.trackingUri).toBe("http://127.0.0.1:5000");
  });

  it("when every variable is set, then each is used", () => {
    const config = loadMonitorConfig({
      MODEL_NAME: "m",
      MLFLOW_EXPERIMENT_NAME: "e",
      MONITOR_EXPERIMENT_NAME: "alerts",
      MODEL_MAX_AGE_HOURS: "0",
      TRAINING_SLA_HOURS: "12.5",
      ACCURACY_FLOOR: "0.4",
      ACCURACY_CEILING: "0.8",
      ACCURACY_MIN_DAYS: "5",
      ALERT_WEBHOOK_URL: "https://hooks.slack.com/services/T0/B0/abc",
      ALERT_WEBHOOK_TIMEOUT_SECONDS: "2.5",
      ALERT_WEBHOOK_RETRIES: "0",
    });
    expect(config.settings).toMatchObject({ model: "m", experimentName: "e", monitorExperimentName: "alerts" });
    expect(config.settings.thresholds).toEqual({
      modelMaxAgeHours: 0,
      trainingSlaHours: 12.5,
      accuracyFloor: 0.4,
      accuracyCeiling: 0.8,
      accuracyMinDays: 5,
    });
    expect(config.webhook).toEqual({ url: "https://hooks.slack.com/services/T0/B0/abc", timeoutMs: 2500, retries: 0 });
  });

  it("when values are invalid, then one ConfigError lists them all", () => {
    const error = (() => {
      try {
        loadMonitorConfig({ ACCURACY_FLOOR: "1.5", MODEL_MAX_AGE_HOURS: "-1", ACCURACY_MIN_DAYS: "0" });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ["ACCURACY_FLOOR", "MODEL_MAX_AGE_HOURS", "ACCURACY_MIN_DAYS"]) expect(message).toContain(name);
  });

  it("when the floor is not below the ceiling, then it is refused", () => {
    expect(() => loadMonitorConfig({ ACCURACY_FLOOR: "0.6", ACCURACY_CEILING: "0.6" })).toThrow(
      /ACCURACY_CEILING: must be above ACCURACY_FLOOR/,
    );
  });

  it("when the webhook URL is not an http(s) URL, then it is refused without echoing the value", () => {
    for (const url of ["hooks.slack.com/services/T0/B0/topsecret", "ftp://x/topsecret", "not a url topsecret"]) {
      let message = "";
      try {
        loadMonitorConfig({ ALERT_WEBHOOK_URL: url });
      } catch (error) {
        expect(error).toBeInstanceOf(ConfigError);
        message = (error as Error).message;
      }
      expect(message).toContain("ALERT_WEBHOOK_URL: expected an http(s) URL");
      expect(message).not.toContain("topsecret");
    }
  });

  it("when the command line has anything but --help, then it is a usage error", () => {
    expect(parseMonitorArgs([])).toEqual({ help: false });
    expect(parseMonitorArgs(["--help"])).toEqual({ help: true });
    expect(() => parseMonitorArgs(["--now"])).toThrow(UsageError);
    expect(() => parseMonitorArgs(["check"])).toThrow(UsageError);
  });
});

describe("the API's dashboard configuration", () => {
  it("when nothing is set, then it uses the monitor's thresholds and refreshes every 60 s", () => {
    const config = loadDashboardConfig({});
    expect(config).toEqual({ settings: loadMonitorConfig({}).settings, refreshMs: 60_000, maxAgeMs: 15_000 });
    expect(loadDashboardConfig({ DASHBOARD_MAX_AGE_SECONDS: "0", ACCURACY_FLOOR: "0.3" })).toMatchObject({
      maxAgeMs: 0,
      settings: { thresholds: { accuracyFloor: 0.3 } },
    });
    expect(() => loadDashboardConfig({ DASHBOARD_REFRESH_SECONDS: "0" })).toThrow(/DASHBOARD_REFRESH_SECONDS/);
  });
});
