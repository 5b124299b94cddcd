/**
 * The quick profile's warning on every caption. A quick run (small data, few epochs, one seed)
 * is a smoke test, and its tables look just like the full report's: a reader who lands on one
 * table must see that it is not comparable with the report. `startLab` sets the mark once for
 * the notebook (a notebook runs one profile from top to bottom); tables and charts read it.
 */
let captionMark: string | null = null;

/** Sets (or clears, with null) the mark shown beside every table caption and chart title. */
export function setCaptionMark(mark: string | null): void {
  captionMark = mark;
}

/** The mark in force, or null. */
export function currentCaptionMark(): string | null {
  return captionMark;
}

/** The mark as HTML for a table caption ('' when none). */
export function captionMarkHtml(escape: (s: string) => string): string {
  return captionMark ? ` <span class="nnlab-mark" style="color:#9a3412;background:#fff7ed;border:1px solid #fdba74;border-radius:4px;padding:0 5px;font-weight:600">⚠ ${escape(captionMark)}</span>` : '';
}

/** A chart title with the mark on a second line (Plotly titles take <br> and <span>). */
export function markedTitle(title: string): string {
  return captionMark ? `${title}<br><span style="font-size:12px;color:#9a3412">⚠ ${captionMark}</span>` : title;
}
