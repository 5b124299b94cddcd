/**
 * `report/summary.json`: one entry per notebook page in the report, each with its own profile,
 * data, number type, seeds, headline results and when it was built. A partial rebuild
 * (`nnlab report --notebook 03`) replaces its own entries and keeps the others, so the index
 * still lists every page, each saying how it was made.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import * as v from 'valibot';
import { writeFileAtomic } from '../util/io.js';
import { firstProblem, parseRecord, summaryEntrySchema, summaryFileSchema } from '../persist/schema.js';
import type { HeadlineRow } from './facts.js';
import { emptySummary, type NotebookSummary } from './inspect.js';

export const SUMMARY_FILE = 'summary.json';
const FORMAT = 1;

export interface NotebookEntry {
  name: string;
  title: string;
  /** The page, relative to the report folder; '' when the notebook did not execute. */
  html: string;
  /** Seconds to execute the notebook (run time). */
  seconds: number;
  /** When this page was built (ISO 8601, UTC). */
  builtAt: string;
  profile: string | null;
  data: string | null;
  dtype: string | null;
  seeds: string | null;
  headlines: HeadlineRow[];
  summary: NotebookSummary;
  exitCode: number;
  /** The hash of what the page was built from (lib/report/inputs.ts); null if unknown. */
  inputs: string | null;
}

export interface ReportSummary {
  format: number;
  notebooks: NotebookEntry[];
}

/** Whether the page built without errors or problems. */
export function entryOk(e: NotebookEntry): boolean {
  return e.exitCode === 0 && e.summary.problems.length === 0;
}

/** An entry from disk, with what older builds did not record filled in as unknown. */
function normalizeEntry(raw: Partial<NotebookEntry> & { name: string }): NotebookEntry {
  return {
    name: raw.name,
    title: raw.title ?? raw.name,
    html: raw.html ?? '',
    seconds: typeof raw.seconds === 'number' ? raw.seconds : 0,
    builtAt: raw.builtAt ?? '',
    profile: raw.profile ?? null,
    data: raw.data ?? null,
    dtype: raw.dtype ?? null,
    seeds: raw.seeds ?? null,
    headlines: Array.isArray(raw.headlines) ? raw.headlines : [],
    summary: { ...emptySummary(), ...(raw.summary ?? {}) },
    exitCode: typeof raw.exitCode === 'number' ? raw.exitCode : 1,
    inputs: typeof raw.inputs === 'string' ? raw.inputs : null,
  };
}

/**
 * The entries of an earlier build in `outDir`, or none. A summary that cannot be read is
 * reported through `warn` and treated as absent: the build then starts the index afresh.
 */
export function readSummary(outDir: string, warn: (line: string) => void = () => {}): NotebookEntry[] {
  const file = path.join(outDir, SUMMARY_FILE);
  if (!existsSync(file)) return [];
  try {
    const parsed = parseRecord(summaryFileSchema, JSON.parse(readFileSync(file, 'utf8')), file);
    const entries: NotebookEntry[] = [];
    parsed.notebooks.forEach((raw, i) => {
      const checked = v.safeParse(summaryEntrySchema, raw);
      if (checked.success) entries.push(normalizeEntry(checked.output as Partial<NotebookEntry> & { name: string }));
      else warn(`report: ignoring entry ${i} of ${file}: notebooks.${i}.${firstProblem(checked.issues)}`);
    });
    return entries;
  } catch (err) {
    warn(`report: ignoring ${file}: ${(err as Error).message}`);
    return [];
  }
}

/** The earlier entries with this build's replacing those of the same name, in name order. */
export function mergeEntries<T extends { name: string }>(previous: T[], built: T[]): T[] {
  const byName = new Map(previous.map((e) => [e.name, e]));
  for (const e of built) byName.set(e.name, e);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function writeSummary(outDir: string, entries: NotebookEntry[]): void {
  const summary: ReportSummary = { format: FORMAT, notebooks: entries };
  writeFileAtomic(path.join(outDir, SUMMARY_FILE), JSON.stringify(summary, null, 2) + '\n');
}
