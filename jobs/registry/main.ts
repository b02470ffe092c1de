// The registry CLI for day-2 work: `node dist/jobs/registry/main.js <list | promote VERSION | rollback [VERSION]>`
// (npm run registry -- ...). Exit codes: 0 done, 1 transient (MLflow unreachable), 2 bad input.
import { z } from "zod";
import { runCli } from "../../lib/cli.js";
import { loadEnv } from "../../lib/config.js";
import { createLogger } from "../../lib/log.js";
import { MlflowClient, mlflowConnectionFromEnv } from "../../lib/mlflow/index.js";
import { currentUser } from "../train/context.js";
import { parseRegistryArgs, REGISTRY_USAGE } from "./args.js";
import { formatVersionTable, listVersions, promoteVersion, rollbackChampion, type RegistryDeps } from "./commands.js";
import { modelNameSchema } from "../../lib/registry/names.js";

await runCli("registry", async () => {
  const command = parseRegistryArgs(process.argv.slice(2));
  if (command === "help") {
    process.stdout.write(`${REGISTRY_USAGE}\n`);
    return 0;
  }
  const { MODEL_NAME } = loadEnv(z.object({ MODEL_NAME: modelNameSchema }));
  const connection = mlflowConnectionFromEnv();
  const logger = createLogger("registry", process.env.LOG_LEVEL ? undefined : "warn");
  const deps: RegistryDeps = {
    registry: new MlflowClient({ ...connection, logger }).registry,
    model: MODEL_NAME,
    now: () => new Date(),
    actor: currentUser(),
  };
  if (command.name === "list") {
    process.stdout.write(formatVersionTable(MODEL_NAME, await listVersions(deps, command.limit)));
  } else if (command.name === "promote") {
    process.stdout.write(await promoteVersion(deps, command.version!, command.reason));
  } else {
    process.stdout.write(await rollbackChampion(deps, command.version, command.reason));
  }
  return 0;
});
