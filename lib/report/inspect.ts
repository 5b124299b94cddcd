/**
 * Reading an executed notebook: errors, cells without their expected output, and the charts and
 * tables it produced. Code cells must produce output unless tagged `no-output`; a cell tagged
 * `plot` must produce a Plotly chart, one tagged `table` an HTML table.
 */
import { readFileSync } from 'node:fs';

interface NbOutput {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, string | string[]>;
  ename?: string;
  evalue?: string;
}
interface NbCell {
  cell_type: string;
  source: string | string[];
  metadata?: { tags?: string[] };
  outputs?: NbOutput[];
}
export interface Notebook {
  cells: NbCell[];
  metadata: Record<string, unknown>;
}

export interface NotebookProblem {
  cell: number;
  /** `export`: the HTML export failed; `headline`: a headline output could not be read. */
  kind: 'error' | 'stderr' | 'no-output' | 'no-plot' | 'no-table' | 'export' | 'headline';
  message: string;
}

export interface NotebookSummary {
  codeCells: number;
  /** Plotly charts drawn by outputs (divs of class nnlab-plot). */
  plots: number;
  /** Charts the tags promise. */
  expectedPlots: number;
  tables: number;
  expectedTables: number;
  /** Whether some output inlines plotly.js. */
  plotlyInlined: number;
  problems: NotebookProblem[];
}

const join = (s: string | string[] | undefined): string => (Array.isArray(s) ? s.join('') : s ?? '');

function count(haystack: string, needle: RegExp): number {
  return (haystack.match(needle) ?? []).length;
}

export function readNotebook(file: string): Notebook {
  return JSON.parse(readFileSync(file, 'utf8')) as Notebook;
}

/** The summary of a notebook with no cells: nothing found, no problems yet. */
export function emptySummary(): NotebookSummary {
  return { codeCells: 0, plots: 0, expectedPlots: 0, tables: 0, expectedTables: 0, plotlyInlined: 0, problems: [] };
}

/** Summarises an executed notebook (see the module comment for the rules). */
export function inspectNotebook(nb: Notebook): NotebookSummary {
  const s = emptySummary();
  nb.cells.forEach((cell, i) => {
    if (cell.cell_type !== 'code') return;
    s.codeCells++;
    const tags = cell.metadata?.tags ?? [];
    const outputs = cell.outputs ?? [];
    let html = '';
    for (const o of outputs) {
      if (o.output_type === 'error') {
        s.problems.push({ cell: i, kind: 'error', message: `${o.ename}: ${o.evalue}` });
      } else if (o.output_type === 'stream' && o.name === 'stderr') {
        // tslab reports compile (type) errors on stderr, not as error outputs.
        s.problems.push({ cell: i, kind: 'stderr', message: join(o.text).slice(0, 500) });
      }
      if (o.data) html += join(o.data['text/html']);
    }
    const plots = count(html, /class="nnlab-plot"/g);
    const tables = count(html, /<table class="nnlab-table"/g);
    s.plots += plots;
    s.tables += tables;
    s.plotlyInlined += count(html, /data-nnlab="plotly-loader"/g);
    if (tags.includes('plot')) {
      s.expectedPlots++;
      if (plots === 0) s.problems.push({ cell: i, kind: 'no-plot', message: 'cell tagged "plot" drew no chart' });
    }
    if (tags.includes('table')) {
      s.expectedTables++;
      if (tables === 0) s.problems.push({ cell: i, kind: 'no-table', message: 'cell tagged "table" showed no table' });
    }
    if (outputs.length === 0 && !tags.includes('no-output')) {
      s.problems.push({ cell: i, kind: 'no-output', message: `cell produced no output: ${join(cell.source).split('\n')[0].slice(0, 80)}` });
    }
  });
  return s;
}
