/**
 * Child processes for the queue tests: workers and coordinators (scripts/queue-grid.mjs) run
 * from the built library (dist/) as a user runs them, their output collected; and a cache's
 * run files with what may differ between two runs of one grid (the times) blanked.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '..');
export const NNLAB = path.join(ROOT, 'bin', 'nnlab.js');
export const GRID = path.join(ROOT, 'scripts', 'queue-grid.mjs');

export interface Child { proc: ChildProcess; out: () => string; exit: Promise<number | null> }

export function start(args: string[], env: NodeJS.ProcessEnv = {}): Child {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, NNLAB_NODE_WARNING: '0', ...env };
  delete childEnv.NNLAB_QUEUE;
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  proc.stdout!.on('data', (d) => { text += String(d); });
  proc.stderr!.on('data', (d) => { text += String(d); });
  const exit = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return { proc, out: () => text, exit };
}

/**
 * The child's exit code, or, if it has not exited within `timeoutMs`, an error carrying what it
 * printed (the child is killed): a hung child then says where it hung instead of only timing out.
 */
export async function exitWithin(child: Child, timeoutMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => { timer = setTimeout(() => resolve('late'), timeoutMs); });
  const code = await Promise.race([child.exit, late]);
  clearTimeout(timer);
  if (code !== 'late') return code;
  child.proc.kill('SIGKILL');
  await child.exit;
  throw new Error(`still running after ${timeoutMs / 1000} s; it printed:\n${child.out()}`);
}

export async function until(what: string, check: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `nnlab worker` with one thread (more arguments after the URL; `env` for its cache folder or CA). */
export const worker = (url: string, more: string[] = [], env: NodeJS.ProcessEnv = {}) => start([NNLAB, 'worker', '--queue', url, '--concurrency', '1', ...more], env);

export async function stopWorker(w: Child): Promise<void> {
  if (w.proc.exitCode === null && w.proc.pid) process.kill(w.proc.pid, 'SIGTERM');
  await w.exit;
}

/** A cache's files with what may differ between two runs of the same grid blanked: the time written and the timings. */
export function cacheFiles(dir: string): Map<string, string> {
  const runs = path.join(dir, 'runs');
  return new Map(readdirSync(runs).filter((f) => f.endsWith('.json')).sort().map((f) => {
    const text = readFileSync(path.join(runs, f), 'utf8');
    const withoutTimes = text
      .replace(/"created":"[^"]*"/, '"created":""')
      .replace(/"epochSeconds":\[[^\]]*\]/, '"epochSeconds":[]')
      .replace(/"seconds":[0-9.e+-]+/g, '"seconds":0');
    return [f, withoutTimes];
  }));
}
