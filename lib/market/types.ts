/** One daily bar of a ticker, keyed by its New York trading date. Prices in USD, not adjusted (see adjClose). */
export interface Bar {
  /** Trading session date in America/New_York, YYYY-MM-DD. */
  date: string;
  open: number;
  high: number;
  low: number;
  close: number;
  /** Dividend- and split-adjusted close as the source reports it; null when the source has none. */
  adjClose: number | null;
  volume: number;
}
