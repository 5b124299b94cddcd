/**
 * A Jupyter kernel that outlives its parent: after `kill -9` of a report build, the tslab
 * kernels lived on (150–320 MB each, parent 1) and never noticed. Jupyter gives every kernel it
 * starts its own process id in JPY_PARENT_PID; loading nnlab/notebook in such a kernel starts a
 * check every two seconds that ends the kernel once that process is gone (as ipykernel's parent
 * poller does for Python kernels). The timer is unref'd: it keeps nothing alive by itself.
 */
import { processRuns } from '../util/io.js';

let watching = false;


/** Starts the check if this process is a kernel Jupyter started (JPY_PARENT_PID set); returns whether it did. */
export function exitWithJupyterParent(env: NodeJS.ProcessEnv = process.env, everyMs = 2000): boolean {
  const parent = Number(env.JPY_PARENT_PID);
  if (watching || !Number.isInteger(parent) || parent <= 1) return false;
  watching = true;
  const startedUnder = process.ppid;
  setInterval(() => {
    // The parent is gone, or this process was re-parented (to init, or a subreaper).
    if (!processRuns(parent) || (startedUnder === parent && process.ppid !== parent)) process.exit(0);
  }, everyMs).unref();
  return true;
}
