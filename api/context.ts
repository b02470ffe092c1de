import type { ParameterizedContext } from "koa";

/** Per-request state shared by the middleware and the routes. */
export interface ApiState {
  /** The caller's X-Request-Id when it looks sane, else a new UUID; echoed in the response. */
  requestId: string;
  /** Extra fields for the request's log line (a route adds e.g. the prediction it answered). */
  log: Record<string, unknown> | undefined;
}

export type ApiContext = ParameterizedContext<ApiState>;

/** A JSON error answer: `{"error": code, "message": sentence, ...extra}`. */
export function sendError(
  ctx: ApiContext,
  status: number,
  error: string,
  message: string,
  extra: Record<string, unknown> = {},
): void {
  ctx.status = status;
  ctx.body = { error, message, ...extra };
}

const JSON_CONTENT_TYPE = "application/json; charset=utf-8";

/**
 * A JSON body given as pre-rendered text (no serialisation per request). The Content-Type header is set before the
 * body, so Koa neither sniffs the text nor looks the type up.
 */
export function sendJsonText(ctx: ApiContext, status: number, text: string): void {
  ctx.set("Content-Type", JSON_CONTENT_TYPE);
  if (status !== 200) ctx.status = status;
  ctx.body = text;
}
