import { describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config.js";
import { authorizationHeader } from "../../lib/mlflow/auth.js";
import { MlflowClient, normalizeTrackingUri } from "../../lib/mlflow/client.js";
import { mlflowConnectionFromEnv } from "../../lib/mlflow/env.js";

describe("mlflowConnectionFromEnv", () => {
  it("when nothing is set, then the local server, no auth and the default timeout and retries apply", () => {
    expect(mlflowConnectionFromEnv({})).toEqual({
      trackingUri: "http://127.0.0.1:5000",
      auth: undefined,
      timeoutMs: 30_000,
      retry: { retries: 7, baseDelayMs: 500, maxDelayMs: 15_000 },
    });
  });

  it("when everything is set, then it is converted (seconds to milliseconds, trailing slash removed)", () => {
    expect(
      mlflowConnectionFromEnv({
        MLFLOW_TRACKING_URI: "https://mlflow.lab.internal/mlflow/",
        MLFLOW_TRACKING_USERNAME: "trainer",
        MLFLOW_TRACKING_PASSWORD: "s3cret:with:colons",
        MLFLOW_HTTP_REQUEST_TIMEOUT: "2.5",
        MLFLOW_HTTP_REQUEST_MAX_RETRIES: "0",
        MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: "0.1",
        MLFLOW_HTTP_REQUEST_MAX_BACKOFF: "1",
      }),
    ).toEqual({
      trackingUri: "https://mlflow.lab.internal/mlflow",
      auth: { type: "basic", username: "trainer", password: "s3cret:with:colons" },
      timeoutMs: 2500,
      retry: { retries: 0, baseDelayMs: 100, maxDelayMs: 1000 },
    });
  });

  it("when only a token is set, then bearer auth is used; with a username and password too, basic wins (as in MLflow)", () => {
    expect(mlflowConnectionFromEnv({ MLFLOW_TRACKING_TOKEN: " tok " }).auth).toEqual({ type: "bearer", token: "tok" });
    expect(
      mlflowConnectionFromEnv({
        MLFLOW_TRACKING_TOKEN: "tok",
        MLFLOW_TRACKING_USERNAME: "u",
        MLFLOW_TRACKING_PASSWORD: "p",
      }).auth,
    ).toEqual({ type: "basic", username: "u", password: "p" });
  });

  it.each([
    [{ MLFLOW_TRACKING_USERNAME: "u" }, "MLFLOW_TRACKING_PASSWORD: set both"],
    [{ MLFLOW_TRACKING_PASSWORD: "p" }, "MLFLOW_TRACKING_USERNAME: set both"],
    [{ MLFLOW_TRACKING_USERNAME: "a:b", MLFLOW_TRACKING_PASSWORD: "p" }, "must not contain ':'"],
    [{ MLFLOW_TRACKING_URI: "sqlite:///mlflow.db" }, "MLFLOW_TRACKING_URI"],
    [{ MLFLOW_TRACKING_URI: "databricks" }, "MLFLOW_TRACKING_URI"],
    [{ MLFLOW_HTTP_REQUEST_TIMEOUT: "0" }, "MLFLOW_HTTP_REQUEST_TIMEOUT"],
    [{ MLFLOW_HTTP_REQUEST_MAX_RETRIES: "1.5" }, "MLFLOW_HTTP_REQUEST_MAX_RETRIES"],
    [{ MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: "-1" }, "MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR"],
  ])("when the environment is %j, then a ConfigError names the problem", (env, message) => {
    expect(() => mlflowConnectionFromEnv(env)).toThrow(ConfigError);
    expect(() => mlflowConnectionFromEnv(env)).toThrow(message);
  });

  it("when the URI carries credentials, then it is refused with a pointer to the right variables", () => {
    expect(() => mlflowConnectionFromEnv({ MLFLOW_TRACKING_URI: "http://u:p@mlflow:5000" })).toThrow(
      "must not contain credentials: set MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD",
    );
  });
});

describe("normalizeTrackingUri and the client constructor", () => {
  it("when the URI is valid, then the trailing slashes go and the prefix stays", () => {
    expect(normalizeTrackingUri("http://127.0.0.1:5000/")).toBe("http://127.0.0.1:5000");
    expect(normalizeTrackingUri("https://host/mlflow//")).toBe("https://host/mlflow");
    expect(new MlflowClient({ trackingUri: "http://localhost:5000/" }).trackingUri).toBe("http://localhost:5000");
  });

  it("when the URI or the settings are invalid, then the constructor throws a ConfigError", () => {
    expect(() => new MlflowClient({ trackingUri: "not a url" })).toThrow("is not a URL");
    expect(() => new MlflowClient({ trackingUri: "file:///mlruns" })).toThrow("must be an http(s) URL");
    expect(() => new MlflowClient({ trackingUri: "http://h?x=1" })).toThrow("must not have a query");
    expect(() => new MlflowClient({ trackingUri: "http://h", timeoutMs: 0 })).toThrow(ConfigError);
    expect(() => new MlflowClient({ trackingUri: "http://h", retry: { retries: -1 } })).toThrow(ConfigError);
  });
});

describe("authorizationHeader", () => {
  it("when credentials are basic, then the header is base64 of user:password in UTF-8", () => {
    expect(authorizationHeader({ type: "basic", username: "admin", password: "password1234" })).toBe(
      "Basic YWRtaW46cGFzc3dvcmQxMjM0",
    );
    const header = authorizationHeader({ type: "basic", username: "jürgen", password: "pä:ss" })!;
    expect(Buffer.from(header.slice("Basic ".length), "base64").toString("utf8")).toBe("jürgen:pä:ss");
  });

  it("when a token is given, then the header is a bearer token", () => {
    expect(authorizationHeader({ type: "bearer", token: "abc.def" })).toBe("Bearer abc.def");
  });

  it("when there are no credentials, then there is no header", () => {
    expect(authorizationHeader(undefined)).toBeUndefined();
  });

  it("when the credentials cannot be sent, then a ConfigError says why", () => {
    expect(() => authorizationHeader({ type: "bearer", token: " " })).toThrow("MLFLOW_TRACKING_TOKEN");
    expect(() => authorizationHeader({ type: "basic", username: "", password: "p" })).toThrow(ConfigError);
    expect(() => authorizationHeader({ type: "basic", username: "a:b", password: "p" })).toThrow(
      "must not contain ':'",
    );
  });
});
