import Router from "@koa/router";
import Koa from "koa";
import helmet from "koa-helmet";
import type { Logger } from "../lib/log.js";
import type { ApiState } from "./context.js";
import type { ApiMetrics } from "./metrics.js";
import { cors } from "./middleware/cors.js";
import { jsonErrors, jsonFallbacks } from "./middleware/errors.js";
import { observeRequests } from "./middleware/observe.js";
import { buildOpenApiDocument, type PathItem } from "./openapi.js";
import { addCoreRoutes } from "./routes.js";
import type { ServingView } from "./serving.js";

/**
 * Routes added by a later feature (e.g. GET /dashboard): mounted behind the same middleware (logs, metrics, security
 * headers, JSON errors) and listed in /openapi.json. Their metrics go into `metrics.registry`.
 */
export interface AppExtension {
  router: Router<ApiState>;
  /** OpenAPI path items of the extension's routes. */
  openapi?: Record<string, PathItem>;
}

export interface StackOptions {
  logger: Logger;
  metrics: ApiMetrics;
  /** Origins allowed by CORS; undefined: no CORS headers. */
  corsOrigins?: readonly string[] | undefined;
}

export interface AppDeps extends StackOptions {
  serving: ServingView;
  extensions?: readonly AppExtension[];
}

/**
 * The prediction API as a Koa app, without listening (tests call `app.callback()`; api/server.ts listens).
 * Reads only in-memory state: starting the ServingRuntime behind `serving` is the caller's job.
 */
export function createApp(deps: AppDeps): Koa<ApiState> {
  const extensions = deps.extensions ?? [];
  const extraPaths: Record<string, PathItem> = {};
  for (const extension of extensions) Object.assign(extraPaths, extension.openapi);
  const openapi = buildOpenApiDocument(extraPaths);
  const router = new Router<ApiState>();
  addCoreRoutes(router, { serving: deps.serving, metrics: deps.metrics, openapiJson: JSON.stringify(openapi) });
  for (const extension of extensions) router.use(extension.router.routes());
  deps.metrics.watch(deps.serving);
  return createKoaStack(deps, router);
}

/**
 * The middleware every route runs behind, outermost first: request id + one log line + request metrics; JSON
 * errors (no stack to users); security headers (helmet); CORS only when configured; JSON 404/405; the routes.
 * Exported so the benchmark's bare route runs behind exactly the same stack.
 */
export function createKoaStack(options: StackOptions, router: Router<ApiState>): Koa<ApiState> {
  const app = new Koa<ApiState>();
  app.on("error", (error: unknown) => options.logger.error({ err: error }, "unhandled error in the HTTP stack"));
  app.use(observeRequests(options.logger, options.metrics));
  app.use(jsonErrors(options.logger));
  app.use(helmet());
  if (options.corsOrigins) app.use(cors(options.corsOrigins));
  app.use(jsonFallbacks());
  app.use(router.routes());
  app.use(router.allowedMethods());
  return app;
}
