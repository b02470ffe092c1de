import { trainMlrfTask, type MlrfTreeTask } from "./train-mlrf.js";
import { serveTasks } from "./worker-pool.js";

serveTasks<MlrfTreeTask>(trainMlrfTask);
