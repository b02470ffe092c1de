import { growTreesTask, type FastTreeTask } from "./train-fast.js";
import { serveTasks } from "./worker-pool.js";

serveTasks<FastTreeTask>(growTreesTask);
