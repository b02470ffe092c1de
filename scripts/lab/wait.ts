// Runs on every `vagrant up` of the worker (provision/wait.sh), also after `vagrant halt`: waits for the API
// server and both nodes, re-imports any lab image the kubelet garbage-collected (from the archives the deploy
// kept), waits for PostgreSQL, MLflow and the API, and prints the URLs. Never builds or applies anything.
import { existsSync } from "node:fs";
import { echo } from "zx";
import { runCli } from "../../lib/cli.js";
import { findAliasVersion, labMlflowClient, servedModel } from "./lib/champion.js";
import { imagePresent, importArchive } from "./lib/containerd.js";
import { imageArchivePath } from "./lib/images.js";
import { localKubectl } from "./lib/kubectl.js";
import { LAB_OBJECTS, labUrls, loadLabConfig } from "./lib/lab-config.js";
import { pollUntil } from "./lib/poll.js";
import { readySummary } from "./lib/summary.js";

const TIMEOUT = "600s";

await runCli("lab-wait", async () => {
  const config = loadLabConfig();
  const kubectl = localKubectl();
  const ns = config.cluster.namespace;

  echo("waiting for the API server and the nodes");
  await pollUntil("the API server", { timeoutS: 300, intervalS: 5 }, async () =>
    (await kubectl.run(["get", "--raw", "/readyz"], { nothrow: true })).exitCode === 0 ? true : undefined,
  );
  await kubectl.run(["wait", "--for=condition=Ready", "node", "--all", `--timeout=${TIMEOUT}`], { timeoutMs: 660_000 });

  echo("lab images in containerd");
  const images = await kubectl.run([
    "-n",
    ns,
    "get",
    "deployments,statefulsets,cronjobs",
    "-o",
    "jsonpath={range .items[*]}{..image}{'\\n'}{end}",
  ]);
  const labImages = new Set(
    images.stdout
      .split(/\s+/)
      .filter((ref) => ref.startsWith(`${config.images.app}:`) || ref.startsWith(`${config.images.mlflow}:`)),
  );
  for (const ref of labImages) {
    if (await imagePresent(ref)) continue;
    const archive = imageArchivePath(config, ref);
    if (!existsSync(archive)) {
      throw new Error(`${ref} is missing from containerd and ${archive} is gone: run 'vagrant provision' to rebuild`);
    }
    await importArchive(ref, archive);
    echo(`re-imported ${ref}`);
  }

  for (const target of [
    `statefulset/${LAB_OBJECTS.postgres}`,
    `deployment/${LAB_OBJECTS.mlflow}`,
    `deployment/${LAB_OBJECTS.api}`,
  ]) {
    echo(`waiting for ${target}`);
    await kubectl.run(["-n", ns, "rollout", "status", target, `--timeout=${TIMEOUT}`], { timeoutMs: 660_000 });
  }

  const { model, alias } = await servedModel(kubectl, ns);
  const champion = await findAliasVersion(labMlflowClient(labUrls(config).mlflow), model, alias).catch(() => null);
  echo(readySummary(config, model, champion));
});
