import type { MlflowHttp } from "./http.js";
import type { FileInfo } from "./types.js";
import { artifactProxyPath, artifactStoragePath, checkRelativePath } from "./uris.js";

const PROXY = "/api/2.0/mlflow-artifacts/artifacts";

export interface TransferOptions {
  /** Per-attempt timeout for this transfer (large files); default: the client's timeout. */
  timeoutMs?: number;
}

/**
 * Artifacts through the server's artifact proxy (`--artifacts-destination`, no `--default-artifact-root`). Paths are
 * relative to an artifact URI such as a run's `artifact_uri` (`mlflow-artifacts:/<exp>/<run>/artifacts`).
 */
export class ArtifactsApi {
  constructor(private readonly http: MlflowHttp) {}

  /** Writes one file (overwrites; safe to repeat). Text is written as UTF-8. */
  async upload(
    artifactUri: string,
    relativePath: string,
    content: Uint8Array | string,
    options: TransferOptions = {},
  ): Promise<void> {
    if (checkRelativePath(relativePath) === "") throw new RangeError("artifact upload needs a file path, not the root");
    const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
    await this.http.json({
      method: "PUT",
      path: `${PROXY}/${artifactProxyPath(artifactUri, relativePath)}`,
      bytes,
      timeoutMs: options.timeoutMs,
    });
  }

  /**
   * The files and directories directly under `relativePath` (default: the root), with paths relative to
   * `artifactUri` (e.g. `model/MLmodel`). A missing directory lists as empty, as MLflow does.
   */
  async list(artifactUri: string, relativePath = ""): Promise<FileInfo[]> {
    const base = checkRelativePath(relativePath);
    const answer = await this.http.json<{ files?: FileInfo[] }>({
      method: "GET",
      path: PROXY,
      query: { path: artifactStoragePath(artifactUri, base) },
    });
    return (answer.files ?? []).map((file) => ({
      ...file,
      path: base === "" ? file.path : `${base}/${file.path ?? ""}`,
    }));
  }

  /** The bytes of one file; a missing file fails with `isNotFound`. */
  async download(artifactUri: string, relativePath: string, options: TransferOptions = {}): Promise<Uint8Array> {
    if (checkRelativePath(relativePath) === "")
      throw new RangeError("artifact download needs a file path, not the root");
    return this.http.bytes({
      method: "GET",
      path: `${PROXY}/${artifactProxyPath(artifactUri, relativePath)}`,
      timeoutMs: options.timeoutMs,
    });
  }
}
