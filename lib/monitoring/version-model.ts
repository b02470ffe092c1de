import type { FeatureSpec } from "../features/spec.js";
import type { RegistryApi } from "../mlflow/index.js";
import { BUNDLE_FILE_NAMES, parseBundle, type BundleFiles, type LoadedModel } from "../model/bundle.js";

/**
 * Downloads a registered version's bundle through the registry (`model-versions/get-artifact`) and validates it
 * against the feature spec the caller's rows are computed with. Throws the MLflow error or a BundleError
 * (`incompatible_spec` when the version was trained on features this code does not compute).
 */
export async function loadVersionModel(
  registry: Pick<RegistryApi, "downloadVersionArtifact">,
  model: string,
  version: string,
  codeSpec: FeatureSpec,
): Promise<LoadedModel> {
  const files: BundleFiles = {};
  for (const name of BUNDLE_FILE_NAMES) files[name] = await registry.downloadVersionArtifact(model, version, name);
  return parseBundle(files, { codeSpec });
}
