import type { Middleware } from "koa";
import type { ApiState } from "../context.js";

const ALLOWED_METHODS = "GET, HEAD, OPTIONS";
const ALLOWED_HEADERS = "Accept, Content-Type, X-Request-Id";
const PREFLIGHT_MAX_AGE_SECONDS = "600";

/**
 * CORS for a read-only API, only mounted when CORS_ORIGINS is set: requests from an allowed origin (or any, with
 * "*") get Access-Control-Allow-Origin; preflights from them are answered 204. No credentials are ever allowed.
 * Requests from other origins get no CORS headers, so browsers refuse to hand them the answer.
 */
export function cors(origins: readonly string[]): Middleware<ApiState> {
  const anyOrigin = origins.includes("*");
  const allowed = new Set(origins);
  return async (ctx, next) => {
    ctx.vary("Origin");
    const origin = ctx.get("Origin");
    if (!origin || !(anyOrigin || allowed.has(origin))) {
      await next();
      return;
    }
    ctx.set("Access-Control-Allow-Origin", anyOrigin ? "*" : origin);
    ctx.set("Access-Control-Expose-Headers", "X-Request-Id");
    if (ctx.method === "OPTIONS" && ctx.get("Access-Control-Request-Method")) {
      ctx.set("Access-Control-Allow-Methods", ALLOWED_METHODS);
      ctx.set("Access-Control-Allow-Headers", ALLOWED_HEADERS);
      ctx.set("Access-Control-Max-Age", PREFLIGHT_MAX_AGE_SECONDS);
      ctx.status = 204;
      return;
    }
    await next();
  };
}
