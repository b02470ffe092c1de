import type { FeatureSpec } from "../features/spec.js";
import { isNotFound, type RegistryApi } from "../mlflow/index.js";
import { BUNDLE_FILE_NAMES, parseBundle, type BundleFiles, type LoadedModel } from "./bundle.js";
import { BundleError } from "./errors.js";

export type BundleRegistry = Pick<RegistryApi, "downloadVersionArtifact">;

/**
 * Every bundle file of a registered version, downloaded through the registry (`model-versions/get-artifact`, which
 * resolves the version's source server-side). A file MLflow does not have is a BundleError("missing_file"); any
 * other failure is the MLflow error as it is.
 */
export async function downloadVersionBundle(
  registry: BundleRegistry,
  model: string,
  version: string,
): Promise<BundleFiles> {
  const entries = await Promise.all(
    BUNDLE_FILE_NAMES.map(async (file) => {
      try {
        return [file, await registry.downloadVersionArtifact(model, version, file)] as const;
      } catch (error) {
        if (isNotFound(error)) {
          throw new BundleError("missing_file", `version ${version} has no ${file} in MLflow`, { cause: error });
        }
        throw error;
      }
    }),
  );
  return Object.fromEntries(entries);
}

/**
 * A registered version's model: downloaded (downloadVersionBundle) and validated against the feature spec the
 * caller's rows are computed with. Throws the MLflow error or a BundleError (`incompatible_spec` when the version
 * was trained on features this code does not compute).
 */
export async function loadVersionModel(
  registry: BundleRegistry,
  model: string,
  version: string,
  codeSpec: FeatureSpec,
): Promise<LoadedModel> {
  return parseBundle(await downloadVersionBundle(registry, model, version), { codeSpec });
}
