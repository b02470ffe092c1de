// Creates or updates the project virtualenv (.venv) from requirements.txt; prints its path.
//   npm run python-env            (idempotent: returns at once when requirements.txt is unchanged)
import { runCli, UsageError } from "../lib/cli.js";
import { ensurePythonEnv } from "./lib/python-env.js";

await runCli("python-env", async () => {
  const args = process.argv.slice(2);
  if (args.includes("--help") || args.includes("-h")) {
    console.log("usage: npm run python-env   (creates .venv from requirements.txt; PYTHON, PIP_CACHE_DIR honoured)");
    return;
  }
  if (args.length > 0) throw new UsageError(`unexpected arguments: ${args.join(" ")} (see --help)`);
  const started = performance.now();
  const env = await ensurePythonEnv();
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  process.stderr.write(`python-env: ${env.changed ? `updated in ${seconds} s` : "up to date"} (${env.mlflow})\n`);
  console.log(env.venvDir);
});
