import { randomUUID } from "node:crypto";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { z } from "zod";
import { LABEL_DEFINITION } from "../dataset/label.js";
import { checkSpecCompatibility, DEFAULT_FEATURE_SPEC, featureSpecSchema, type FeatureSpec } from "../features/spec.js";
import { mlmodelTimestamp, type MlModel } from "../mlflow/mlmodel.js";
import { BundleError, ModelFormatError } from "./errors.js";
import { Forest } from "./forest.js";
import type { TrainedForest } from "./train.js";

/**
 * The model bundle: what the job logs as MLflow artifacts under `model/` and the API downloads,
 * validates and serves. Four files:
 * - `MLmodel`: MLflow's model descriptor (YAML) with the custom flavor `spy_rf`, so the MLflow UI shows
 *   the directory as a model and offers "Register model" (no `python_function` flavor: not loadable by pyfunc);
 * - `model.json`: the forest in ml-random-forest's JSON format;
 * - `feature_spec.json`: the FeatureSpec the model was trained on (checked against the serving code);
 * - `metadata.json`: training window, features and their importance, trainer and options, label
 *   definition, and a smoke row with its expected P(UP) that the loader re-predicts.
 */
export const BUNDLE_FILES = {
  mlmodel: "MLmodel",
  model: "model.json",
  featureSpec: "feature_spec.json",
  metadata: "metadata.json",
} as const;

export const BUNDLE_FILE_NAMES: readonly string[] = Object.values(BUNDLE_FILES);
export const MODEL_FLAVOR = "spy_rf";
export const BUNDLE_FORMAT_VERSION = 1;
export const DEFAULT_ARTIFACT_PATH = "model";

/** Bundle files by path relative to the bundle directory. */
export type BundleFiles = Record<string, Uint8Array | string>;

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "expected YYYY-MM-DD");

export const bundleMetadataSchema = z.object({
  format_version: z.literal(BUNDLE_FORMAT_VERSION),
  model_type: z.literal("random_forest_classifier"),
  model_format: z.string(),
  created_at: z.string(),
  run_id: z.string(),
  code_version: z.string(),
  git_commit: z.string().optional(),
  training: z.object({
    as_of: isoDate,
    first_date: isoDate,
    last_date: isoDate,
    rows: z.number().int().nonnegative(),
    dataset_digest: z.string().optional(),
  }),
  features: z.object({
    spec_version: z.number().int().positive(),
    names: z.array(z.string()).min(1),
  }),
  feature_importance: z.array(z.object({ name: z.string(), importance: z.number() })),
  trainer: z.object({
    algorithm: z.string(),
    options: z.record(z.string(), z.unknown()),
    stats: z.record(z.string(), z.unknown()),
  }),
  label: z.looseObject({ rule: z.string(), classes: z.object({ "0": z.literal("DOWN"), "1": z.literal("UP") }) }),
  prediction: z.object({
    probability: z.string(),
    threshold_note: z.string(),
    default_threshold: z.number().min(0).max(1),
  }),
  smoke: z.object({ row: z.array(z.number()), p_up: z.number().min(0).max(1) }),
});

export type BundleMetadata = z.infer<typeof bundleMetadataSchema>;

const columnSpecList = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: "custom", message: "expected a JSON list of column specs" });
      return z.NEVER;
    }
  })
  .pipe(z.array(z.object({ type: z.string(), name: z.string() })));

export const mlmodelSchema = z.looseObject({
  artifact_path: z.string(),
  run_id: z.string(),
  utc_time_created: z.string(),
  model_uuid: z.string(),
  flavors: z.looseObject({
    [MODEL_FLAVOR]: z.looseObject({
      format: z.literal("json"),
      model_file: z.literal(BUNDLE_FILES.model),
      feature_spec: z.literal(BUNDLE_FILES.featureSpec),
      metadata_file: z.literal(BUNDLE_FILES.metadata),
      runtime: z.string(),
    }),
  }),
  signature: z.looseObject({ inputs: columnSpecList, outputs: columnSpecList }),
});

export type MLmodel = z.infer<typeof mlmodelSchema>;

export interface BundleInput {
  trained: Pick<TrainedForest, "model" | "forest" | "featureImportance" | "options" | "stats">;
  featureSpec: FeatureSpec;
  training: { asOf: string; firstDate: string; lastDate: string; rows: number; datasetDigest?: string };
  /** A real feature row (e.g. the latest): the loader re-predicts it as a smoke test. */
  smokeRow: readonly number[];
  runId: string;
  codeVersion: string;
  gitCommit?: string;
  /** MLflow server version (informational). */
  mlflowVersion?: string;
  artifactPath?: string;
  createdAt?: Date;
  modelUuid?: string;
}

/** The bundle's files, ready to upload one by one under `<artifactPath>/`. */
export function createBundleFiles(input: BundleInput): Record<string, string> {
  const names = input.featureSpec.features.map((f) => f.name);
  const { trained } = input;
  if (input.smokeRow.length !== names.length) {
    throw new BundleError(
      "feature_mismatch",
      `smoke row has ${input.smokeRow.length} values, the spec ${names.length} features`,
    );
  }
  if (trained.forest.nFeatures > names.length || trained.featureImportance.length !== names.length) {
    throw new BundleError(
      "feature_mismatch",
      `the forest was trained on ${trained.featureImportance.length} features, the spec has ${names.length}`,
    );
  }
  const createdAt = input.createdAt ?? new Date();
  const [pUp] = trained.forest.predictUpProbability([input.smokeRow]);
  const metadata: BundleMetadata = {
    format_version: BUNDLE_FORMAT_VERSION,
    model_type: "random_forest_classifier",
    model_format: "ml-random-forest 2.1.0 RandomForestClassifier JSON (RandomForestClassifier.load)",
    created_at: createdAt.toISOString(),
    run_id: input.runId,
    code_version: input.codeVersion,
    ...(input.gitCommit ? { git_commit: input.gitCommit } : {}),
    training: {
      as_of: input.training.asOf,
      first_date: input.training.firstDate,
      last_date: input.training.lastDate,
      rows: input.training.rows,
      ...(input.training.datasetDigest ? { dataset_digest: input.training.datasetDigest } : {}),
    },
    features: { spec_version: input.featureSpec.version, names },
    feature_importance: names.map((name, i) => ({ name, importance: trained.featureImportance[i]! })),
    trainer: {
      algorithm: trained.stats.algorithm,
      options: { ...trained.options },
      stats: { ...trained.stats },
    },
    label: { ...LABEL_DEFINITION, classes: { "0": "DOWN", "1": "UP" } },
    prediction: {
      probability: "P(UP) = share of the trees voting UP (class 1)",
      threshold_note: "predict UP when P(UP) >= threshold; the API's threshold defaults to 0.5",
      default_threshold: 0.5,
    },
    smoke: { row: [...input.smokeRow], p_up: pUp! },
  };

  const modelJson = JSON.stringify(trained.model);
  const specJson = `${JSON.stringify(input.featureSpec, null, 2)}\n`;
  const metadataJson = `${JSON.stringify(metadata, null, 2)}\n`;
  const bytes = (text: string): number => Buffer.byteLength(text, "utf8");
  const mlmodel: MlModel = {
    artifact_path: input.artifactPath ?? DEFAULT_ARTIFACT_PATH,
    flavors: {
      [MODEL_FLAVOR]: {
        format: "json",
        model_file: BUNDLE_FILES.model,
        feature_spec: BUNDLE_FILES.featureSpec,
        metadata_file: BUNDLE_FILES.metadata,
        runtime: "node24",
        library: "ml-random-forest 2.1.0 (format)",
        trainer: trained.stats.algorithm,
      },
    },
    ...(input.mlflowVersion ? { mlflow_version: input.mlflowVersion } : {}),
    model_size_bytes: bytes(modelJson) + bytes(specJson) + bytes(metadataJson),
    model_uuid: input.modelUuid ?? randomUUID().replaceAll("-", ""),
    run_id: input.runId,
    signature: {
      inputs: JSON.stringify(names.map((name) => ({ type: "double", name, required: true }))),
      outputs: JSON.stringify([{ type: "double", name: "p_up", required: true }]),
    },
    utc_time_created: mlmodelTimestamp(createdAt),
    metadata: {
      feature_spec_version: input.featureSpec.version,
      trainer: trained.stats.algorithm,
      trees: trained.stats.trees,
      as_of: input.training.asOf,
      code_version: input.codeVersion,
    },
  };
  return {
    [BUNDLE_FILES.mlmodel]: stringifyYaml(mlmodel),
    [BUNDLE_FILES.model]: modelJson,
    [BUNDLE_FILES.featureSpec]: specJson,
    [BUNDLE_FILES.metadata]: metadataJson,
  };
}

/** A validated bundle, ready to serve. */
export interface LoadedModel {
  forest: Forest;
  featureSpec: FeatureSpec;
  featureNames: string[];
  metadata: BundleMetadata;
  mlmodel: MLmodel;
  /** P(UP) of the smoke row, as re-predicted while loading. */
  smokeProbability: number;
}

export interface ParseBundleOptions {
  /** The spec the serving code computes (default DEFAULT_FEATURE_SPEC). */
  codeSpec?: FeatureSpec;
}

/**
 * Validates a downloaded bundle: every file present and well-formed, the feature spec compatible with
 * the code's, every feature count consistent, and the smoke row predicted as recorded. Throws
 * BundleError (with a reason) naming the file and the problem; never returns a half-valid model.
 */
export function parseBundle(files: BundleFiles, options: ParseBundleOptions = {}): LoadedModel {
  const codeSpec = options.codeSpec ?? DEFAULT_FEATURE_SPEC;
  const text = (name: string): string => {
    const content = files[name];
    if (content === undefined) throw new BundleError("missing_file", `model bundle has no ${name}`);
    if (typeof content === "string") return content;
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(content);
    } catch {
      throw new BundleError("corrupt_file", `${name} is not UTF-8 text`);
    }
  };
  const json = (name: string): unknown => {
    const content = text(name);
    try {
      return JSON.parse(content) as unknown;
    } catch (error) {
      throw new BundleError("corrupt_file", `${name} is not valid JSON: ${(error as Error).message}`);
    }
  };
  const shaped = <T>(name: string, schema: z.ZodType<T>, value: unknown): T => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    const issue = result.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
    throw new BundleError("invalid_shape", `${name}: ${where}${issue?.message ?? "invalid"}`);
  };

  // Read everything first, so a missing or unreadable file is reported before any deeper check.
  const mlmodelText = text(BUNDLE_FILES.mlmodel);
  const modelValue = json(BUNDLE_FILES.model);
  const specValue = json(BUNDLE_FILES.featureSpec);
  const metadataValue = json(BUNDLE_FILES.metadata);
  const mlmodelValue = parseMlModelText(mlmodelText);

  const mlmodel = shaped(BUNDLE_FILES.mlmodel, mlmodelSchema, mlmodelValue);
  const featureSpec = shaped(BUNDLE_FILES.featureSpec, featureSpecSchema, specValue);
  const metadata = shaped(BUNDLE_FILES.metadata, bundleMetadataSchema, metadataValue);

  const compatibility = checkSpecCompatibility(featureSpec, codeSpec);
  if (!compatibility.ok)
    throw new BundleError("incompatible_spec", `incompatible feature spec: ${compatibility.reason}`);

  const featureNames = featureSpec.features.map((f) => f.name);
  const count = featureNames.length;
  const sameNames = (names: readonly string[]): boolean =>
    names.length === count && names.every((n, i) => n === featureNames[i]);
  if (!sameNames(metadata.features.names)) {
    throw new BundleError(
      "feature_mismatch",
      `${BUNDLE_FILES.metadata} lists features that differ from ${BUNDLE_FILES.featureSpec}`,
    );
  }
  if (!sameNames(mlmodel.signature.inputs.map((c) => c.name))) {
    throw new BundleError(
      "feature_mismatch",
      `the ${BUNDLE_FILES.mlmodel} signature lists features that differ from ${BUNDLE_FILES.featureSpec}`,
    );
  }
  if (metadata.smoke.row.length !== count) {
    throw new BundleError(
      "feature_mismatch",
      `the smoke row has ${metadata.smoke.row.length} values for ${count} features`,
    );
  }

  let forest: Forest;
  try {
    forest = Forest.fromJSON(modelValue);
  } catch (error) {
    if (error instanceof ModelFormatError)
      throw new BundleError("invalid_shape", `${BUNDLE_FILES.model}: ${error.message}`);
    throw error;
  }
  if (forest.nFeatures > count) {
    throw new BundleError(
      "feature_mismatch",
      `${BUNDLE_FILES.model} reads feature column ${forest.nFeatures - 1}, the spec has ${count} features`,
    );
  }

  const [smokeProbability] = forest.predictUpProbability([metadata.smoke.row]);
  if (
    smokeProbability === undefined ||
    !(smokeProbability >= 0 && smokeProbability <= 1) ||
    Math.abs(smokeProbability - metadata.smoke.p_up) > 1e-9
  ) {
    throw new BundleError(
      "smoke_failed",
      `smoke prediction ${smokeProbability} differs from the recorded ${metadata.smoke.p_up}: ${BUNDLE_FILES.model} does not match its metadata`,
    );
  }
  return { forest, featureSpec, featureNames, metadata, mlmodel, smokeProbability };
}

/** The bundle's MLmodel document, as `runs/log-model` takes it (drives the MLflow UI's model panel). */
export function readBundleMlModel(files: BundleFiles): MlModel {
  const content = files[BUNDLE_FILES.mlmodel];
  if (content === undefined) throw new BundleError("missing_file", `model bundle has no ${BUNDLE_FILES.mlmodel}`);
  const value = parseMlModelText(typeof content === "string" ? content : new TextDecoder().decode(content));
  const check = mlmodelSchema.safeParse(value);
  if (!check.success)
    throw new BundleError("invalid_shape", `${BUNDLE_FILES.mlmodel}: ${check.error.issues[0]?.message ?? "invalid"}`);
  return value as MlModel;
}

function parseMlModelText(text: string): unknown {
  try {
    return parseYaml(text) as unknown;
  } catch (error) {
    throw new BundleError("corrupt_file", `${BUNDLE_FILES.mlmodel} is not valid YAML: ${(error as Error).message}`);
  }
}
