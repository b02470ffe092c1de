// Checks made before the lab starts anything, each failing with a message that says what to change.
import { DataError } from "../../lib/market/errors.js";
import { cleanBars } from "../../lib/market/clean.js";
import { createCsvSource } from "../../lib/market/csv-source.js";
import { createMarketDataSource, type MarketEnv } from "../../lib/market/source-config.js";
import { addDays, newYorkDate } from "../../lib/market/time.js";
import { EXIT_CODES, type ExitCode } from "../../lib/exit-codes.js";
import { isPortFree } from "../lib/mlflow-server.js";
import type { LocalLabConfig } from "./config.js";

/** A reason the lab cannot start or go on, with the exit code that says whether trying again can help. */
export class LabError extends Error {
  override readonly name = "LabError";
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }
}

/** The file a person without internet can use (relative to the repository, as in the README). */
export const OFFLINE_DATA_HINT = "MARKET_DATA_FILE=../shared/data/spy-daily.csv npm start";

/** Every port the lab will listen on must be free; the message names the variable to change. */
export async function checkPorts(config: Pick<LocalLabConfig, "apiPort" | "apiHost" | "mlflowPort">): Promise<void> {
  const wanted = [
    { variable: "API_PORT", what: "the API", host: config.apiHost, port: config.apiPort },
    { variable: "MLFLOW_PORT", what: "MLflow", host: "127.0.0.1", port: config.mlflowPort },
  ];
  const busy: string[] = [];
  for (const { variable, what, host, port } of wanted) {
    if (!(await isPortFree(host, port))) {
      busy.push(
        `port ${port} (${variable}, for ${what}) is already in use on ${host}: stop what uses it ` +
          `(e.g. \`ss -ltnp 'sport = :${port}'\` shows it) or choose another port, e.g. ${variable}=${port + 1} npm start`,
      );
    }
  }
  if (busy.length > 0) throw new LabError(busy.join("\n"), EXIT_CODES.badConfig);
}

/** The CSV file exists and holds usable bars; returns its last trading date. */
export async function checkDataFile(file: string): Promise<{ firstDate: string; lastDate: string; rows: number }> {
  try {
    const { bars } = cleanBars((await createCsvSource(file).fetchBars()).bars);
    const first = bars[0];
    const last = bars.at(-1);
    if (!first || !last) throw new DataError(`${file} holds no usable daily bars`);
    return { firstDate: first.date, lastDate: last.date, rows: bars.length };
  } catch (error) {
    throw new LabError(
      `the market data file cannot be used: ${(error as Error).message}\n` +
        "MARKET_DATA_FILE (or --data-file) must name a CSV file like ../shared/data/spy-daily.csv " +
        "(header date,open,high,low,close,adj_close,volume)",
      EXIT_CODES.badConfig,
    );
  }
}

/**
 * Asks Yahoo Finance for the last few days (one short request) so a machine without internet learns at once how to
 * run offline, instead of after MLflow started and the first training failed.
 */
export async function checkYahoo(
  market: MarketEnv,
  deps: { fetch?: typeof fetch; now?: () => Date; hint?: string } = {},
): Promise<void> {
  const source = createMarketDataSource(
    { ...market, MARKET_DATA_FILE: undefined, YAHOO_MAX_ATTEMPTS: 2, YAHOO_TIMEOUT_MS: 10_000 },
    deps.fetch ? { fetch: deps.fetch } : {},
  );
  const today = newYorkDate((deps.now ?? (() => new Date()))());
  try {
    await source.fetchBars({ start: addDays(today, -10) });
  } catch (error) {
    const reason = (error as Error).message.replace(/; set MARKET_DATA_FILE to a CSV file to run offline$/, "");
    const unreachable = !(error instanceof DataError);
    throw new LabError(
      `${unreachable ? "Yahoo Finance cannot be reached" : "Yahoo Finance refused the request"} (${reason}).\n` +
        "Without internet, run the lab on a CSV file of daily bars instead, for example:\n" +
        `  ${deps.hint ?? `${OFFLINE_DATA_HINT}\n  (or: npm start -- --data-file ../shared/data/spy-daily.csv)`}`,
      unreachable ? EXIT_CODES.transient : EXIT_CODES.badConfig,
    );
  }
}
