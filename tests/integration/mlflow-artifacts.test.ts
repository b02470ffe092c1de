import { createHash, randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../../lib/config.js";
import { isNotFound } from "../../lib/mlflow/index.js";
import { instrumentedFetch, testClient, uniqueName } from "../helpers/mlflow.js";

let artifactUri: string;

beforeAll(async () => {
  const mlflow = testClient();
  const { experiment_id: id } = await mlflow.experiments.getOrCreate(uniqueName("artifacts"));
  artifactUri = (await mlflow.runs.create({ experimentId: id! })).info!.artifact_uri!;
});

const sha256 = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

describe("artifacts through the MLflow artifact proxy", () => {
  it("when every byte value is uploaded, then the download is identical byte for byte", async () => {
    const mlflow = testClient();
    const bytes = new Uint8Array(4 * 256).map((_, i) => i % 256); // 0x00..0xFF four times

    await mlflow.artifacts.upload(artifactUri, "binary/all-bytes.bin", bytes);
    const downloaded = await mlflow.artifacts.download(artifactUri, "binary/all-bytes.bin");

    expect(downloaded).toEqual(bytes);
  });

  it("when a file larger than 1 MB is uploaded, then it round-trips byte for byte", async () => {
    const mlflow = testClient();
    const bytes = new Uint8Array(randomBytes(3 * 1024 * 1024 + 17));

    await mlflow.artifacts.upload(artifactUri, "big/model.bin", bytes);
    const downloaded = await mlflow.artifacts.download(artifactUri, "big/model.bin");

    expect(downloaded.byteLength).toBe(bytes.byteLength);
    expect(sha256(downloaded)).toBe(sha256(bytes));
  });

  it("when text and names with spaces are uploaded, then list shows run-relative paths, sizes and directories", async () => {
    const mlflow = testClient();
    await mlflow.artifacts.upload(artifactUri, "model/MLmodel", "artifact_path: model\n");
    await mlflow.artifacts.upload(artifactUri, "model/feature spec.json", '{"features":["rsi_14"]}');
    await mlflow.artifacts.upload(artifactUri, "model/nested/notes.txt", "é ü ✓");

    const model = await mlflow.artifacts.list(artifactUri, "model");
    const root = await mlflow.artifacts.list(artifactUri);

    expect(model.sort((a, b) => (a.path! < b.path! ? -1 : 1))).toEqual([
      { path: "model/MLmodel", is_dir: false, file_size: 21 },
      { path: "model/feature spec.json", is_dir: false, file_size: 23 },
      { path: "model/nested", is_dir: true },
    ]);
    expect(root.map((file) => file.path)).toEqual(expect.arrayContaining(["model", "binary"]));
    expect(new TextDecoder().decode(await mlflow.artifacts.download(artifactUri, "model/nested/notes.txt"))).toBe(
      "é ü ✓",
    );
  });

  it("when a file is uploaded again, then the new content replaces the old one", async () => {
    const mlflow = testClient();
    await mlflow.artifacts.upload(artifactUri, "eval/report.json", '{"version":1}');
    await mlflow.artifacts.upload(artifactUri, "eval/report.json", '{"version":2}');
    expect(new TextDecoder().decode(await mlflow.artifacts.download(artifactUri, "eval/report.json"))).toBe(
      '{"version":2}',
    );
  });

  it("when a directory does not exist, then it lists as empty", async () => {
    expect(await testClient().artifacts.list(artifactUri, "no/such/dir")).toEqual([]);
  });

  it("when a file does not exist, then download fails at once with the typed not-found error", async () => {
    const recorder = instrumentedFetch();
    const error = await testClient({ fetch: recorder.fetch, retry: { retries: 5 } })
      .artifacts.download(artifactUri, "model/missing.json")
      .catch((caught: unknown) => caught);
    expect(isNotFound(error)).toBe(true);
    expect(recorder.calls).toHaveLength(1);
  });

  it("when the artifact URI is a server-local path, then the client refuses it without sending anything", async () => {
    const recorder = instrumentedFetch();
    const mlflow = testClient({ fetch: recorder.fetch });
    for (const uri of ["/mlflow/artifacts/1/abc/artifacts", "file:///mlflow/1/abc/artifacts", "s3://bucket/1/abc"]) {
      await expect(mlflow.artifacts.upload(uri, "model/MLmodel", "x")).rejects.toThrow(ConfigError);
      await expect(mlflow.artifacts.upload(uri, "model/MLmodel", "x")).rejects.toThrow(/--default-artifact-root/);
    }
    expect(recorder.calls).toHaveLength(0);
  });
});
