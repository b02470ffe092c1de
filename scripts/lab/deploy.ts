// Deploys the full lab from inside the worker VM (run by provision/deploy.sh with KUBECONFIG set):
//   1. builds the project image and the MLflow image with buildah (content-hash tags) and imports them into
//      containerd, unless the kubelet already has them;
//   2. applies k8s/ through an overlay that pins every image; generates the Secrets that are absent;
//   3. waits for PostgreSQL, then MLflow; starts the first training Job from the CronJob when there is no
//      champion yet and waits for the champion; then waits for the API and calls it once;
//   4. prints the API curl and the MLflow UI URL.
// Re-running changes nothing that is already right (images present, Secrets kept, champion kept).
import { echo, which } from "zx";
import { runCli } from "../../lib/cli.js";
import { findAliasVersion, labMlflowClient, type Champion } from "./lib/champion.js";
import { ensureImage } from "./lib/containerd.js";
import { labImageBuilds } from "./lib/images.js";
import { jobOutcome } from "./lib/jobs.js";
import type { Kubectl } from "./lib/kubectl.js";
import { localKubectl } from "./lib/kubectl.js";
import { LAB_OBJECTS, labUrls, loadLabConfig, type LabConfig } from "./lib/lab-config.js";
import {
  configMapValue,
  deployImageOverrides,
  parseManifests,
  renderDeployManifests,
  type K8sObject,
} from "./lib/manifests.js";
import { pollUntil } from "./lib/poll.js";
import { databaseSecrets, generatePassword, monitorAlertsSecret, type SecretObject } from "./lib/secrets.js";
import { readySummary } from "./lib/summary.js";
import type { IJob } from "kubernetes-models/batch/v1/Job";

const ROLLOUT_TIMEOUT = "600s";

const step = (title: string): void => echo(`\n==> ${title}`);

await runCli("lab-deploy", async () => {
  const config = loadLabConfig();
  for (const tool of ["buildah", "ctr", "crictl", "kubectl"]) {
    if ((await which(tool, { nothrow: true })) === null) throw new Error(`${tool} not found: run inside the worker VM`);
  }
  const kubectl = localKubectl();
  const ns = config.cluster.namespace;

  step("images (buildah -> docker-archive -> containerd k8s.io)");
  const builds = labImageBuilds(config);
  for (const build of builds) echo(`${build.ref}: ${await ensureImage(config, build)}`);

  step(`manifests (k8s/ with pinned images) into namespace ${ns}`);
  const rendered = await renderDeployManifests(deployImageOverrides(config, builds));
  const objects = parseManifests(rendered);
  const namespace = objects.find((o) => o.kind === "Namespace");
  if (!namespace) throw new Error("k8s/ renders no Namespace");
  await kubectl.run(["apply", "-f", "-"], { input: JSON.stringify(namespace) });
  await ensureSecrets(kubectl, config);
  echo((await kubectl.run(["apply", "-f", "-"], { input: rendered })).stdout.trim());

  step("rollouts: PostgreSQL, then MLflow");
  await rollout(kubectl, ns, `statefulset/${LAB_OBJECTS.postgres}`);
  await rollout(kubectl, ns, `deployment/${LAB_OBJECTS.mlflow}`);
  const urls = labUrls(config);
  const mlflow = labMlflowClient(urls.mlflow);
  await pollUntil(`MLflow at ${urls.mlflow}`, { timeoutS: 300, intervalS: 5 }, () =>
    mlflow.health().then(
      () => true,
      () => undefined,
    ),
  );

  step("champion");
  const model = configMapValue(objects, LAB_OBJECTS.settingsConfigMap, "MODEL_NAME");
  const alias = configMapValue(objects, LAB_OBJECTS.settingsConfigMap, "MODEL_ALIAS");
  let champion = await findAliasVersion(mlflow, model, alias);
  if (champion) echo(`${model}@${alias} is v${champion.version}: no initial training needed`);
  else champion = await firstTraining(kubectl, ns, objects, () => findAliasVersion(mlflow, model, alias));

  step("rollout: API");
  await rollout(kubectl, ns, `deployment/${LAB_OBJECTS.api}`);
  const answer = await pollUntil("the API's first prediction", { timeoutS: 180, intervalS: 5 }, async () => {
    const response = await fetch(`${urls.prediction}?threshold=0.5`, { signal: AbortSignal.timeout(5000) }).catch(
      () => null,
    );
    return response?.ok ? await response.text() : undefined;
  });
  echo(`GET ${urls.prediction}?threshold=0.5 -> ${answer.trim()}`);
  echo(readySummary(config, model, champion));
});

/** Creates the Secrets that are absent. The two database Secrets always share one password. */
async function ensureSecrets(kubectl: Kubectl, config: LabConfig): Promise<void> {
  const ns = config.cluster.namespace;
  const exists = async (name: string): Promise<boolean> =>
    (await kubectl.run(["-n", ns, "get", "secret", name], { nothrow: true })).exitCode === 0;
  // create (not apply): apply would copy the values into the last-applied-configuration annotation.
  const put = async (secret: SecretObject, replace: boolean): Promise<void> => {
    await kubectl.run([replace ? "replace" : "create", "-f", "-"], { input: JSON.stringify(secret) });
    echo(`secret ${secret.metadata.name}: ${replace ? "replaced" : "created"}`);
  };

  const [credentials, backend] = [await exists("postgres-credentials"), await exists("mlflow-db")];
  if (!credentials) {
    // A new password (first deploy). Postgres only reads it when it initialises an empty data directory.
    for (const secret of databaseSecrets(config, generatePassword())) {
      await put(secret, secret.metadata.name === "mlflow-db" && backend);
    }
  } else if (!backend) {
    const encoded = (
      await kubectl.run(["-n", ns, "get", "secret", "postgres-credentials", "-o", "jsonpath={.data.POSTGRES_PASSWORD}"])
    ).stdout;
    const password = Buffer.from(encoded, "base64").toString("utf8");
    const secret = databaseSecrets(config, password).find((s) => s.metadata.name === "mlflow-db");
    if (secret) await put(secret, false);
  } else {
    echo("secrets postgres-credentials, mlflow-db: present (kept)");
  }
  if (!(await exists("monitor-alerts"))) await put(monitorAlertsSecret(config), false);
}

async function rollout(kubectl: Kubectl, ns: string, target: string): Promise<void> {
  echo(`waiting for ${target}`);
  const status = await kubectl.stream(["-n", ns, "rollout", "status", target, `--timeout=${ROLLOUT_TIMEOUT}`]);
  if (status !== 0) {
    const pods = await kubectl.run(["-n", ns, "get", "pods", "-o", "wide"], { nothrow: true });
    throw new Error(`${target} did not become ready within ${ROLLOUT_TIMEOUT}\n${pods.stdout}`);
  }
}

/** Starts the first training from the CronJob (or resumes waiting for it) and waits until a champion exists. */
async function firstTraining(
  kubectl: Kubectl,
  ns: string,
  objects: K8sObject[],
  champion: () => Promise<Champion | null>,
): Promise<Champion> {
  const name = LAB_OBJECTS.initialTrainingJob;
  const existing = await kubectl.run(["-n", ns, "get", "job", name, "-o", "json"], { nothrow: true });
  const previous = existing.exitCode === 0 ? jobOutcome(JSON.parse(existing.stdout) as IJob) : "absent";
  if (previous === "failed") {
    echo(`job ${name} failed earlier: starting it again`);
    await kubectl.run(["-n", ns, "delete", "job", name, "--wait=true"]);
  }
  if (previous === "absent" || previous === "failed") {
    await kubectl.run(["-n", ns, "create", "job", `--from=cronjob/${LAB_OBJECTS.trainingCronJob}`, name]);
    echo(`job ${name} created from cronjob/${LAB_OBJECTS.trainingCronJob}`);
  } else {
    echo(`job ${name} exists (${previous}): waiting for the champion`);
  }
  const cronJob = objects.find((o) => o.kind === "CronJob" && o.metadata.name === LAB_OBJECTS.trainingCronJob);
  const deadlineS = (cronJob?.spec as { jobTemplate?: { spec?: { activeDeadlineSeconds?: number } } } | undefined)
    ?.jobTemplate?.spec?.activeDeadlineSeconds;
  if (!deadlineS) throw new Error(`CronJob ${LAB_OBJECTS.trainingCronJob} has no activeDeadlineSeconds`);
  // An MLflow hiccup while polling is not a failure of the training: keep waiting.
  const championOrNull = (): Promise<Champion | null> =>
    champion().catch((error: unknown) => {
      echo(`  MLflow did not answer (${error instanceof Error ? error.message : String(error)}); still waiting`);
      return null;
    });
  return pollUntil(
    "the first champion",
    {
      timeoutS: deadlineS + 300,
      intervalS: 10,
      onWait: (elapsedS) => {
        if (elapsedS % 60 < 10) echo(`  training... ${elapsedS}s`);
      },
    },
    async () => {
      const found = await championOrNull();
      if (found) return found;
      const job = await kubectl.json<IJob>(["-n", ns, "get", "job", name]);
      const outcome = jobOutcome(job);
      if (outcome === "running") return undefined;
      const logs = await kubectl.run(["-n", ns, "logs", `job/${name}`, "--tail=40"], { nothrow: true });
      const again = await championOrNull();
      if (again) return again;
      throw new Error(
        `job ${name} ${outcome === "failed" ? "failed" : "completed without setting a champion"}; last log lines:\n${logs.stdout}${logs.stderr}`,
      );
    },
  );
}
