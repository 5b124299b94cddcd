/**
 * Numbers a reader can cite: a notebook hands its headline numbers, as numbers, to
 * `report/results.json` (lib/report/results.ts) with `citeResults({ sine: { meanAbsError } })`.
 * They travel as JSON in a hidden output's `data-nnlab-results`, like the headline table's rows.
 *
 * Values are numbers, `{mean, std}` over seeds (std null with one seed), or objects of them;
 * anything else (a formatted string, NaN) is an error naming its key, before it reaches the file.
 */
import { output } from '../display/output.js';
import { escapeHtml } from '../util/html.js';
import type { Stat } from './runner.js';

export type Cited = number | null | { [key: string]: Cited };

/** `{mean, std}` of a statistic over seeds, std null when undefined (one seed). */
export function citeStat(s: Stat): { mean: number; std: number | null } {
  if (!Number.isFinite(s.mean)) throw new Error('citeStat: the mean is not a finite number (every run diverged?)');
  return { mean: s.mean, std: Number.isFinite(s.std) ? s.std : null };
}

function check(value: unknown, where: string): void {
  if (value === null) return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`citeResults: ${where} is ${value}, not a finite number`);
    return;
  }
  if (typeof value !== 'object' || Array.isArray(value)) throw new Error(`citeResults: ${where} must be a number or an object of numbers, got ${JSON.stringify(value)}`);
  for (const [k, v] of Object.entries(value)) check(v, where ? `${where}.${k}` : k);
}

/** The hidden output that carries `results` (no output sent). */
export function citeResultsHtml(results: Record<string, Cited>): string {
  check(results, '');
  return `<div class="nnlab-results" hidden data-nnlab-results="${escapeHtml(JSON.stringify(results))}"></div>`;
}

/** Hands `results` to report/results.json (see the module comment). */
export function citeResults(results: Record<string, Cited>): void {
  output().html(citeResultsHtml(results));
}
