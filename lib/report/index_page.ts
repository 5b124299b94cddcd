/**
 * `report/index.html`, the report's summary: per notebook its headline results beside the
 * report's, how it was made (profile, data, number type, seeds, run time, when it was built) and
 * any problems, with a link to its page. Rows from different profiles are not comparable, and
 * the page says so at the top when they differ.
 */
import { escapeHtml } from '../util/html.js';
import { entryOk, type NotebookEntry } from './summary.js';
import type { NotebookResults } from './results.js';
import { numberedAnchor } from '../display/numbering.js';

/** "42 s", "3 min 20 s". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
}

/** "2025-01-31 14:03 UTC" from an ISO time; "unknown" when there is none. */
function formatBuilt(iso: string): string {
  return iso ? `${iso.replace('T', ' ').slice(0, 16)} UTC` : 'unknown';
}

const unknown = (v: string | null) => (v === null || v === '' ? '<span class="unknown">unknown</span>' : escapeHtml(v));

const PROFILE_NOTES: Record<string, string> = {
  full: "the report's settings: the full dataset, its epochs, 3 seeds per configuration (mean ± std)",
  quick: 'a smoke run on small data with few epochs and one seed, <b>not comparable with the report</b>; <code>npm run report</code> builds the full profile',
};

/** The profile line at the top; a prominent warning when the pages were built in different profiles. */
function profileNotice(entries: NotebookEntry[]): string {
  const profiles = [...new Set(entries.map((e) => e.profile ?? 'unknown'))];
  if (profiles.length > 1) {
    const which = profiles
      .map((p) => `<b>${escapeHtml(p)}</b>: ${entries.filter((e) => (e.profile ?? 'unknown') === p).map((e) => escapeHtml(e.name)).join(', ')}`)
      .join('; ');
    return `<div class="warning mixed-profiles" role="alert"><b>The pages were built in different profiles</b> — ${which}. ` +
      'Their numbers are not comparable with each other; <code>npm run report</code> rebuilds all of them in one profile.</div>';
  }
  const p = profiles[0] ?? 'unknown';
  const note = PROFILE_NOTES[p];
  return `<div class="${p === 'quick' ? 'warning' : 'meta'} profile"><b>Profile:</b> ${escapeHtml(p)}${note ? ` — ${note}` : ''}</div>`;
}

function statusText(e: NotebookEntry): string {
  if (entryOk(e)) return '<span class="ok">ok</span>';
  const n = e.summary.problems.length;
  return `<span class="failed">${n ? `${n} problem${n === 1 ? '' : 's'}` : `failed (exit code ${e.exitCode})`}</span>`;
}

function pageLink(e: NotebookEntry): string {
  return e.html ? `<a href="${escapeHtml(e.html)}">${escapeHtml(e.title)}</a>` : escapeHtml(e.title);
}

/** "built-in synthetic characters" of "built-in synthetic characters: 620 per class …" (the section gives it all). */
const shortData = (data: string | null) => (data === null ? null : data.split(':')[0]);

/**
 * A banner's data description is the dataset, then after "; " how this notebook split it
 * ("…; 576 train / 144 validation", "… / 120 test" where it holds out a test set): the index
 * names each dataset once, at the top, and each notebook's split in its own section.
 */
export function splitData(data: string): { dataset: string; split: string | null } {
  const at = data.lastIndexOf('; '); // the split comes last; a folder's name may hold "; "
  return at < 0 ? { dataset: data, split: null } : { dataset: data.slice(0, at), split: data.slice(at + 2) };
}

/** The datasets the pages were built from, each once, in order of first appearance. */
export function datasetsOf(entries: NotebookEntry[]): string[] {
  return [...new Set(entries.flatMap((e) => (e.data ? [splitData(e.data).dataset] : [])))];
}

/** A notebook's data in its section: only its split when the index's Data line names the one dataset. */
function entryData(e: NotebookEntry, datasets: string[]): string {
  if (!e.data) return unknown(null);
  const { dataset, split } = splitData(e.data);
  return datasets.length === 1 && dataset === datasets[0] && split ? escapeHtml(split) : escapeHtml(e.data);
}

function overviewRow(e: NotebookEntry): string {
  const cells = [
    `${pageLink(e)}<div class="file">${escapeHtml(e.name)}.ipynb</div>`,
    unknown(e.profile), unknown(shortData(e.data)), unknown(e.dtype), unknown(e.seeds),
    formatDuration(e.seconds), escapeHtml(formatBuilt(e.builtAt)), statusText(e),
  ];
  return `<tr data-notebook="${escapeHtml(e.name)}">${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

function headlineTable(e: NotebookEntry): string {
  if (e.headlines.length === 0) return '<p class="unknown">No headline results (the notebook showed none).</p>';
  const rows = e.headlines
    .map((h) => `<tr class="nnlab-headline-row"><td>${escapeHtml(h.measure)}</td><td class="num">${escapeHtml(h.ours)}</td>` +
      `<td class="num">${h.report === null ? '<span class="unknown">—</span>' : escapeHtml(h.report)}</td><td>${escapeHtml(h.note ?? '')}</td></tr>`)
    .join('\n');
  return `<table class="nnlab-headlines"><thead><tr><th>Measure</th><th>Ours</th><th>The report's</th><th>Note</th></tr></thead>\n<tbody>\n${rows}\n</tbody></table>`;
}

function problemList(e: NotebookEntry): string {
  if (entryOk(e)) return '';
  const items = e.summary.problems.map((p) => `<li>${p.cell >= 0 ? `cell ${p.cell}: ` : ''}${escapeHtml(p.kind)}: <code>${escapeHtml(p.message)}</code></li>`);
  if (items.length === 0) items.push(`<li>nbconvert exited with code ${e.exitCode}</li>`);
  return `<div class="problems"><b>Problems</b><ul>${items.join('')}</ul></div>`;
}

function entrySection(e: NotebookEntry, datasets: string[]): string {
  const meta = [
    `profile <b>${unknown(e.profile)}</b>`, `data ${entryData(e, datasets)}`, `number type ${unknown(e.dtype)}`,
    `seeds ${unknown(e.seeds)}`, `run time ${formatDuration(e.seconds)}`, `built ${escapeHtml(formatBuilt(e.builtAt))}`,
  ].join(' · ');
  return `<section class="nnlab-entry" data-notebook="${escapeHtml(e.name)}" data-profile="${escapeHtml(e.profile ?? '')}">
<h3>${pageLink(e)}${entryOk(e) ? '' : ` — ${statusText(e)}`}</h3>
<div class="entry-meta">${meta}</div>
${problemList(e)}${headlineTable(e)}
</section>`;
}

const STYLE = `body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:68em;margin:2em auto;padding:0 1em;color:#1f2328}
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #d0d7de;padding:4px 10px;text-align:left;vertical-align:top}th{background:#f6f8fa}
td.num{font-variant-numeric:tabular-nums;white-space:nowrap}
a{color:#0969da}.file{color:#57606a;font-size:12px}.unknown{color:#8c959f}
.meta,.warning{border:1px solid #d0d7de;padding:8px 12px;border-radius:6px;margin:.5em 0;background:#f6f8fa}
.warning{border-color:#d4a72c;background:#fff8c5}.mixed-profiles{border:2px solid #cf222e;background:#ffebe9;font-size:16px}
.ok{color:#1a7f37}.failed{color:#cf222e;font-weight:600}
.problems{border:1px solid #cf222e;background:#ffebe9;border-radius:6px;padding:4px 12px;margin:.5em 0}
.entry-meta{color:#57606a;font-size:13px}section.nnlab-entry{margin:1.5em 0}
section.nnlab-numbered ul{margin:.2em 0 .6em;padding-left:1.4em}.numbered-kind{color:#57606a;font-size:13px;font-weight:600}`;

/** Every page's numbered tables and figures, each linked to where it is on its page. */
function numberedList(entries: NotebookEntry[], numbered: Record<string, Pick<NotebookResults, 'tables' | 'figures'>>): string {
  const sections = entries.filter((e) => e.html && numbered[e.name]).map((e) => {
    const { tables, figures } = numbered[e.name];
    const item = (kind: 'table' | 'figure') => (x: { label: string; caption: string }) => {
      const number = Number(x.label.split(' ')[1]);
      return `<li><a href="${escapeHtml(`${e.html}#${numberedAnchor({ kind, number })}`)}">${escapeHtml(x.label)}</a>. ${escapeHtml(x.caption)}</li>`;
    };
    if (tables.length + figures.length === 0) return '';
    return `<section class="nnlab-numbered" data-notebook="${escapeHtml(e.name)}"><h3>${pageLink(e)}</h3>` +
      (tables.length ? `<div class="numbered-kind">Tables</div><ul>${tables.map(item('table')).join('')}</ul>` : '') +
      (figures.length ? `<div class="numbered-kind">Figures</div><ul>${figures.map(item('figure')).join('')}</ul>` : '') +
      `</section>`;
  }).join('\n');
  return sections ? `<h2>Tables and figures</h2>\n${sections}` : '';
}

/** The index page of the report; `numbered`: each page's tables and figures (results.json's). */
export function indexHtml(entries: NotebookEntry[], generatedAt: Date = new Date(), numbered: Record<string, Pick<NotebookResults, 'tables' | 'figures'>> = {}): string {
  const datasets = datasetsOf(entries);
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>nnlab — the lab report, rerun</title>
<style>
${STYLE}
</style></head>
<body>
<h1>Lab 1 Part 1, rerun with nnlab</h1>
<p>The lab report's experiments, rerun section by section with nnlab, a neural-network library written by hand in TypeScript. Each page is an executed notebook, its code folded (“show code”); charts are interactive (hover for values) and work offline.</p>
${profileNotice(entries)}
<div class="meta"><b>Data:</b> ${datasets.length ? datasets.map(escapeHtml).join('; ') : 'unknown'}<br>
<b>Index written:</b> ${escapeHtml(formatBuilt(generatedAt.toISOString()))} — each notebook below says when its own page was built.</div>
<h2>Headline results, ours beside the report's</h2>
${entries.map((e) => entrySection(e, datasets)).join('\n')}
${numberedList(entries, numbered)}
<h2>How each page was built</h2>
<table class="nnlab-overview"><thead><tr><th>Notebook</th><th>Profile</th><th>Data</th><th>Number type</th><th>Seeds</th><th>Run time</th><th>Built</th><th>Status</th></tr></thead>
<tbody>
${entries.map(overviewRow).join('\n')}
</tbody></table>
</body></html>
`;
}
