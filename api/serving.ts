import type { FeatureSpec } from "../lib/features/spec.js";
import type { Logger } from "../lib/log.js";
import type { MarketDataSource } from "../lib/market/source.js";
import {
  ChampionFollower,
  type ChampionRegistry,
  type ChampionStatus,
  type LoadFailureReason,
  type ServedModel,
} from "./champion.js";
import { MarketDataFeed, type MarketDataStatus } from "./market-data.js";
import { PredictionCache, type Prediction } from "./prediction.js";

/** Why the API cannot answer predictions yet (or any more). */
export interface Readiness {
  ready: boolean;
  /** One sentence per missing piece; empty when ready. */
  reasons: string[];
}

/** What the routes and the metrics read: the served state, never blocking, never doing I/O. */
export interface ServingView {
  /** The cached prediction for the current model and market data, if both are loaded. */
  prediction(): Prediction | undefined;
  readiness(): Readiness;
  champion(): ChampionStatus;
  marketData(): MarketDataStatus;
  /** Where the registry is (for /healthz). */
  readonly trackingUri: string;
  readonly startedAt: Date;
}

/** Events worth counting (the metrics implement these). */
export interface ServingEvents {
  modelLoadFailed?(reason: LoadFailureReason): void;
  dataRefreshFailed?(): void;
  predictionComputed?(prediction: Prediction): void;
}

export interface ServingRuntimeOptions {
  registry: ChampionRegistry;
  trackingUri: string;
  modelName: string;
  modelAlias: string;
  championPollMs: number;
  marketSource: MarketDataSource;
  dataRefreshMs: number;
  logger: Logger;
  /** The features this code computes (default DEFAULT_FEATURE_SPEC); a model trained on others is rejected. */
  codeSpec?: FeatureSpec;
  events?: ServingEvents;
}

/**
 * The API's moving parts: the champion follower, the market-data feed and the prediction cache, recomputed when
 * either input changes (never during a request). `start()` returns at once: the first load happens in the
 * background, so the API starts and answers /livez even when MLflow or the data source is down.
 */
export class ServingRuntime implements ServingView {
  readonly follower: ChampionFollower;
  readonly feed: MarketDataFeed;
  readonly trackingUri: string;
  readonly startedAt = new Date();
  private readonly cache: PredictionCache;
  private draining = false;
  private predictionError: string | undefined;

  constructor(options: ServingRuntimeOptions) {
    const { events, logger } = options;
    this.trackingUri = options.trackingUri;
    this.cache = new PredictionCache((prediction) => {
      logger.info(
        {
          model_version: prediction.modelVersion,
          as_of: prediction.asOf,
          for_date: prediction.forDate,
          probability: prediction.probability,
        },
        "prediction for the next trading day computed",
      );
      events?.predictionComputed?.(prediction);
    });
    const recompute = (): void => {
      try {
        this.cache.update(this.follower.current, this.feed.current);
        this.predictionError = undefined;
      } catch (error) {
        this.predictionError = error instanceof Error ? error.message : String(error);
        logger.error({ err: error }, "computing the prediction failed");
      }
    };
    this.follower = new ChampionFollower({
      registry: options.registry,
      modelName: options.modelName,
      alias: options.modelAlias,
      pollMs: options.championPollMs,
      logger,
      codeSpec: options.codeSpec,
      onModel: recompute,
      onLoadFailure: (reason) => events?.modelLoadFailed?.(reason),
    });
    this.feed = new MarketDataFeed({
      source: options.marketSource,
      refreshMs: options.dataRefreshMs,
      logger,
      spec: options.codeSpec,
      onSnapshot: recompute,
      onFailure: () => events?.dataRefreshFailed?.(),
    });
  }

  start(): void {
    this.follower.start();
    this.feed.start();
  }

  /** Stops polling and refreshing and reports not ready (SIGTERM); the cached prediction keeps being served. */
  stop(): void {
    this.draining = true;
    this.follower.stop();
    this.feed.stop();
  }

  /** One alias read and one data refresh, awaited (tests, and a warm start before listening if wanted). */
  async refreshNow(): Promise<void> {
    await Promise.all([this.follower.poll(), this.feed.refresh()]);
  }

  prediction(): Prediction | undefined {
    return this.cache.current;
  }

  currentModel(): ServedModel | undefined {
    return this.follower.current;
  }

  champion(): ChampionStatus {
    return this.follower.status();
  }

  marketData(): MarketDataStatus {
    return this.feed.status();
  }

  readiness(): Readiness {
    const reasons: string[] = [];
    if (this.draining) reasons.push("the API is shutting down");
    if (!this.follower.current) {
      const { lastError, lastPollAt, modelUri } = this.follower.status();
      reasons.push(
        lastError
          ? `no model loaded yet: ${lastError.message}`
          : lastPollAt
            ? `no model loaded yet: loading ${modelUri}`
            : `no model loaded yet: ${modelUri} not read yet`,
      );
    }
    if (!this.feed.current) {
      const { lastError } = this.feed.status();
      reasons.push(
        lastError
          ? `no market data loaded yet: ${lastError.message}`
          : "no market data loaded yet: first refresh pending",
      );
    }
    if (reasons.length === 0 && !this.cache.current) {
      reasons.push(`the prediction could not be computed: ${this.predictionError ?? "not computed yet"}`);
    }
    return { ready: reasons.length === 0, reasons };
  }
}
