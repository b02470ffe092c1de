import { isAlreadyExists, isNotFound } from "./errors.js";
import type { MlflowHttp } from "./http.js";
import { toKeyValues } from "./tags.js";
import type { Experiment } from "./types.js";

const API = "/api/2.0/mlflow/experiments";

/** Experiments: get, find by name, create, get-or-create (race- and deletion-safe), delete, restore. */
export class ExperimentsApi {
  constructor(private readonly http: MlflowHttp) {}

  async get(experimentId: string): Promise<Experiment> {
    const answer = await this.http.json<{ experiment?: Experiment }>({
      method: "GET",
      path: `${API}/get`,
      query: { experiment_id: experimentId },
    });
    return answer.experiment ?? {};
  }

  /** The experiment with this name, deleted ones included, or undefined. */
  async findByName(name: string): Promise<Experiment | undefined> {
    try {
      const answer = await this.http.json<{ experiment?: Experiment }>({
        method: "GET",
        path: `${API}/get-by-name`,
        query: { experiment_name: name },
      });
      return answer.experiment;
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Creates an experiment and returns its id; fails with `isAlreadyExists` if the name is taken (even if deleted). */
  async create(name: string, tags?: Record<string, string>): Promise<string> {
    const answer = await this.http.json<{ experiment_id?: string }>({
      method: "POST",
      path: `${API}/create`,
      json: { name, tags: toKeyValues(tags) },
      mode: "non-idempotent",
      // A re-sent create would fail with "already exists": look for the experiment instead.
      recover: async () => {
        const found = await this.findByName(name);
        return found?.experiment_id === undefined ? undefined : { experiment_id: found.experiment_id };
      },
    });
    if (!answer.experiment_id) throw new Error(`MLflow created experiment "${name}" but returned no id`);
    return answer.experiment_id;
  }

  /**
   * The experiment with this name, created if missing (tags apply only on creation) and restored if deleted.
   * Safe against concurrent callers: losing the creation race means reading the winner's experiment.
   */
  async getOrCreate(name: string, tags?: Record<string, string>): Promise<Experiment> {
    let experiment = await this.findByName(name);
    if (!experiment) {
      try {
        experiment = await this.get(await this.create(name, tags));
      } catch (error) {
        if (!isAlreadyExists(error)) throw error;
        experiment = await this.findByName(name);
        if (!experiment)
          throw new Error(`MLflow says experiment "${name}" exists but cannot find it by name`, { cause: error });
      }
    }
    const id = experiment.experiment_id;
    if (id === undefined) throw new Error(`MLflow returned experiment "${name}" without an id`);
    if (experiment.lifecycle_stage === "deleted") {
      await this.restore(id).catch(async (error: unknown) => {
        // Another caller may have restored it first: only fail if it is still deleted.
        if ((await this.get(id)).lifecycle_stage === "deleted") throw error;
      });
      experiment = await this.get(id);
    }
    return experiment;
  }

  async delete(experimentId: string): Promise<void> {
    await this.http.json({ method: "POST", path: `${API}/delete`, json: { experiment_id: experimentId } });
  }

  async restore(experimentId: string): Promise<void> {
    await this.http.json({ method: "POST", path: `${API}/restore`, json: { experiment_id: experimentId } });
  }
}
