/**
 * Finding the project's Jupyter: the Python of `NNLAB_PYTHON`, else the project's `.venv`
 * (made by scripts/setup.mjs), else `python3` (or on Windows `python`) when it has Jupyter. All Jupyter commands run as
 * `<python> -m jupyter ...`, so the venv need not be activated.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { platformChoices } from '../util/platform.js';

/** The project root: the folder holding package.json, lib/ (or dist/) and notebooks/. */
export function projectRoot(): string {
  // This file is lib/report/jupyter.ts or dist/report/jupyter.js: the root is two levels up.
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
}

export interface JupyterEnv {
  python: string;
  /** Where it was found, for messages. */
  source: string;
}

function hasModules(python: string, modules: string[]): boolean {
  try {
    execFileSync(python, ['-c', `import ${modules.join(', ')}`], { stdio: 'ignore', timeout: 60_000 });
    return true;
  } catch {
    return false;
  }
}

/** The Pythons that may have Jupyter, in order of preference (see the module comment). */
export function jupyterCandidates(): JupyterEnv[] {
  const candidates: JupyterEnv[] = [];
  if (process.env.NNLAB_PYTHON) candidates.push({ python: process.env.NNLAB_PYTHON, source: 'NNLAB_PYTHON' });
  const platform = platformChoices();
  const venv = platform.venvPython(projectRoot());
  if (existsSync(venv)) candidates.push({ python: venv, source: '.venv' });
  // Pythons on PATH that need no launcher arguments (`py -3` cannot be a JupyterEnv.python).
  for (const { command, args } of platform.pythonCommands) {
    if (args.length === 0 && command !== process.env.NNLAB_PYTHON) candidates.push({ python: command, source: `${command} on PATH` });
  }
  return candidates;
}

/** Finds a Python with the given modules (default: nbconvert and nbclient), or null. */
export function findJupyter(modules: string[] = ['nbconvert', 'nbclient']): JupyterEnv | null {
  return jupyterCandidates().find((c) => hasModules(c.python, modules)) ?? null;
}

export const NO_JUPYTER = 'no Jupyter found (nbconvert/nbclient): run `node scripts/setup.mjs` first';
export const noTslab = (env: JupyterEnv) => `the tslab kernel is not registered with ${env.python}: run \`node scripts/setup.mjs\``;

/** True when the tslab kernel is registered for that Python's Jupyter. */
export function hasTslabKernel(env: JupyterEnv): boolean {
  try {
    const out = execFileSync(env.python, ['-m', 'jupyter', 'kernelspec', 'list', '--json'], { encoding: 'utf8', timeout: 60_000 });
    const specs = JSON.parse(out) as { kernelspecs: Record<string, unknown> };
    return 'tslab' in specs.kernelspecs;
  } catch {
    return false;
  }
}

/** Finds Jupyter with the tslab kernel, or throws saying to run scripts/setup.mjs. */
export function requireJupyter(modules?: string[]): JupyterEnv {
  const env = findJupyter(modules);
  if (!env) throw new Error(NO_JUPYTER);
  if (!hasTslabKernel(env)) throw new Error(noTslab(env));
  return env;
}

/**
 * Makes node_modules/nnlab a link to the project, so that notebooks resolve `import … from "nnlab"`
 * (tslab type-checks with TypeScript's node10 resolution, which has no package self-reference).
 * `npm ci` removes the link; scripts/setup.mjs and the report recreate it. On Windows it is a
 * junction (no administrator rights needed), which takes an absolute target. Returns whether it
 * made the link.
 */
export function ensureSelfLink(root = projectRoot()): boolean {
  const link = path.join(root, 'node_modules', 'nnlab');
  try {
    if (realpathSync(link) === realpathSync(root)) return false;
  } catch { /* missing, or a dangling link */ }
  if (!existsSync(path.join(root, 'node_modules'))) return false;
  const type = platformChoices().selfLinkType;
  try {
    rmSync(link, { recursive: true, force: true });
    symlinkSync(type === 'junction' ? path.resolve(root) : '..', link, type);
  } catch (err) {
    throw new Error(`cannot make ${link} a link to the project (notebooks import nnlab through it): ${(err as Error).message}; close programs that use that folder, then rerun`, { cause: err });
  }
  return true;
}
