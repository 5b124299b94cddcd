/**
 * nnlab/notebook: what the notebooks import besides the core — startLab and the profiles,
 * charts, tables and live progress for Jupyter, the experiment grids with their worker pool and
 * cache, and the report's numbers. Loading it loads danfojs-node, piscina and, in a kernel,
 * plotly.js; the core (`nnlab`) does not.
 */
import { exitWithJupyterParent } from '../report/parent_watch.js';

export * from '../display/index.js';
export * from '../experiments/index.js';

// In a kernel Jupyter started: exit when Jupyter's process is gone (lib/report/parent_watch.ts).
exitWithJupyterParent();
