/** Experiments for the notebooks: profiles, data, the grid runner with its cache, and the report's numbers. */
export { startLab, type Lab, type StartOptions } from './lab.js';
export { runGrid, resultsTable, stat, workerFile, type GridResult, type GroupResult, type RunResult, type RunOptions, type RunnerData, type Stat } from './runner.js';
export { RunCache, runKey, libraryVersion, defaultCacheDir, CACHE_FORMAT } from './cache.js';
export { getProfile, defaultWorkers, experimentDtype, PROFILES, type Profile, type ProfileName } from './profile.js';
export { loadLabData, fingerprintDataset, type LabData, type LabDataOptions } from './data.js';
export { trainRun, type RunRecord, type TrainData, type Progress } from './train.js';
export { grid, layers, resolvePoint, describeSettings, stableStringify, SETTING_KEYS, type TrainSettings, type GridPoint } from './settings.js';
export { REPORT, type ReportNumbers } from './report_numbers.js';
export { showResults, resultsFrame, beyondSpread, meanCurve, meanEpochs, reportValues, confusionMatrix, movingAverage, augmentedSamples, type ResultsOptions } from './present.js';
export { layerStatistics, type LayerStats } from './layer_stats.js';
export { cell, pivot, pivotOf, pivotRows, pivotRecords, pivotEffects, type Pivot } from './pivot.js';
export { showHeadline, headlineHtml, bestGroup, pct, type HeadlineRow } from './headline.js';
export { emitProgress, parseProgress, type ProgressEvent, type GridStartEvent, type RunDoneEvent, type GridDoneEvent } from './events.js';
export { describeError, whenReached, countOf, signedPoints } from './narrate.js';
export { runSineFit, sineKey, type SineRecord } from './sine_run.js';
export { citeResults, citeResultsHtml, citeStat, type Cited } from './cite.js';
export { describeDepthWidth, depthWidthEffects, nearestCostPairings, deepWins, describeDeepWins, describeNoise, bestCells, bestCellRow, describeBaselineRun, type CostPairing, type DepthWidthEffects } from './architecture.js';
export { describeSineError, describeLossComparison, crossEntropyAhead, describeChange, describeGradientShrink, describeAugmentation, describeConfusions, finalGap } from './paragraphs.js';
export {
  ensembleAccuracy, ensemblePredict, memberProbabilities, averageProbabilities, predictionsOf, accuracyOf, classProbabilities, softmaxRows,
  type ProbabilityRecord,
} from '../data/ensemble.js';
export {
  splitSizes, parameterCount, widthForParameters, mostConfused, mistakesOf,
  searchCost, pctOf, testOf, ensembleOf, showMistakes, type ConfusedPair, type SearchCost, type Ensemble,
} from './beyond.js';
export {
  SEARCH_SPACE, COST_MODEL, sampleConfigurations, epochSeconds, meanEpochSeconds, planHalving, rungSizes, rungLengths, promote, successiveHalving,
  type SearchAxis, type SpaceContext, type Configuration, type Rung, type HalvingPlan, type PlanOptions, type Trial, type HalvingResult, type GridRunner,
} from './halving.js';
export { planSearch, runSearch, trainFinal, showFinalModel, describeFinalModel, type FinalModel } from './halving_lab.js';
export { describeBudget, describePlan, describeWinner, searchSettingsText, halvingCurvesChart, showSurvivors } from './halving_show.js';
export { protocolVariants, runProtocolVariants, protocolEffects, showProtocolEffects, describeProtocolEffects, type ProtocolVariant, type ProtocolRuns, type ProtocolEffect } from './protocol.js';
export { learningRateAt, warmupFactor, LR_SCHEDULES, type LrSchedule } from '../nn/optim.js';
