/** Rich output for notebooks: Plotly charts, HTML tables of DataFrames, live progress. */
export { show, figureHtml, loadPlotly, plotlyLoaderHtml, resetPlotly, type Figure } from './plotly.js';
export { showTable, tableHtml, formatValue, type TableOptions, type TableInput, type ColumnFormat } from './table.js';
export { liveProgress, progressHtml, type LiveProgress, type ProgressRow } from './progress.js';
export { output, newOutput, inKernel, setOutputSink, type Output, type Sink } from './output.js';
export { showMarkdown, showHtml } from './text.js';
export { lineChart, barChart, heatmap, heatmapPair, choiceChart, imageGridHtml, type Series, type AxesOptions, type HeatmapOptions, type HeatmapPanel, type Choice } from './charts.js';
export { setCaptionMark, currentCaptionMark } from './mark.js';
export { matrixHtml, showMatrices } from './matrix.js';
export { liveLineChart, type LiveChart } from './live_chart.js';
export { table, figure, ref, resetNumbering, numberedAnchor, type NumberedRef } from './numbering.js';
