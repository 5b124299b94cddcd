/**
 * Numbered tables and figures, as Quarto's or Jupyter Book's {numref}: every captioned table and
 * every titled chart a page shows gets the next number of its kind, in the order the cells run,
 * so prose can say "Table 3" from the number, never a typed one. startLab starts a page's count.
 *
 * A table or chart shown with an `id` can be referred to by it: `ref("depth-width").label` is
 * "Table 1" once it has been shown. A reference can also be taken before the table is shown
 * (`table("depth-width")`): it reserves the next number, and the table shown with that id takes it.
 * Each numbered output carries its number in `data-nnlab-numbered` (JSON), from which the report
 * builder lists a page's tables and figures in the index and its numbers in results.json.
 */
import { escapeHtml } from '../util/html.js';

export type NumberedKind = 'table' | 'figure';

export interface NumberedRef {
  kind: NumberedKind;
  /** 1, 2, … within the page, per kind. */
  number: number;
  /** "Table 3", "Figure 2". */
  label: string;
  id: string | null;
  /** Set when the table or figure is shown. */
  caption: string | null;
}

const NAMES: Record<NumberedKind, string> = { table: 'Table', figure: 'Figure' };

let counts: Record<NumberedKind, number> = { table: 0, figure: 0 };
let byId = new Map<string, NumberedRef>();
let data: string | null = null;

/**
 * Starts a page's numbering from Table 1 and Figure 1 (startLab calls it), with the data its
 * grids train on as their captions name it ("576 train / 144 validation images").
 */
export function resetNumbering(dataNote: string | null = null): void {
  counts = { table: 0, figure: 0 };
  byId = new Map();
  data = dataNote;
}

/** The page's data as the captions of its grids name it, or null. */
export function captionData(): string | null {
  return data;
}

function checkId(id: string): void {
  if (!/^[A-Za-z][\w-]*$/.test(id)) throw new Error(`numbering: id must be a letter, then letters, digits, '-' or '_', got ${JSON.stringify(id)}`);
}

function next(kind: NumberedKind, id: string | null): NumberedRef {
  const number = ++counts[kind];
  const ref: NumberedRef = { kind, number, label: `${NAMES[kind]} ${number}`, id, caption: null };
  if (id !== null) byId.set(id, ref);
  return ref;
}

/**
 * The number a table or figure shown now takes: the one reserved for `id` if any (a reference
 * taken earlier), else the next. Showing the same id twice is an error naming it.
 */
export function numberFor(kind: NumberedKind, caption: string, id?: string): NumberedRef {
  if (id !== undefined) {
    checkId(id);
    const reserved = byId.get(id);
    if (reserved && reserved.caption !== null) throw new Error(`numbering: '${id}' was already shown as ${reserved.label}`);
    if (reserved && reserved.kind !== kind) throw new Error(`numbering: '${id}' was reserved as a ${reserved.kind}, not a ${kind}`);
    const ref = reserved ?? next(kind, id);
    ref.caption = caption;
    return ref;
  }
  const ref = next(kind, null);
  ref.caption = caption;
  return ref;
}

/** Reserves the next number of `kind` for `id` (or returns the reference already taken). */
function reserve(kind: NumberedKind, id: string): NumberedRef {
  checkId(id);
  const known = byId.get(id);
  if (known) {
    if (known.kind !== kind) throw new Error(`numbering: '${id}' is a ${known.kind}, not a ${kind}`);
    return known;
  }
  return next(kind, id);
}

/** A reference to the table `id`, shown already or still to be shown. */
export const table = (id: string): NumberedRef => reserve('table', id);
/** A reference to the figure `id`, shown already or still to be shown. */
export const figure = (id: string): NumberedRef => reserve('figure', id);

/** The table or figure shown (or reserved) as `id`; an error naming the known ids otherwise. */
export function ref(id: string): NumberedRef {
  const known = byId.get(id);
  if (!known) throw new Error(`ref: no table or figure '${id}' on this page yet (known: ${[...byId.keys()].join(', ') || 'none'})`);
  return known;
}

/** The label and caption as a caption shows them: "<b>Table 3.</b> caption". */
export function numberedCaptionHtml(ref: NumberedRef, captionHtml: string): string {
  return `<span class="nnlab-number">${escapeHtml(ref.label)}.</span> ${captionHtml}`;
}

/** The anchor of a numbered output in its page: "nnlab-table-3". */
export const numberedAnchor = (ref: Pick<NumberedRef, 'kind' | 'number'>): string => `nnlab-${ref.kind}-${ref.number}`;

/** The anchor and the attribute that carries a numbered output's number, caption and (tables) numbers. */
export function numberedAttribute(ref: NumberedRef, extra: Record<string, unknown> = {}): string {
  return ` id="${numberedAnchor(ref)}" data-nnlab-numbered="${escapeHtml(JSON.stringify({ kind: ref.kind, number: ref.number, label: ref.label, id: ref.id, caption: ref.caption, ...extra }))}"`;
}
