import type { Logger } from "../../lib/log.js";
import type { MlflowClient } from "../../lib/mlflow/index.js";
import {
  applyStatuses,
  clearPending,
  markDelivered,
  pendingEvents,
  type AlertEvent,
} from "../../lib/monitoring/alert-state.js";
import { evaluateAlerts, type AlertStatus } from "../../lib/monitoring/alerts.js";
import { readMonitoringSnapshot, type MonitoringSnapshot } from "../../lib/monitoring/snapshot.js";
import { checkMetrics, openAlertState, saveAlertState } from "../../lib/monitoring/state-store.js";
import { alertPayload, postWebhook, webhookHost, type WebhookOptions } from "../../lib/monitoring/webhook.js";
import type { MonitorConfig } from "./config.js";

/**
 * One check: read the snapshot, evaluate the alerts, record the transitions in the state run (before notifying,
 * so a crash cannot lose one), then deliver every undelivered transition, oldest first, and record what was
 * delivered. A webhook failure stops the deliveries; what is left is sent at the next check.
 */

export interface MonitorDeps {
  client: MlflowClient;
  now: () => Date;
  logger: Logger;
  /** Webhook transport and backoff (tests make the backoff short). */
  webhook?: Pick<WebhookOptions, "fetch" | "baseDelayMs" | "maxDelayMs" | "random">;
}

export interface MonitorOutcome {
  checkedAt: Date;
  snapshot: MonitoringSnapshot;
  statuses: AlertStatus[];
  /** Alerts that started or cleared at this check. */
  transitions: AlertEvent[];
  /** Notifications delivered at this check (older undelivered ones included). */
  delivered: AlertEvent[];
  /** Notifications still owed (the webhook failed). */
  pending: AlertEvent[];
  /** Why the webhook failed, when it did. */
  deliveryError: string | undefined;
  stateRunId: string;
}

const DEFAULT_BACKOFF = { baseDelayMs: 1_000, maxDelayMs: 10_000 };

export async function runMonitor(config: MonitorConfig, deps: MonitorDeps): Promise<MonitorOutcome> {
  const { client, logger } = deps;
  const { settings, webhook } = config;
  const checkedAt = deps.now();
  const snapshot = await readMonitoringSnapshot(
    client,
    { model: settings.model, experimentName: settings.experimentName },
    checkedAt,
  );
  const statuses = evaluateAlerts(snapshot, settings.thresholds, checkedAt);
  const stored = await openAlertState(client, {
    model: settings.model,
    monitorExperimentName: settings.monitorExperimentName,
  });
  const applied = applyStatuses(stored.state, statuses, checkedAt);
  let state = webhook ? applied.state : clearPending(applied.state);
  for (const event of applied.transitions) {
    const line = `${event.alert} ${event.status === "firing" ? "started" : "cleared"}: ${event.summary}`;
    if (event.status === "firing") logger.warn({ alert: event.alert, status: event.status }, line);
    else logger.info({ alert: event.alert, status: event.status }, line);
  }
  await saveAlertState(client, stored.runId, state, {
    at: checkedAt,
    webhookConfigured: webhook !== undefined,
    metrics: checkMetrics(statuses, snapshot, checkedAt),
  });

  const delivered: AlertEvent[] = [];
  let deliveryError: string | undefined;
  if (webhook) {
    const options: WebhookOptions = { ...DEFAULT_BACKOFF, ...deps.webhook, ...webhook, logger };
    for (const event of pendingEvents(state)) {
      try {
        const attempts = await postWebhook(alertPayload(event, settings.model), options);
        delivered.push(event);
        state = markDelivered(state, event, deps.now());
        logger.info({ alert: event.alert, status: event.status, host: webhookHost(webhook.url), attempts }, "notified");
      } catch (error) {
        deliveryError = error instanceof Error ? error.message : String(error);
        logger.error({ alert: event.alert, status: event.status }, deliveryError);
        break;
      }
    }
    if (delivered.length > 0) {
      await saveAlertState(client, stored.runId, state, { at: checkedAt, webhookConfigured: true, metrics: [] });
    }
  }
  return {
    checkedAt,
    snapshot,
    statuses,
    transitions: applied.transitions,
    delivered,
    pending: pendingEvents(state),
    deliveryError,
    stateRunId: stored.runId,
  };
}

/** What a person reads on stdout after a check. */
export function formatMonitorSummary(outcome: MonitorOutcome, config: MonitorConfig, trackingUri: string): string {
  const width = Math.max(...outcome.statuses.map((status) => status.name.length));
  const lines = [
    `${config.settings.model} checked at ${outcome.checkedAt.toISOString()} (MLflow ${trackingUri})`,
    ...outcome.statuses.map(
      (status) => `  ${(status.active ? "ACTIVE" : "ok").padEnd(6)}  ${status.name.padEnd(width)}  ${status.summary}`,
    ),
  ];
  const changes = outcome.transitions.map((t) => `${t.alert} ${t.status === "firing" ? "started" : "cleared"}`);
  lines.push(`changes: ${changes.length > 0 ? changes.join(", ") : "none since the last check"}`);
  if (!config.webhook) {
    lines.push("notifications: none (ALERT_WEBHOOK_URL is not set; changes are only logged and recorded)");
  } else {
    const host = webhookHost(config.webhook.url);
    const sent = outcome.delivered.map((e) => `${e.alert} ${e.status}`);
    lines.push(
      `notifications: ${sent.length > 0 ? `${sent.length} sent to ${host} (${sent.join(", ")})` : "none due"}`,
    );
    if (outcome.deliveryError) {
      lines.push(`  ${outcome.pending.length} not delivered, retried at the next check: ${outcome.deliveryError}`);
    }
  }
  lines.push(`alert state: MLflow experiment ${config.settings.monitorExperimentName}, run ${outcome.stateRunId}`);
  return `${lines.join("\n")}\n`;
}
