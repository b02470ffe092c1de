import type { Middleware } from "koa";
import type { Logger } from "../../lib/log.js";
import { sendError, type ApiState } from "../context.js";

/**
 * Turns any error thrown below into a JSON answer: a client error Koa or a route raised keeps its status and
 * message; anything else is logged with its stack and answered 500 with a generic message (no stack to users).
 */
export function jsonErrors(logger: Logger): Middleware<ApiState> {
  return async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      const { status, expose, message } = (error ?? {}) as { status?: unknown; expose?: unknown; message?: unknown };
      if (typeof status === "number" && status >= 400 && status < 500 && expose === true) {
        sendError(ctx, status, "bad_request", typeof message === "string" ? message : "bad request");
        return;
      }
      logger.error({ err: error, req_id: ctx.state.requestId, method: ctx.method, path: ctx.path }, "request failed");
      sendError(
        ctx,
        500,
        "internal_error",
        `internal error; the server log has the details (request ${ctx.state.requestId})`,
      );
    }
  };
}

/**
 * JSON bodies for what the router leaves empty: unknown routes (404) and known routes with another method (405,
 * with the Allow header the router set).
 */
export function jsonFallbacks(): Middleware<ApiState> {
  return async (ctx, next) => {
    await next();
    if (ctx.body !== undefined && ctx.body !== null) return;
    if (ctx.status === 404) {
      sendError(ctx, 404, "not_found", `no route ${ctx.method} ${ctx.path}; the routes are listed at /openapi.json`);
    } else if (ctx.status === 405) {
      const allow = ctx.response.get("Allow");
      sendError(ctx, 405, "method_not_allowed", `${ctx.method} is not allowed on ${ctx.path}; allowed: ${allow}`, {
        allowed_methods: allow.split(/,\s*/).filter(Boolean),
      });
    } else if (ctx.status === 501) {
      sendError(ctx, 501, "not_implemented", `method ${ctx.method} is not implemented`);
    }
  };
}
