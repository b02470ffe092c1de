// Calls the lab's API like a user would: GET /predictionForTomorrow with a given or random threshold.
//   npm run lab:predict            random threshold in [0, 1]
//   npm run lab:predict -- 0.3
import { echo } from "zx";
import { runCli, UsageError } from "../../lib/cli.js";
import { chooseThreshold } from "./lib/args.js";
import { labUrls, loadLabConfig } from "./lib/lab-config.js";

await runCli("lab:predict", async () => {
  const argv = process.argv.slice(2);
  if (argv.includes("--help") || argv.includes("-h")) return void echo("usage: npm run lab:predict [-- THRESHOLD]");
  if (argv.length > 1) throw new UsageError("give at most one threshold");
  const threshold = chooseThreshold(argv[0]);
  const url = `${labUrls(loadLabConfig()).prediction}?threshold=${threshold}`;
  echo(`GET ${url}`);
  const response = await fetch(url, { signal: AbortSignal.timeout(10_000) });
  const body = await response.text();
  let shown = body;
  try {
    shown = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    // not JSON: show as is
  }
  echo(`${response.status} ${response.statusText}\n${shown}`);
  return response.ok ? 0 : 1;
});
