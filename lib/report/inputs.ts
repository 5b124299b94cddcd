/**
 * What a page was built from, as one hash: the notebook's source, the compiled library (every
 * file of dist/, which holds the training code, the charts and the page template), plotly.js,
 * and the settings the notebook reads from the environment (profile, number type, data). A
 * rebuild whose inputs hash to the same value would execute the notebook to the same page, so
 * `nnlab report` keeps that page instead (`--rebuild` executes it anyway).
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { projectRoot } from './jupyter.js';

/** Feeds every file under `dir` (sorted, with its relative path) into the hash. */
function hashTree(h: ReturnType<typeof createHash>, dir: string, rel = ''): void {
  for (const name of readdirSync(path.join(dir, rel)).sort()) {
    const file = path.join(rel, name);
    const full = path.join(dir, file);
    if (statSync(full).isDirectory()) hashTree(h, dir, file);
    else h.update(file).update(readFileSync(full));
  }
}

/** A course-data folder by its files' names, sizes and modification times (reading 7,000 BMPs would cost more than it saves). */
function hashDataFolder(h: ReturnType<typeof createHash>, dir: string, rel = ''): void {
  for (const name of readdirSync(path.join(dir, rel)).sort()) {
    const file = path.join(rel, name);
    const s = statSync(path.join(dir, file));
    if (s.isDirectory()) hashDataFolder(h, dir, file);
    else h.update(`${file}\0${s.size}\0${s.mtimeMs}\n`);
  }
}

/** The inputs hash of one notebook's page under `env`, or null when one of them cannot be read. */
export function pageInputs(notebookFile: string, env: NodeJS.ProcessEnv, profile: string): string | null {
  try {
    const h = createHash('sha256');
    h.update(readFileSync(notebookFile));
    const dist = path.join(projectRoot(), 'dist');
    if (!existsSync(dist)) return null;
    hashTree(h, dist);
    h.update(readFileSync(createRequire(import.meta.url).resolve('plotly.js-dist-min')));
    // The budget and the workers size notebook 05's search (lib/experiments/halving.ts planHalving).
    h.update(JSON.stringify({ profile, dtype: env.NNLAB_DTYPE ?? '', data: env.NNLAB_DATA ?? '', budget: env.NNLAB_BUDGET ?? '', workers: env.NNLAB_WORKERS ?? '' }));
    if (env.NNLAB_DATA) hashDataFolder(h, path.resolve(env.NNLAB_DATA));
    return h.digest('hex');
  } catch {
    return null;
  }
}
