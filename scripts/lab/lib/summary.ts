// What the lab prints when it is ready: where the API and the MLflow UI are, and how to use kubectl.
import type { Champion } from "./champion.js";
import type { LabConfig } from "./lab-config.js";
import { labUrls } from "./lab-config.js";

export function readySummary(config: LabConfig, model: string, champion: Champion | null): string {
  const urls = labUrls(config);
  const kubeconfig = `${config.paths.sharedDir}/kubeconfig`;
  return [
    "",
    "spy-mlops-lab is ready.",
    `  Champion:  ${champion ? `${model} v${champion.version}${champion.runId ? ` (run ${champion.runId})` : ""}` : "none yet"}`,
    `  API:       curl "${urls.prediction}?threshold=0.5"`,
    `  MLflow UI: ${urls.mlflow}`,
    `  kubectl:   KUBECONFIG=${kubeconfig} kubectl -n ${config.cluster.namespace} get pods   (on the host, in the repository)`,
    `  day-2:     npm run lab:status | lab:train | lab:logs | lab:rollback | lab:predict`,
    "",
  ].join("\n");
}
