/** The piscina worker of `nnlab bench --grid`: one run of the grid per task (lib/bench/grid_job.ts). */
import { runGridJob, type GridJob, type GridJobResult } from './grid_job.js';

export default function run(job: GridJob): GridJobResult {
  return runGridJob(job);
}
