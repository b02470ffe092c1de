// The lab's state at a glance: nodes, pods, jobs and CronJobs, and the champion in MLflow.
//   npm run lab:status
import { echo } from "zx";
import { runCli } from "../../lib/cli.js";
import { findAliasVersion, labMlflowClient, servedModel } from "./lib/champion.js";
import { hostKubectl } from "./lib/kubectl.js";
import { labUrls, loadLabConfig } from "./lib/lab-config.js";

await runCli("lab:status", async () => {
  const config = loadLabConfig();
  const kubectl = await hostKubectl(config);
  const ns = config.cluster.namespace;
  echo(`cluster via ${kubectl.via}\n`);
  await kubectl.stream(["get", "nodes", "-o", "wide"]);
  echo("");
  await kubectl.stream(["-n", ns, "get", "pods,jobs,cronjobs", "-o", "wide"]);

  const { model, alias } = await servedModel(kubectl, ns);
  const urls = labUrls(config);
  const champion = await findAliasVersion(labMlflowClient(urls.mlflow), model, alias).catch((error: unknown) => {
    echo(`\nMLflow at ${urls.mlflow} did not answer: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  });
  if (champion !== undefined) {
    echo(`\n${model}@${alias}: ${champion ? `v${champion.version} (run ${champion.runId ?? "?"})` : "not set yet"}`);
  }
  echo(`API: ${urls.api}   MLflow UI: ${urls.mlflow}`);
});
