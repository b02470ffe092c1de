import { randomUUID } from "node:crypto";
import type { Middleware } from "koa";
import type { Logger } from "../../lib/log.js";
import type { ApiState } from "../context.js";
import type { ApiMetrics } from "../metrics.js";

const REQUEST_ID = /^[\w.:-]{1,128}$/;
const MAX_LOGGED_PATH = 256;

/**
 * Outermost middleware: gives each request an id (the caller's X-Request-Id when sane), then counts it in the
 * metrics by route pattern and status and writes one structured log line with the outcome, its latency and whatever
 * the route added to `ctx.state.log`.
 */
export function observeRequests(logger: Logger, metrics: ApiMetrics): Middleware<ApiState> {
  return async (ctx, next) => {
    const started = performance.now();
    const incoming = ctx.get("x-request-id");
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.log = undefined;
    ctx.set("X-Request-Id", requestId);
    try {
      await next();
    } finally {
      const elapsed = performance.now() - started;
      const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      const pattern = typeof route === "string" ? route : "unmatched";
      metrics.observeRequest(ctx.method, pattern, ctx.status, elapsed / 1000);
      logger.info(
        {
          req_id: requestId,
          method: ctx.method,
          path: ctx.path.length > MAX_LOGGED_PATH ? `${ctx.path.slice(0, MAX_LOGGED_PATH)}…` : ctx.path,
          query:
            ctx.querystring.length > MAX_LOGGED_PATH
              ? `${ctx.querystring.slice(0, MAX_LOGGED_PATH)}…`
              : ctx.querystring,
          route: pattern,
          status: ctx.status,
          ms: Math.round(elapsed * 1000) / 1000,
          ...(ctx.state.log ?? {}),
        },
        "request",
      );
    }
  };
}
