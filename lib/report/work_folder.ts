/**
 * The report's temporary work folder ($TMPDIR/nnlab-report-XXXX: executed notebooks, exports,
 * progress files, 6–23 MB) is removed on every way out: at the end of the build, on SIGINT and
 * SIGTERM, and, for a build killed with -9, by the next build, which removes the folders older
 * than a day whose owner process is gone.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { processRuns } from '../util/io.js';

const PREFIX = 'nnlab-report-';
const OWNER_FILE = 'owner.json';
const DAY_MS = 24 * 3600 * 1000;

/** A new work folder, with the id of the process that owns it. */
export function makeWorkFolder(): string {
  const work = mkdtempSync(path.join(os.tmpdir(), PREFIX));
  writeFileSync(path.join(work, OWNER_FILE), JSON.stringify({ pid: process.pid }));
  return work;
}


/** Removes the work folders older than `maxAgeMs` whose owner is not running; returns their paths. */
export function removeStaleWorkFolders(maxAgeMs = DAY_MS, tmp = os.tmpdir()): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = readdirSync(tmp).filter((n) => n.startsWith(PREFIX));
  } catch {
    return removed;
  }
  for (const name of names) {
    const dir = path.join(tmp, name);
    try {
      if (Date.now() - statSync(dir).mtimeMs < maxAgeMs) continue;
      let owner: number | null = null;
      try {
        owner = (JSON.parse(readFileSync(path.join(dir, OWNER_FILE), 'utf8')) as { pid: number }).pid;
      } catch { /* a folder from before owners were recorded */ }
      if (owner !== null && owner !== process.pid && processRuns(owner)) continue;
      rmSync(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch { /* gone meanwhile, or not ours to remove */ }
  }
  return removed;
}

/**
 * Calls `cleanup` if the process gets SIGINT or SIGTERM, then ends it as the signal would have
 * (exit code 128 + signal number). Returns the function that removes the handlers.
 */
export function cleanupOnSignals(cleanup: () => void): () => void {
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((signal) => {
    const handler = () => {
      try {
        cleanup();
      } finally {
        process.exit(128 + os.constants.signals[signal]);
      }
    };
    process.once(signal, handler);
    return () => process.off(signal, handler);
  });
  return () => handlers.forEach((off) => off());
}
