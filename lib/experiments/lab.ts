/**
 * What a notebook opens with: `const lab = await startLab("02_architecture")` picks the profile
 * (NNLAB_PROFILE), loads the data (built-in or NNLAB_DATA), says both at the top of the notebook,
 * inlines plotly.js once, and returns `lab.run(grid)` for experiments over the profile's baseline.
 */
import { loadPlotly } from '../display/plotly.js';
import { output } from '../display/output.js';
import { setCaptionMark } from '../display/mark.js';
import { resetNumbering } from '../display/numbering.js';
import { defaultWorkers, getProfile, type Profile } from './profile.js';
import { loadLabData, type LabData, type LabDataOptions } from './data.js';
import { runGrid, type GridResult, type RunOptions } from './runner.js';
import { libraryVersion, defaultCacheDir } from './cache.js';
import type { GridPoint, TrainSettings } from './settings.js';
import { runSineFit, type SineRecord } from './sine_run.js';
import type { SineOptions } from '../tasks/sine.js';
import { escapeHtml } from '../util/html.js';
import { NUMERICS_VERSION } from '../math/elementary.js';
import { numericsMode } from '../kernels/index.js';

export interface Lab {
  notebook: string;
  profile: Profile;
  data: LabData;
  /** The report's baseline: 3 layers (2 hidden) of 50, ReLU, in this profile's training budget. */
  baseline: TrainSettings;
  workers: number;
  /** Trains each grid point (over the baseline) for each of the profile's seeds; cached. */
  run(points: GridPoint[], options?: RunOptions): Promise<GridResult>;
  /** Fits sin(x) (the report's fitting task); cached like the grids. */
  fitSine(options?: Partial<SineOptions>): SineRecord & { cached: boolean };
  /**
   * The same lab on the same images split or used another way (LabDataOptions: validation
   * size, naive split, training on training + validation); its runs are cached apart, since
   * the data's fingerprint differs.
   */
  withData(options: Omit<LabDataOptions, 'dir' | 'testFraction'>): Lab;
}


export interface StartOptions {
  /** Course data folder (default NNLAB_DATA). */
  dataDir?: string | null;
  /** Profile name (default NNLAB_PROFILE, else quick). */
  profile?: string;
  /**
   * Fraction of each class held out as a test set that no choice sees (default 0: none). With a
   * test set, every run's record carries testAcc and the test probabilities (lib/experiments/train.ts).
   */
  testFraction?: number;
}

export async function startLab(notebook: string, options: StartOptions = {}): Promise<Lab> {
  const profile = getProfile(options.profile);
  const data = loadLabData(profile, { dir: options.dataDir, testFraction: options.testFraction });
  const workers = profile.workers ?? defaultWorkers();
  const seeds = profile.seeds.length > 1 ? `${profile.seeds.length} seeds per configuration, tables show mean ± std` : '1 seed per configuration';
  const dtype = profile.baseline.dtype;
  setCaptionMark(profile.mark);
  resetNumbering(`${data.XTrain.rows} train / ${data.XVal.rows} validation${data.XTest.rows > 0 ? ` / ${data.XTest.rows} test` : ''} images (${data.source})`);
  const out = output();
  out.html(
    `<div class="nnlab-banner" data-nnlab-profile="${escapeHtml(profile.name)}" data-nnlab-data="${escapeHtml(data.description)}" ` +
      `data-nnlab-dtype="${dtype}" data-nnlab-seeds="${profile.seeds.join(',')}" ` +
      // What results.json records of the run (lib/report/results.ts).
      `data-nnlab-data-kind="${data.source}" data-nnlab-fingerprint="${escapeHtml(data.fingerprint)}" ` +
      `data-nnlab-version="${escapeHtml(libraryVersion())}" data-nnlab-node="${escapeHtml(process.versions.node)}" data-nnlab-numerics="${NUMERICS_VERSION}" data-nnlab-numerics-mode="${numericsMode()}" ` +
      `style="border:1px solid #d0d7de;border-radius:6px;padding:8px 12px;background:#f6f8fa;font:13px/1.5 system-ui,sans-serif">` +
      `<div><b>Profile:</b> ${escapeHtml(profile.description)} — ${escapeHtml(seeds)}</div>` +
      `<div><b>Data:</b> ${escapeHtml(data.description)}${data.source === 'synthetic' ? ' (set NNLAB_DATA=/path/to/course/train for the course dataset)' : ''}</div>` +
      `<div><b>What the loader decided:</b> ${data.summaryLines.map(escapeHtml).join('<br>')}</div>` +
      `<div><b>Baseline:</b> 3-layer network (2 hidden layers of 50), ReLU, ${profile.baseline.updateRule} lr ${profile.baseline.learningRate}, batch ${profile.baseline.batchSize}, trained until converged (training accuracy ≥ 99% and no better validation accuracy for ${profile.baseline.patience} epochs) or ${profile.baseline.numEpochs} epochs</div>` +
      `<div><b>Number type:</b> the experiments train in ${dtype}${dtype === 'float32' ? ' (about 1.5× faster than float64; set NNLAB_DTYPE=float64 to rerun them in float64)' : ''}; gradient checks and the backprop walk-through use float64</div>` +
      (profile.mark ? `<div style="color:#9a3412;font-weight:600">⚠ ${escapeHtml(profile.mark)}: <code>npm run report</code> builds the full profile</div>` : '') +
      `<div style="color:#57606a"><b>nnlab</b> ${escapeHtml(libraryVersion())} · ${workers} worker thread(s) · cache ${escapeHtml(defaultCacheDir())}</div>` +
      `</div>`,
  );
  loadPlotly({ force: true, out });
  const dataOptions = { dir: options.dataDir, testFraction: options.testFraction };
  return makeLab(notebook, profile, data, workers, (variant) => loadLabData(profile, { ...variant, ...dataOptions }));
}

/** A Lab over `data`; `load` makes the data of withData. */
function makeLab(notebook: string, profile: Profile, data: LabData, workers: number, load: (variant: Omit<LabDataOptions, 'dir' | 'testFraction'>) => LabData): Lab {
  const baseline = { ...profile.baseline, hiddenDims: [...profile.baseline.hiddenDims] };
  return {
    notebook,
    profile,
    data,
    baseline,
    workers,
    run: (points, runOptions = {}) =>
      runGrid(points, { ...data, numClasses: data.classNames.length }, baseline, { seeds: profile.seeds, workers, notebook, ...runOptions }),
    fitSine: (options) => runSineFit(options),
    withData: (variant) => makeLab(notebook, profile, load(variant), workers, load),
  };
}
