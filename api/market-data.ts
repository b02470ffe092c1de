import { buildDataset } from "../lib/dataset/build.js";
import { DEFAULT_FEATURE_SPEC, type FeatureSpec } from "../lib/features/spec.js";
import type { Logger } from "../lib/log.js";
import { nextTradingDay } from "../lib/market/calendar.js";
import { cleanBars } from "../lib/market/clean.js";
import type { MarketDataSource } from "../lib/market/source.js";
import { backoffMs, Repeater } from "./schedule.js";

/** The input of tomorrow's prediction: the features of the last closed session. */
export interface MarketSnapshot {
  /** Date of the last bar used (a closed NYSE session). */
  asOf: string;
  /** The next NYSE trading day: the day the prediction is for. */
  forDate: string;
  /** Feature row of `asOf`, computed over the whole history by the shared feature code. */
  features: readonly number[];
  /** Bars used (after cleaning). */
  bars: number;
  firstDate: string;
  /** The source, e.g. "CSV file /data/spy-daily.csv, SPY daily". */
  source: string;
}

export interface MarketDataStatus {
  current: MarketSnapshot | undefined;
  lastAttemptAt: Date | undefined;
  lastSuccessAt: Date | undefined;
  /** The most recent failure (kept after recovery; compare with `lastSuccessAt`). */
  lastError: { at: Date; message: string } | undefined;
  /** Failures since the last success. */
  consecutiveFailures: number;
}

export interface MarketDataFeedOptions {
  source: MarketDataSource;
  /** Interval between two refreshes. */
  refreshMs: number;
  logger: Logger;
  /** The spec the serving code computes (default DEFAULT_FEATURE_SPEC). */
  spec?: FeatureSpec;
  /** First retry after a failure (default 5 s, doubling up to `refreshMs`). */
  retryMs?: number;
  /** Called when a refresh produced a new snapshot (another as-of date or other feature values). */
  onSnapshot?: (snapshot: MarketSnapshot) => void;
  /** Called for each failed refresh. */
  onFailure?: (error: unknown) => void;
  now?: () => Date;
}

/**
 * Keeps the latest market snapshot: bars from the same source as the training job, cleaned the same way (the
 * unfinished session of today is left out), features by the shared dataset code. Refreshes on a schedule; a failed
 * refresh keeps the last good snapshot, records the error and is retried sooner (backoff up to the interval).
 */
export class MarketDataFeed {
  private readonly spec: FeatureSpec;
  private readonly now: () => Date;
  private readonly repeater: Repeater;
  private state: MarketDataStatus = {
    current: undefined,
    lastAttemptAt: undefined,
    lastSuccessAt: undefined,
    lastError: undefined,
    consecutiveFailures: 0,
  };

  constructor(private readonly options: MarketDataFeedOptions) {
    this.spec = options.spec ?? DEFAULT_FEATURE_SPEC;
    this.now = options.now ?? (() => new Date());
    const retryMs = Math.min(options.retryMs ?? 5_000, options.refreshMs);
    this.repeater = new Repeater(
      () => this.refresh(),
      () =>
        this.state.consecutiveFailures > 0
          ? backoffMs(this.state.consecutiveFailures, retryMs, options.refreshMs)
          : options.refreshMs,
      (error) => options.logger.error({ err: error }, "market data refresh failed unexpectedly"),
    );
  }

  get current(): MarketSnapshot | undefined {
    return this.state.current;
  }

  /** Refreshes now and then on the schedule, in the background. */
  start(): void {
    this.repeater.start();
  }

  stop(): void {
    this.repeater.stop();
  }

  status(): MarketDataStatus {
    return { ...this.state };
  }

  /** One refresh. Never throws: a failure is recorded and the last good snapshot stays. */
  async refresh(): Promise<void> {
    const { source, logger } = this.options;
    this.state.lastAttemptAt = this.now();
    let snapshot: MarketSnapshot;
    try {
      const fetched = await source.fetchBars();
      const { bars } = cleanBars(fetched.bars, { now: this.now() });
      const { latest } = buildDataset(bars, this.spec);
      snapshot = {
        asOf: latest.date,
        forDate: nextTradingDay(latest.date),
        features: latest.features,
        bars: bars.length,
        firstDate: bars[0]!.date,
        source: source.description,
      };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.state.lastError = { at: this.now(), message };
      this.state.consecutiveFailures++;
      const serving = this.state.current?.asOf ?? null;
      logger.warn(
        { source: source.description, failures: this.state.consecutiveFailures, serving_as_of: serving },
        `market data refresh failed: ${message}`,
      );
      this.options.onFailure?.(error);
      return;
    }
    this.state.lastSuccessAt = this.now();
    this.state.consecutiveFailures = 0;
    const previous = this.state.current;
    // Same data: keep the snapshot object, so the cached prediction stays valid.
    if (previous && sameSnapshot(previous, snapshot)) return;
    this.state.current = snapshot;
    logger.info(
      { as_of: snapshot.asOf, for_date: snapshot.forDate, bars: snapshot.bars, previous_as_of: previous?.asOf ?? null },
      "market data updated",
    );
    this.options.onSnapshot?.(snapshot);
  }
}

function sameSnapshot(a: MarketSnapshot, b: MarketSnapshot): boolean {
  return (
    a.asOf === b.asOf &&
    a.features.length === b.features.length &&
    a.features.every((value, i) => Object.is(value, b.features[i]))
  );
}
