/**
 * What notebook 05 shows of a successive-halving search (lib/experiments/halving.ts): the plan,
 * every trial's validation curve coloured by rung, the table of the configurations that reached
 * the last rungs, and sentences built from those numbers.
 */
import type { Figure } from '../display/plotly.js';
import { showTable } from '../display/table.js';
import { SEARCH_SPACE, type HalvingPlan, type HalvingResult, type SearchAxis, type Trial } from './halving.js';
import { describeSettings } from './settings.js';
import { captionData } from '../display/numbering.js';

const RUNG_COLOURS = ['#9ecae1', '#4292c6', '#08519c', '#e6550d', '#a63603', '#54278f'];

/** "54 configurations × 4 epochs → 18 × 11 → 6 × 33 → 2 × 100". */
export function describePlan(plan: HalvingPlan): string {
  return plan.rungs.map((r, i) => `${r.configurations}${i === 0 ? ' configurations' : ''} × ${r.epochs} epochs`).join(' → ');
}

/** Under which settings the search's numbers were made, for its chart: the rungs, the seed, the data. */
export function searchSettingsText(result: HalvingResult, data: string | null = captionData()): string {
  const seeds = [...new Set(result.trials.map((t) => t.run.seed))];
  return `${describePlan(result.plan)}; training seed ${seeds.join(', ')}; validation accuracy per epoch${data ? `; data: ${data}` : ''}`;
}

/**
 * The plan in a sentence: what the budget bought and on how many workers, with the cost model's
 * estimate (seconds on one core) beside it.
 */
export function describeBudget(plan: HalvingPlan): string {
  const runs = plan.rungs.reduce((a, r) => a + r.configurations, 0);
  const epochs = plan.rungs.reduce((a, r) => a + r.configurations * r.epochs, 0);
  return `A budget of ${plan.budgetSeconds} s on ${plan.workers} worker${plan.workers > 1 ? 's' : ''} buys ${plan.rungs.length} rung${plan.rungs.length > 1 ? 's' : ''}: ` +
    `${describePlan(plan)} (${runs} runs, ${epochs} epochs in all; estimated ${(plan.estimatedSeconds / 60).toFixed(1)} minutes of training on one core).`;
}

/** Validation accuracy per epoch of every trial, one colour per rung; the winner's curves drawn thicker. */
export function halvingCurvesChart(result: HalvingResult): Figure {
  const shown = new Set<number>();
  const data = result.trials.map((t) => {
    const first = !shown.has(t.rung);
    shown.add(t.rung);
    const winner = t.configuration === result.winner;
    return {
      type: 'scatter', mode: 'lines',
      name: `rung ${t.rung + 1} (${t.epochs} epochs)`, legendgroup: `rung ${t.rung + 1}`, showlegend: first,
      x: t.run.valAccHistory.map((_, i) => i + 1), y: t.run.valAccHistory.map((v) => (Number.isFinite(v) ? v : null)),
      line: { color: RUNG_COLOURS[t.rung % RUNG_COLOURS.length], width: winner ? 3 : 1 }, opacity: winner ? 1 : 0.55,
      hovertemplate: `#${t.configuration.id} · rung ${t.rung + 1}${winner ? ' · the winner' : ''}<br>epoch %{x}<br>validation %{y:.1%}<extra></extra>`,
    };
  });
  return {
    data,
    layout: {
      title: { text: 'Every trial\'s validation accuracy per epoch, coloured by rung (thick: the winner)' },
      xaxis: { title: { text: 'epoch' }, type: 'log' }, yaxis: { title: { text: 'validation accuracy' }, tickformat: '.0%' },
      legend: { orientation: 'h', y: -0.2 }, height: 460,
    },
  };
}

/** A configuration's values one column per group of axes, e.g. regularisation "dropout 0.2, decay 0.001" ('–' for none). */
function groupedValues(values: Record<string, string>, space: readonly SearchAxis[]): Record<string, string> {
  const groups = new Map<string, SearchAxis[]>();
  for (const a of space) groups.set(a.group ?? a.name, [...(groups.get(a.group ?? a.name) ?? []), a]);
  return Object.fromEntries([...groups].map(([group, axes]) => [group, axes.map((a) => values[a.name]).filter((v) => v !== '').join(', ') || '–']));
}

/** The configurations that reached the last rung or the one before: their values, and validation accuracy at each rung. */
export function showSurvivors(result: HalvingResult, caption: string, space: readonly SearchAxis[] = SEARCH_SPACE): void {
  const last = result.plan.rungs.length - 1;
  const from = Math.max(0, last - 1);
  const survivors = result.configurations.filter((c) => result.trials.some((t) => t.configuration === c && t.rung >= from));
  const acc = (id: number, rung: number) => result.trials.find((t) => t.configuration.id === id && t.rung === rung)?.valAcc ?? NaN;
  const rows = survivors
    .map((c) => ({
      c, top: Math.max(...result.trials.filter((t) => t.configuration === c).map((t) => t.rung)),
    }))
    .sort((a, b) => b.top - a.top || acc(b.c.id, b.top) - acc(a.c.id, a.top) || a.c.id - b.c.id)
    .map(({ c }) => ({
      configuration: `#${c.id}${c === result.winner ? ' (winner)' : ''}`,
      ...groupedValues(c.values, space),
      network: `${c.settings.hiddenDims.join('/')} (${c.values.network})`,
      ...Object.fromEntries(result.plan.rungs.map((r, i) => [`rung ${i + 1} · ${r.epochs} ep`, acc(c.id, i)])),
    }));
  showTable(rows, {
    caption,
    format: Object.fromEntries(result.plan.rungs.map((r, i) => [`rung ${i + 1} · ${r.epochs} ep`, (v: unknown) => (Number.isFinite(v as number) ? `${((v as number) * 100).toFixed(1)}%` : '–')])),
  });
}

/** The winner in a sentence: its settings, its validation accuracy at each rung, and the length chosen. */
export function describeWinner(result: HalvingResult, base: Parameters<typeof describeSettings>[1]): string {
  const path = result.winnerTrials.map((t: Trial) => `${(t.valAcc * 100).toFixed(1)}% at ${t.epochs} epochs`).join(', ');
  return `The winner is configuration #${result.winner.id} (${describeSettings(result.winner.settings, base)}; ${result.winner.settings.hiddenDims.join('/')} units). ` +
    `On validation it scored ${path}; its best length on validation, ${result.chosenEpochs} epochs, is the length of the final model.`;
}
