/** Markdown and raw HTML outputs (one mimetype per call). */
import { output } from './output.js';

export function showMarkdown(md: string): void {
  output().markdown(md);
}

export function showHtml(html: string): void {
  output().html(html);
}
