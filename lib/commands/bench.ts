/**
 * `nnlab bench`: times nnlab on the report workload beside the NumPy reference and prints
 * the markdown tables (see lib/bench/). A script that prints figures, never a test: speed
 * depends on the machine and its load, so it is reported, not asserted.
 */
import { Command } from 'commander';
import { DEFAULT_REFERENCE, formatBench, runBench } from '../bench/index.js';
import { DEFAULT_GRID_REFERENCE, defaultGridWorkers } from '../bench/grid.js';
import { MODEL_NAMES, WORKLOAD, type ModelName } from '../bench/workload.js';
import { DTYPES } from '../nn/matrix.js';
import { NUMERICS_MODES } from '../kernels/index.js';
import { parseChoiceList, parseDType, parseDTypeList, parseInteger, parseIntList } from './options.js';

interface BenchCliOptions {
  models: string;
  batch: string;
  dtype: string;
  /** A path, or false for --no-reference. */
  reference: string | false;
  json?: string;
  tfjs: boolean;
  grid?: boolean;
  gridOnly?: boolean;
  gridDtype: string;
  gridWorkers?: string;
  gridLimit?: string;
  gridSeeds?: string;
  gridEpochs?: string;
  gridReference: string;
  gridEngines: string;
  modes: string;
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
    .option('--modes <list>', `numerics modes of the per-model rows and the products, comma-separated (${NUMERICS_MODES.join(',')}; a mode this machine cannot run is left out, saying why)`, NUMERICS_MODES.join(','))
    .option('--json <file>', 'also write every figure to this JSON file')
    .option('--grid', 'also time the report\'s whole grid (lib/bench/grid.json: 39 configurations × 3 seeds, 20 epochs) in nnlab and in each reference of grid_reference.py that runs (NumPy; PyTorch when torch imports)')
    .option('--grid-only', 'the grid alone: no per-model rows, no kernel GFLOP/s (implies --grid)')
    .option('--grid-dtype <dtype>', 'number type of the grid (float32, as the report)', 'float32')
    .option('--grid-workers <n>', 'worker threads for nnlab and processes for the references (default: one per core)')
    .option('--grid-limit <n>', 'only the first n configurations (a quick check)')
    .option('--grid-seeds <n>', 'seeds per configuration (default: the grid\'s 3)')
    .option('--grid-epochs <n>', 'epochs per run (default: the grid\'s 20)')
    .option('--grid-engines <list>', 'reference engines of the grid, comma-separated (numpy,torch)', 'numpy,torch')
    .option('--grid-reference <path>', 'the references\' timer grid_reference.py', DEFAULT_GRID_REFERENCE)
    .action(async (opts: BenchCliOptions) => {
      const models = opts.models.split(',').map((s) => s.trim());
      if (models.some((m) => m === '')) throw new Error(`--models: expected comma-separated models (some of ${MODEL_NAMES.join(',')}), got '${opts.models}'`);
      for (const m of models) {
        if (!(MODEL_NAMES as readonly string[]).includes(m)) throw new Error(`--models: unknown model '${m}', expected some of ${MODEL_NAMES.join(',')}`);
      }
      const optionalInt = (name: string, text: string | undefined) => (text === undefined ? undefined : parseInteger(name, text, 1));
      const grid = opts.grid || opts.gridOnly ? {
        dtype: parseDType('--grid-dtype', opts.gridDtype),
        workers: optionalInt('--grid-workers', opts.gridWorkers) ?? defaultGridWorkers(),
        limit: optionalInt('--grid-limit', opts.gridLimit) ?? null,
        seeds: optionalInt('--grid-seeds', opts.gridSeeds),
        epochs: optionalInt('--grid-epochs', opts.gridEpochs),
        reference: opts.reference === false ? null : opts.gridReference,
        engines: parseChoiceList('--grid-engines', opts.gridEngines, ['numpy', 'torch'] as const),
      } : undefined;
      const result = await runBench({
        tfjs: opts.tfjs && !opts.gridOnly,
        grid,
        kernels: !opts.gridOnly,
        dtypes: parseDTypeList('--dtype', opts.dtype),
        models: opts.gridOnly ? [] : models as ModelName[],
        batches: parseIntList('--batch', opts.batch),
        reference: opts.reference === false ? null : opts.reference,
        json: opts.json,
        numerics: parseChoiceList('--modes', opts.modes, NUMERICS_MODES),
      });
      console.log(formatBench(result));
    });
}
