/**
 * `nnlab bench`: times nnlab on the report workload beside the NumPy reference and prints
 * the markdown tables (see lib/bench/). A script that prints figures, never a test: speed
 * depends on the machine and its load, so it is reported, not asserted.
 */
import { Command } from 'commander';
import { DEFAULT_REFERENCE, formatBench, runBench } from '../bench/index.js';
import { MODEL_NAMES, WORKLOAD, type ModelName } from '../bench/workload.js';
import { DTYPES } from '../nn/matrix.js';
import { parseDTypeList, parseIntList } from './options.js';

interface BenchCliOptions {
  models: string;
  batch: string;
  dtype: string;
  /** A path, or false for --no-reference. */
  reference: string | false;
  json?: string;
  tfjs: boolean;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description('time training and inference of the report\'s networks (M1–M4) and the matrix kernels, side by side with the NumPy reference')
    .option('--models <list>', `models, comma-separated (${MODEL_NAMES.join(',')})`, MODEL_NAMES.join(','))
    .option('--batch <sizes>', 'batch sizes, comma-separated', WORKLOAD.batchSizes.join(','))
    .option('--dtype <list>', `number types nnlab (and NumPy) train in, comma-separated (${DTYPES.join(',')})`, DTYPES.join(','))
    .option('--reference <path>', 'the NumPy reference numpy_mlp.py (runs when python3 has NumPy)', DEFAULT_REFERENCE)
    .option('--no-reference', 'do not run the NumPy reference')
    .option('--no-tfjs', 'do not time TensorFlow.js (wasm backend)')
    .option('--json <file>', 'also write every figure to this JSON file')
    .action(async (opts: BenchCliOptions) => {
      const models = opts.models.split(',').map((s) => s.trim());
      if (models.some((m) => m === '')) throw new Error(`--models: expected comma-separated models (some of ${MODEL_NAMES.join(',')}), got '${opts.models}'`);
      for (const m of models) {
        if (!(MODEL_NAMES as readonly string[]).includes(m)) throw new Error(`--models: unknown model '${m}', expected some of ${MODEL_NAMES.join(',')}`);
      }
      const result = await runBench({
        tfjs: opts.tfjs,
        dtypes: parseDTypeList('--dtype', opts.dtype),
        models: models as ModelName[],
        batches: parseIntList('--batch', opts.batch),
        reference: opts.reference === false ? null : opts.reference,
        json: opts.json,
      });
      console.log(formatBench(result));
    });
}
