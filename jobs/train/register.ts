import { setTimeout as sleep } from "node:timers/promises";
import { joinArtifactUri, type RegistryApi } from "../../lib/mlflow/index.js";
import { DEFAULT_ARTIFACT_PATH } from "../../lib/model/bundle.js";
import { ALIASES } from "../../lib/registry/names.js";

export interface RegisterInput {
  model: string;
  runId: string;
  /** The run's artifact root; the version's source is its `model/` directory. */
  artifactUri: string;
  tags: Record<string, string>;
  description: string;
}

const READY_POLLS = 30;

/**
 * Registers the run's model directory as a new version (source = artifact URI + "/model", with the run id, so
 * the UI links both ways), waits until it is READY and points `challenger` at it. Returns the version MLflow
 * created (never looked up by search).
 */
export async function registerVersion(registry: RegistryApi, input: RegisterInput): Promise<string> {
  await registry.createModel(input.model, {
    description: "Next-day direction of SPY (UP/DOWN) from daily bars; trained by the spy-mlops-lab job.",
  });
  const created = await registry.createVersion({
    name: input.model,
    source: joinArtifactUri(input.artifactUri, DEFAULT_ARTIFACT_PATH),
    runId: input.runId,
    tags: input.tags,
    description: input.description,
  });
  const version = created.version!;
  let status = created.status;
  for (let poll = 0; status === "PENDING_REGISTRATION" && poll < READY_POLLS; poll++) {
    await sleep(1000);
    status = (await registry.getVersion(input.model, version)).status;
  }
  if (status !== undefined && status !== "READY") {
    throw new Error(`MLflow registered ${input.model} v${version} but its status is ${status}, not READY`);
  }
  await registry.setAlias(input.model, ALIASES.challenger, version);
  return version;
}
