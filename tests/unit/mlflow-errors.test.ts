import { describe, expect, it } from "vitest";
import { EXIT_CODES } from "../../lib/exit-codes.js";
import {
  MlflowApiError,
  MlflowUnavailableError,
  isAliasNotFound,
  isAlreadyExists,
  isNotFound,
  isTransient,
  parseErrorBody,
  type ApiErrorContext,
} from "../../lib/mlflow/errors.js";

const context = (overrides: Partial<ApiErrorContext>): ApiErrorContext => ({
  trackingUri: "http://mlflow.lab:5000",
  method: "GET",
  endpoint: "/api/2.0/mlflow/registered-models/alias",
  status: 400,
  contentType: "application/json",
  body: "",
  ...overrides,
});

const apiError = (status: number, body: unknown, overrides: Partial<ApiErrorContext> = {}): MlflowApiError =>
  new MlflowApiError(context({ status, body: JSON.stringify(body), ...overrides }));

describe("parseErrorBody", () => {
  it("when the body is MLflow's JSON, then error_code and message come out", () => {
    expect(
      parseErrorBody('{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "Run r not found", "sqlstate": "KAM00"}'),
    ).toEqual({ errorCode: "RESOURCE_DOES_NOT_EXIST", serverMessage: "Run r not found" });
  });

  it("when the body is FastAPI's JSON, then the detail is the message", () => {
    expect(parseErrorBody('{"detail": "Method Not Allowed"}')).toEqual({
      errorCode: undefined,
      serverMessage: "Method Not Allowed",
    });
  });

  it("when the body is text or HTML, then its readable text is the message, shortened", () => {
    expect(parseErrorBody("Invalid Host header - possible DNS rebinding attack detected", "text/plain")).toEqual({
      errorCode: undefined,
      serverMessage: "Invalid Host header - possible DNS rebinding attack detected",
    });
    const html =
      "<!doctype html><html lang=en><title>404 Not Found</title><h1>Not Found</h1><p>The requested URL was not found.</p>";
    expect(parseErrorBody(html, "text/html").serverMessage).toBe("Not Found The requested URL was not found.");
    expect(parseErrorBody("x".repeat(1000)).serverMessage).toHaveLength(300);
    expect(parseErrorBody("{not json").serverMessage).toBe("{not json");
  });
});

describe("MlflowApiError messages", () => {
  it("when basic credentials are rejected (401), then the message says which variables to check", () => {
    const error = new MlflowApiError(
      context({ status: 401, body: "Unauthorized", contentType: "text/plain", auth: "basic" }),
    );
    expect(error.message).toBe(
      "MLflow rejected the credentials (401) for GET /api/2.0/mlflow/registered-models/alias: check MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD",
    );
    expect(error.exitCode).toBe(EXIT_CODES.badConfig);
  });

  it("when a token is rejected or none was sent (401), then the message fits the case", () => {
    expect(new MlflowApiError(context({ status: 401, auth: "bearer" })).message).toContain(
      "check MLFLOW_TRACKING_TOKEN",
    );
    expect(new MlflowApiError(context({ status: 401 })).message).toContain(
      "requires authentication (401) for GET /api/2.0/mlflow/registered-models/alias: set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD",
    );
  });

  it("when the Host check refuses the request (403 text), then the message names the host and --allowed-hosts", () => {
    const error = new MlflowApiError(
      context({
        status: 403,
        contentType: "text/plain",
        body: "Invalid Host header - possible DNS rebinding attack detected",
      }),
    );
    expect(error.message).toContain('MLflow refused the request\'s Host header "mlflow.lab:5000" (403)');
    expect(error.message).toContain('--allowed-hosts including "mlflow.lab:5000"');
    expect(error.errorCode).toBeUndefined();
    expect(error.exitCode).toBe(EXIT_CODES.badConfig);
  });

  it("when permission is denied (403 JSON), then the message says so with MLflow's reason", () => {
    const error = apiError(403, { error_code: "PERMISSION_DENIED", message: "Permission denied" }, { auth: "basic" });
    expect(error.message).toBe(
      "MLflow denied permission (403 PERMISSION_DENIED) for GET /api/2.0/mlflow/registered-models/alias (user from MLFLOW_TRACKING_USERNAME): Permission denied",
    );
  });

  it("when any other error comes back, then the message has the call, status, code and MLflow's message", () => {
    const error = apiError(400, {
      error_code: "INVALID_PARAMETER_VALUE",
      message: "Registered model alias champion not found.",
    });
    expect(error.message).toBe(
      "MLflow GET /api/2.0/mlflow/registered-models/alias failed with 400 INVALID_PARAMETER_VALUE: Registered model alias champion not found.",
    );
    expect(error).toMatchObject({ status: 400, errorCode: "INVALID_PARAMETER_VALUE", exitCode: undefined });
    expect(
      new MlflowApiError(context({ status: 502, body: "", contentType: null, statusText: "Bad Gateway" })).message,
    ).toBe("MLflow GET /api/2.0/mlflow/registered-models/alias failed with 502 Bad Gateway");
  });
});

describe("error predicates", () => {
  const aliasMissing = apiError(400, {
    error_code: "INVALID_PARAMETER_VALUE",
    message: "Registered model alias champion not found.",
  });
  const modelMissing = apiError(404, {
    error_code: "RESOURCE_DOES_NOT_EXIST",
    message: "Registered Model with name=x not found",
  });
  const exists = apiError(400, {
    error_code: "RESOURCE_ALREADY_EXISTS",
    message: "Registered Model (name=x) already exists.",
  });
  const badParam = apiError(400, { error_code: "INVALID_PARAMETER_VALUE", message: "Invalid value for alias name" });
  const unknownRoute = new MlflowApiError(
    context({ status: 404, contentType: "text/html", body: "<h1>Not Found</h1>" }),
  );

  it("when the alias is missing, then only isAliasNotFound matches", () => {
    expect([isAliasNotFound(aliasMissing), isNotFound(aliasMissing), isAlreadyExists(aliasMissing)]).toEqual([
      true,
      false,
      false,
    ]);
    expect(isAliasNotFound(badParam)).toBe(false);
  });

  it("when the entity is missing, then isNotFound matches; an unknown route (wrong URI prefix) does not", () => {
    expect(isNotFound(modelMissing)).toBe(true);
    expect(isAliasNotFound(modelMissing)).toBe(false);
    expect(isNotFound(unknownRoute)).toBe(false);
  });

  it("when the entity already exists, then isAlreadyExists matches (400 or 409 codes)", () => {
    expect(isAlreadyExists(exists)).toBe(true);
    expect(isAlreadyExists(apiError(409, { error_code: "ALREADY_EXISTS" }))).toBe(true);
    expect(isAlreadyExists(modelMissing)).toBe(false);
  });

  it("when MLflow is down or failing, then isTransient matches; a 4xx or an unknown outcome does not", () => {
    const down = (outcomeUnknown: boolean): MlflowUnavailableError =>
      new MlflowUnavailableError({
        trackingUri: "http://x",
        method: "GET",
        endpoint: "/e",
        attempts: 1,
        elapsedMs: 0,
        reason: "r",
        outcomeUnknown,
      });
    expect(isTransient(down(false))).toBe(true);
    expect(isTransient(down(true))).toBe(false);
    expect(isTransient(apiError(503, {}))).toBe(true);
    expect(isTransient(apiError(429, {}))).toBe(true);
    expect(isTransient(modelMissing)).toBe(false);
    expect(isTransient(new Error("x"))).toBe(false);
  });

  it("when the value is not an MlflowApiError, then no predicate matches", () => {
    for (const value of [new Error("RESOURCE_DOES_NOT_EXIST"), undefined, { errorCode: "RESOURCE_DOES_NOT_EXIST" }]) {
      expect([isNotFound(value), isAlreadyExists(value), isAliasNotFound(value)]).toEqual([false, false, false]);
    }
  });
});
