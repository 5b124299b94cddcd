/**
 * nnlab/notebook: what a notebook cell needs besides the core, grouped by what the reader does.
 * Loading it loads danfojs-node, piscina and, in a kernel, plotly.js; the core (`nnlab`) does
 * not. Everything else of lib/experiments/ and lib/display/ stays inside the library.
 */
import { exitWithJupyterParent } from '../report/parent_watch.js';

// Start: the lab (profile, data, worker pool, cache) and the report's own numbers.
export { startLab } from '../experiments/lab.js';
export { REPORT } from '../experiments/report_numbers.js';
export { reportValues } from '../experiments/present.js';

// Data: what the training images look like, before and after augmentation.
export { augmentedSamples } from '../experiments/present.js';

// Models: inside a trained network, and where it goes wrong.
export { layerStatistics } from '../experiments/layer_stats.js';
export { confusionMatrix } from '../experiments/present.js';

// Experiments: grids of training runs, their results, and the search beyond the report.
export { grid, layers } from '../experiments/settings.js';
export { type GridResult, type GroupResult } from '../experiments/runner.js';
export { showResults, gridSettingsText, meanCurve, meanEpochs, movingAverage, beyondSpread } from '../experiments/present.js';
export { cell, pivot, pivotOf, pivotRows, pivotRecords, pivotEffects } from '../experiments/pivot.js';
export { bestGroup, showHeadline, pct } from '../experiments/headline.js';
export { describeError, whenReached, countOf, signedPoints } from '../experiments/narrate.js';

// The report as a document: numbered tables and figures to refer to ("Table 3"), numbers to cite in results.json.
export { table, figure, ref } from '../display/numbering.js';
export { citeResults, citeStat } from '../experiments/cite.js';
export { describeDepthWidth, depthWidthEffects, nearestCostPairings, deepWins, describeDeepWins, describeNoise, bestCellRow, describeBaselineRun } from '../experiments/architecture.js';
export {
  describeSineError, describeLossComparison, crossEntropyAhead, describeChange, describeGradientShrink, describeAugmentation, describeConfusions,
} from '../experiments/paragraphs.js';
export {
  splitSizes, widthForParameters, searchCost, pctOf, testOf, ensembleOf, showMistakes,
} from '../experiments/beyond.js';
export { planSearch, runSearch, trainFinal, showFinalModel, describeFinalModel } from '../experiments/halving_lab.js';
export { describeBudget, describePlan, describeWinner, searchSettingsText, halvingCurvesChart, showSurvivors } from '../experiments/halving_show.js';
export { protocolVariants, runProtocolVariants, protocolEffects, showProtocolEffects, describeProtocolEffects } from '../experiments/protocol.js';

// Display: charts, tables, text and images in the notebook.
export { show } from '../display/plotly.js';
export { showTable } from '../display/table.js';
export { showMarkdown, showHtml } from '../display/text.js';
export { lineChart, barChart, heatmap, heatmapPair, choiceChart, imageGridHtml } from '../display/charts.js';
export { liveLineChart } from '../display/live_chart.js';
export { showMatrices } from '../display/matrix.js';

// Live widgets: the model itself running in the page (nnlab's code compiled for the browser).
export { drawingPad, sineTrainer, backpropGraph } from '../display/widgets.js';
export { baselinePadCaption } from '../experiments/baseline_net.js';

// In a kernel Jupyter started: exit when Jupyter's process is gone (lib/report/parent_watch.ts).
exitWithJupyterParent();
