import { EXIT_CODES, type ExitCode } from "../exit-codes.js";
import type { AuthKind } from "./auth.js";

/** What the client knows about a failed HTTP exchange, to build a message a human can act on. */
export interface ApiErrorContext {
  trackingUri: string;
  method: string;
  /** Path of the endpoint without the query, e.g. `/api/2.0/mlflow/runs/get`. */
  endpoint: string;
  status: number;
  statusText?: string;
  contentType?: string | null;
  body: string;
  /** Which credentials were sent, if any. */
  auth?: AuthKind;
}

const MAX_TEXT_IN_MESSAGE = 300;

/** An HTTP error answer from MLflow (any status >= 400), with MLflow's `error_code` when the body was JSON. */
export class MlflowApiError extends Error {
  override readonly name = "MlflowApiError";
  readonly status: number;
  /** MLflow's `error_code` (e.g. `RESOURCE_DOES_NOT_EXIST`); undefined for non-JSON answers. */
  readonly errorCode: string | undefined;
  /** MLflow's own message, or the text of a non-JSON answer. */
  readonly serverMessage: string;
  /** The raw response body. */
  readonly body: string;
  readonly method: string;
  readonly endpoint: string;
  /** Set for answers no retry can fix (credentials, permissions, Host allow-list): bad configuration. */
  readonly exitCode: ExitCode | undefined;

  constructor(context: ApiErrorContext) {
    const { errorCode, serverMessage } = parseErrorBody(context.body, context.contentType);
    super(describeApiError(context, errorCode, serverMessage));
    this.status = context.status;
    this.errorCode = errorCode;
    this.serverMessage = serverMessage;
    this.body = context.body;
    this.method = context.method;
    this.endpoint = context.endpoint;
    this.exitCode = context.status === 401 || context.status === 403 ? EXIT_CODES.badConfig : undefined;
  }
}

/** MLflow could not be reached (connection refused, DNS, reset, timeout) within the retry budget. */
export class MlflowUnavailableError extends Error {
  override readonly name = "MlflowUnavailableError";
  readonly trackingUri: string;
  readonly method: string;
  readonly endpoint: string;
  readonly attempts: number;
  /**
   * True when a non-idempotent call failed after it may have reached the server and its result could not
   * be looked up: the change may or may not have been applied.
   */
  readonly outcomeUnknown: boolean;

  constructor(options: {
    trackingUri: string;
    method: string;
    endpoint: string;
    attempts: number;
    elapsedMs: number;
    reason: string;
    outcomeUnknown?: boolean;
    cause?: unknown;
  }) {
    const seconds = (options.elapsedMs / 1000).toFixed(1);
    const tries = `${options.attempts} attempt${options.attempts === 1 ? "" : "s"}`;
    const outcome = options.outcomeUnknown
      ? " The server may have applied it, so it was not re-sent blindly: check the server before retrying."
      : " Check that the server is running and that MLFLOW_TRACKING_URI points to it.";
    super(
      `MLflow at ${options.trackingUri} is unreachable: ${options.method} ${options.endpoint} failed after ${tries} ` +
        `over ${seconds} s (${options.reason}).${outcome}`,
      { cause: options.cause },
    );
    this.trackingUri = options.trackingUri;
    this.method = options.method;
    this.endpoint = options.endpoint;
    this.attempts = options.attempts;
    this.outcomeUnknown = options.outcomeUnknown ?? false;
  }
}

/** The entity does not exist (`RESOURCE_DOES_NOT_EXIST`). An unknown route (wrong URI prefix) is not "not found". */
export function isNotFound(error: unknown): error is MlflowApiError {
  return (
    error instanceof MlflowApiError &&
    (error.errorCode === "RESOURCE_DOES_NOT_EXIST" || error.errorCode === "NOT_FOUND")
  );
}

/** The entity already exists (MLflow answers 400 `RESOURCE_ALREADY_EXISTS`, some endpoints 409 `ALREADY_EXISTS`). */
export function isAlreadyExists(error: unknown): error is MlflowApiError {
  return (
    error instanceof MlflowApiError &&
    (error.errorCode === "RESOURCE_ALREADY_EXISTS" || error.errorCode === "ALREADY_EXISTS")
  );
}

/** The alias is not set on an existing model: MLflow answers 400 `INVALID_PARAMETER_VALUE` "... alias X not found". */
export function isAliasNotFound(error: unknown): error is MlflowApiError {
  return (
    error instanceof MlflowApiError &&
    error.status === 400 &&
    error.errorCode === "INVALID_PARAMETER_VALUE" &&
    /alias .* not found/i.test(error.serverMessage)
  );
}

/** MLflow is down, overloaded or failing (unreachable, 429, 5xx): retrying later may help. */
export function isTransient(error: unknown): boolean {
  if (error instanceof MlflowUnavailableError) return !error.outcomeUnknown;
  return error instanceof MlflowApiError && (error.status === 429 || error.status >= 500);
}

/** MLflow's `{error_code, message}` from a JSON body, or the readable text of any other body. */
export function parseErrorBody(
  body: string,
  contentType?: string | null,
): { errorCode: string | undefined; serverMessage: string } {
  const trimmed = body.trim();
  if (trimmed.startsWith("{")) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (parsed && typeof parsed === "object") {
        const { error_code: code, message, detail } = parsed as Record<string, unknown>;
        const text = typeof message === "string" ? message : typeof detail === "string" ? detail : trimmed;
        return { errorCode: typeof code === "string" ? code : undefined, serverMessage: text };
      }
    } catch {
      // not JSON after all: fall through to text
    }
  }
  const isHtml = (contentType ?? "").includes("html") || trimmed.startsWith("<");
  const text = isHtml ? htmlToText(trimmed) : trimmed.replace(/\s+/g, " ");
  return { errorCode: undefined, serverMessage: truncate(text, MAX_TEXT_IN_MESSAGE) };
}

function describeApiError(context: ApiErrorContext, errorCode: string | undefined, serverMessage: string): string {
  const call = `${context.method} ${context.endpoint}`;
  const said = serverMessage ? `: ${serverMessage}` : "";
  if (context.status === 401) {
    if (context.auth === "bearer") {
      return `MLflow rejected the token (401) for ${call}: check MLFLOW_TRACKING_TOKEN`;
    }
    if (context.auth === "basic") {
      return `MLflow rejected the credentials (401) for ${call}: check MLFLOW_TRACKING_USERNAME/MLFLOW_TRACKING_PASSWORD`;
    }
    return `MLflow requires authentication (401) for ${call}: set MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD`;
  }
  if (context.status === 403) {
    if (errorCode === undefined && /host/i.test(serverMessage)) {
      const host = hostOf(context.trackingUri);
      return (
        `MLflow refused the request's Host header "${host}" (403) for ${call}: ` +
        `start the server with --allowed-hosts including "${host}"${said}`
      );
    }
    const user = context.auth === "basic" ? " (user from MLFLOW_TRACKING_USERNAME)" : "";
    return `MLflow denied permission (403${errorCode ? ` ${errorCode}` : ""}) for ${call}${user}${said}`;
  }
  const code = errorCode ?? context.statusText ?? "";
  return `MLflow ${call} failed with ${context.status}${code ? ` ${code}` : ""}${said}`;
}

function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ")
    .replace(/<title>[\s\S]*?<\/title>/gi, " ")
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function hostOf(uri: string): string {
  try {
    return new URL(uri).host;
  } catch {
    return uri;
  }
}
