/**
 * Executes all four notebooks in the quick profile (nbconvert → nbclient, tslab kernel) and checks
 * every cell: no error output, nothing on stderr (tslab prints type errors there), every code cell
 * with output, every cell tagged "plot" with a chart and "table" with a table; and the report index.
 *
 * Needs the project's Jupyter (bash scripts/setup.sh). Without it the tests fail under CI=true and
 * are skipped locally, saying why.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { IN_CI, jupyterProblem, quickReport, REPORT_DIR } from './notebooks.fixture.js';

const problem = jupyterProblem();
if (problem && !IN_CI) console.warn(`notebooks.test.ts: skipped: ${problem}`);

/** What each notebook must at least produce (charts, tables) in the quick profile. */
const EXPECTED: Record<string, { plots: number; tables: number }> = {
  '01_sin_fit': { plots: 6, tables: 2 },
  '02_architecture': { plots: 5, tables: 7 },
  '03_hyperparams': { plots: 6, tables: 5 },
  '04_bn_augment': { plots: 5, tables: 4 },
};

describe.skipIf(problem !== null && !IN_CI)('notebooks (quick profile)', () => {
  it('has its Jupyter and tslab kernel', () => {
    expect(problem, 'run `bash scripts/setup.sh` (Jupyter in .venv, tslab kernel)').toBeNull();
  });

  it('executes all four notebooks without errors, every cell with its expected output', async () => {
    expect(problem).toBeNull();
    const report = await quickReport();
    expect(report.notebooks.map((n) => n.name)).toEqual(Object.keys(EXPECTED));
    for (const nb of report.notebooks) {
      const where = `${nb.name} (see ${path.relative(process.cwd(), REPORT_DIR)}/${nb.name}.ipynb)`;
      expect(nb.summary.problems, where).toEqual([]);
      expect(nb.exitCode, where).toBe(0);
      expect(nb.summary.plots, `${where}: charts`).toBeGreaterThanOrEqual(EXPECTED[nb.name].plots);
      expect(nb.summary.plots, `${where}: every "plot" cell drew`).toBeGreaterThanOrEqual(nb.summary.expectedPlots);
      expect(nb.summary.tables, `${where}: tables`).toBeGreaterThanOrEqual(EXPECTED[nb.name].tables);
      expect(nb.summary.plotlyInlined, `${where}: plotly.js inlined`).toBeGreaterThanOrEqual(1);
      expect(nb.profile, `${where}: profile printed at the top`).toBe('quick');
      expect(nb.data, `${where}: data source printed at the top`).toMatch(/built-in synthetic characters/);
    }
    // CI budget: all four notebooks well under 15 minutes.
    expect(report.seconds).toBeLessThan(15 * 60);
  }, 30 * 60_000);

  it('writes report/index.html linking one page per notebook, saying profile and data', async () => {
    expect(problem).toBeNull();
    const report = await quickReport();
    const index = readFileSync(path.join(REPORT_DIR, 'index.html'), 'utf8');
    for (const nb of report.notebooks) {
      expect(index).toContain(`href="${nb.name}.html"`);
      expect(existsSync(path.join(REPORT_DIR, `${nb.name}.html`))).toBe(true);
    }
    expect(index).toMatch(/<b>Profile:<\/b> quick/);
    expect(index).toMatch(/<b>Data:<\/b> built-in synthetic characters/);
  }, 30 * 60_000);

  it('keeps the notebooks in the repository free of outputs', () => {
    for (const name of Object.keys(EXPECTED)) {
      const nb = JSON.parse(readFileSync(path.join(process.cwd(), 'notebooks', `${name}.ipynb`), 'utf8')) as { cells: Array<{ outputs?: unknown[] }> };
      expect(nb.cells.every((c) => !c.outputs || c.outputs.length === 0), name).toBe(true);
    }
  });
});
