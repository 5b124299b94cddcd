/**
 * What the loader and the split decided, as numbers and as lines of text: images per class in
 * each part, the duplicates and where the split put them, how the ink was read (polarity), and
 * the files left out. `nnlab train`, `predict` and `data check` print it (and put it in --json),
 * and the notebooks' first cell shows it (lib/experiments/lab.ts), so no decision is silent.
 */
import type { Dataset } from './split.js';
import { findDuplicateGroups } from './split.js';
import type { ImageSet, PolarityDecisions } from './loader.js';

/** One class: its name, the folder it came from, and its images in each part. */
export interface ClassCounts {
  class: string;
  folder: string;
  train: number;
  validation: number;
  test: number;
}

/** Groups of identical images, and (after a split) where the split put them. */
export interface DuplicateSummary {
  /** Images that exactly repeat an earlier one. */
  copies: number;
  /** Distinct images that occur more than once. */
  groups: number;
  /** Groups whose copies carry different classes (a labelling mistake). */
  conflictingLabels: number;
  /** Groups kept whole in each part (null before a split). */
  inTrain: number | null;
  inValidation: number | null;
  inTest: number | null;
  /** Groups left in training because each was larger than a part's quota for its class. */
  keptInTrainTooLarge: number | null;
}

export interface DataSummary {
  classes: ClassCounts[];
  duplicates: DuplicateSummary;
  /** null for the built-in generated data, which has no files to read. */
  polarity: PolarityDecisions | null;
  skipped: { count: number; reasons: string[] };
}

/** The loader's part of a summary: polarity and skipped files (null for generated data). */
type Loaded = Pick<ImageSet, 'polarity' | 'skipped' | 'warnings'> | null;

function loaderPart(loaded: Loaded): Pick<DataSummary, 'polarity' | 'skipped'> {
  return {
    polarity: loaded ? loaded.polarity : null,
    skipped: { count: loaded ? loaded.skipped : 0, reasons: loaded ? [...loaded.warnings] : [] },
  };
}

/** The summary of a split dataset; `classFolders[k]` is the folder class k came from. */
export function summarizeSplit(dataset: Dataset, classFolders: readonly string[], loaded: Loaded): DataSummary {
  const count = (y: Int32Array, k: number) => y.reduce((s, v) => s + (v === k ? 1 : 0), 0);
  const h = dataset.duplicateHandling;
  return {
    classes: dataset.classNames.map((name, k) => ({
      class: name, folder: classFolders[k], train: count(dataset.yTrain, k), validation: count(dataset.yVal, k), test: count(dataset.yTest, k),
    })),
    duplicates: {
      copies: dataset.duplicates, groups: dataset.duplicateGroups, conflictingLabels: dataset.conflictingLabels,
      inTrain: h.groupsInTrain, inValidation: h.groupsInVal, inTest: h.groupsInTest, keptInTrainTooLarge: h.keptInTrainTooLarge,
    },
    ...loaderPart(loaded),
  };
}

/**
 * The summary of images that are not split (predict's folder): every image counts as `test`
 * for its class; a flat folder (no labels) has no classes.
 */
export function summarizeImages(images: ImageSet & { y?: Int32Array }, classes: { names: readonly string[]; folders: readonly string[] } | null): DataSummary {
  const groups = findDuplicateGroups(images.X).filter((g) => g.length > 1);
  const y = images.y;
  return {
    classes: classes && y ? classes.names.map((name, k) => ({
      class: name, folder: classes.folders[k], train: 0, validation: 0, test: y.reduce((s, v) => s + (v === k ? 1 : 0), 0),
    })) : [],
    duplicates: {
      copies: groups.reduce((s, g) => s + g.length - 1, 0), groups: groups.length,
      conflictingLabels: y ? groups.filter((g) => g.some((i) => y[i] !== y[g[0]])).length : 0,
      inTrain: null, inValidation: null, inTest: null, keptInTrainTooLarge: null,
    },
    ...loaderPart(images),
  };
}

/** The summary as lines of text, for the terminal and the notebooks. */
export function describeDataSummary(s: DataSummary): string[] {
  const lines: string[] = [];
  if (s.classes.length > 0) {
    const split = s.classes.some((c) => c.train + c.validation > 0);
    lines.push(split ? 'images per class (training / validation / test):' : 'images per class:');
    lines.push('  ' + s.classes.map((c) => `${c.class} (folder ${c.folder}) ${split ? `${c.train}/${c.validation}/${c.test}` : c.test}`).join(', '));
  }
  lines.push(describeDuplicates(s.duplicates));
  if (s.polarity) lines.push(describePolarity(s.polarity));
  lines.push(s.skipped.count > 0 ? `skipped: ${s.skipped.count} file(s) (--skip-bad), first: ${s.skipped.reasons[0] ?? '?'}` : 'skipped: none');
  return lines;
}

function describeDuplicates(d: DuplicateSummary): string {
  if (d.copies === 0) return 'duplicates: none (no two images are identical)';
  let line = `duplicates: ${d.copies} extra cop${d.copies === 1 ? 'y' : 'ies'} in ${d.groups} group(s) of identical images`;
  if (d.inTrain !== null) {
    line += `, each group kept on one side: ${d.inTrain} in training, ${d.inValidation} in validation, ${d.inTest} in test`;
    if (d.keptInTrainTooLarge) line += ` (${d.keptInTrainTooLarge} of those in training because larger than the class's validation or test quota)`;
  }
  if (d.conflictingLabels > 0) line += `; ${d.conflictingLabels} group(s) appear under different classes`;
  return line;
}

function describePolarity(p: PolarityDecisions): string {
  const counts = `${p.darkInk} read as dark ink on light paper, ${p.lightInk} as light ink on dark paper`;
  if (p.mode !== 'auto') return `polarity: --polarity ${p.mode}: ${counts}`;
  return `polarity (auto, by each image's share of dark pixels): ${counts}` +
    (p.marginal > 0 ? `; ${p.marginal} close to half dark followed the folder's majority` : '');
}

/** Warnings about the polarity decisions: images that disagree with the majority, or marginal ones. */
export function polarityWarnings(p: PolarityDecisions | null): string[] {
  if (!p || p.mode !== 'auto') return [];
  const out: string[] = [];
  if (p.againstMajority > 0) {
    out.push(`polarity: ${p.againstMajority} image(s) look the other way round from the folder's majority (${p.darkInk} dark ink, ${p.lightInk} light ink in all); a folder mixing both is unusual: check them, or give --polarity`);
  }
  if (p.marginal > 0) {
    out.push(`polarity: ${p.marginal} image(s) are close to half dark (a frame, heavy ink) and were read like the folder's majority; give --polarity if that is wrong`);
  }
  return out;
}
