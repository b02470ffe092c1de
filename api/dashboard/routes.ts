import { readFileSync } from "node:fs";
import Router from "@koa/router";
import type { AppExtension } from "../app.js";
import type { ApiContext, ApiState } from "../context.js";
import type { PathItem } from "../openapi.js";
import type { MonitoringFeed } from "./feed.js";
import { renderDashboardPage } from "./page.js";

/**
 * GET /dashboard and its two static files. The page is rendered from the feed's in-memory data; when that is older
 * than `maxAgeMs` the request first asks the feed to re-read MLflow, waiting `waitMs` at most. Predictions never
 * wait for any of this: they read their own cache.
 */

/**
 * Everything the page loads comes from this API: scripts and styles from 'self' only (no inline code, no CDN), the
 * charts are inline SVG; no frames, forms, plugins or base-URI changes. Stricter than helmet's default policy,
 * which allows styles from any https: origin.
 */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

const ASSET_TYPES = { "dashboard.js": "text/javascript; charset=utf-8", "dashboard.css": "text/css; charset=utf-8" };
type AssetName = keyof typeof ASSET_TYPES;

/** The static files, read once (from api/dashboard/assets, or dist/api/dashboard/assets in the image). */
function loadAssets(): Record<AssetName, string> {
  const read = (name: AssetName): string => readFileSync(new URL(`./assets/${name}`, import.meta.url), "utf8");
  return { "dashboard.js": read("dashboard.js"), "dashboard.css": read("dashboard.css") };
}

export interface DashboardRouteOptions {
  feed: MonitoringFeed;
  /** Data older than this is re-read before rendering. */
  maxAgeMs: number;
  /** Longest wait for that re-read (default 3 s). */
  waitMs?: number;
  /** How often the page refreshes itself in the browser. */
  refreshSeconds: number;
  trackingUri: string;
  now?: () => Date;
}

export function dashboardExtension(options: DashboardRouteOptions): AppExtension {
  const assets = loadAssets();
  const now = options.now ?? (() => new Date());
  const router = new Router<ApiState>();
  const secure = (ctx: ApiContext): void => {
    ctx.set("Content-Security-Policy", DASHBOARD_CSP);
  };

  router.get("/dashboard", async (ctx) => {
    await options.feed.fresh(options.maxAgeMs, options.waitMs ?? 3_000);
    const at = now();
    secure(ctx);
    ctx.set("Cache-Control", "no-store");
    ctx.type = "text/html; charset=utf-8";
    ctx.body = renderDashboardPage({
      data: options.feed.current,
      status: options.feed.status(),
      alerts: options.feed.alerts(at),
      now: at,
      refreshSeconds: options.refreshSeconds,
      trackingUri: options.trackingUri,
    });
  });

  router.get("/dashboard/assets/:file", (ctx) => {
    const name = ctx.params.file;
    if (name !== "dashboard.js" && name !== "dashboard.css") return; // the JSON 404 of the stack
    secure(ctx);
    ctx.set("Cache-Control", "public, max-age=300");
    ctx.type = ASSET_TYPES[name];
    ctx.body = assets[name];
  });

  const openapi: Record<string, PathItem> = {
    "/dashboard": {
      get: {
        summary: "Model monitoring dashboard (HTML)",
        description:
          "The champion and its history, accuracy per training run and its weekly average, the champion's live " +
          "accuracy, model age and alert states, from MLflow data cached by the API. Charts are inline SVG.",
        responses: { "200": { description: "The page.", content: { "text/html": { schema: { type: "string" } } } } },
      },
    },
    "/dashboard/assets/{file}": {
      get: {
        summary: "The dashboard's script and style sheet",
        parameters: [
          {
            name: "file",
            in: "path",
            required: true,
            schema: { type: "string", enum: Object.keys(ASSET_TYPES) },
          },
        ],
        responses: {
          "200": { description: "The file." },
          "404": { description: "No such file (JSON error)." },
        },
      },
    },
  };
  return { router, openapi };
}
