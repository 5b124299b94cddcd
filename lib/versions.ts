/**
 * Which Node.js lines nnlab supports, and the versions a user compares across machines
 * (`nnlab --version`): nnlab's own, Node's, V8's and the numerics version (lib/math/elementary.ts).
 *
 * Supported: Node 20 to 26. The same seed gives the same bits on all of them (the digest proves
 * it: `nnlab digest`). Recommended: the active LTS line. A line that is odd-numbered (never LTS) or
 * past its end of life works, with one warning per process.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NUMERICS_VERSION } from './math/elementary.js';
import { numericsMode } from './kernels/index.js';

/** End-of-life dates of the even (LTS) lines nnlab supports (nodejs.org's release schedule). */
const NODE_END_OF_LIFE: Readonly<Record<number, string>> = { 20: '2026-04-30', 22: '2027-04-30', 24: '2028-04-30', 26: '2029-04-30' };
const OLDEST_NODE = 20;
const NEWEST_NODE = 26;
/** The active LTS line on the day of this release: what the README recommends. */
const RECOMMENDED_NODE = 26;

/** nnlab's version, from the package.json beside dist/ (or lib/). */
export function nnlabVersion(): string {
  const file = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'package.json');
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/** The versions a run depends on, as `nnlab --version` prints them. */
export function versionLines(): string[] {
  return [
    `nnlab ${nnlabVersion()}`,
    `numerics ${NUMERICS_VERSION} (${numericsMode()})`,
    `node ${process.versions.node} (V8 ${process.versions.v8})`,
  ];
}

/**
 * A warning for a Node version outside the recommended lines (null: none). `today` is
 * YYYY-MM-DD.
 */
export function nodeLineWarning(nodeVersion: string, today: string): string | null {
  const major = Number(nodeVersion.replace(/^v/, '').split('.')[0]);
  const advice = `use Node ${RECOMMENDED_NODE} (active LTS) or another even line from ${OLDEST_NODE} to ${NEWEST_NODE}`;
  if (!Number.isInteger(major)) return null;
  if (major < OLDEST_NODE) return `Node ${nodeVersion} is older than nnlab supports (${OLDEST_NODE}–${NEWEST_NODE}): ${advice}`;
  if (major > NEWEST_NODE) return `Node ${nodeVersion} is newer than nnlab was tested on (${OLDEST_NODE}–${NEWEST_NODE}); its results should still match the digest (nnlab digest --check)`;
  if (major % 2 === 1) return `Node ${major} is an odd-numbered line, never long-term supported: ${advice}`;
  const eol = NODE_END_OF_LIFE[major];
  if (eol && today > eol) return `Node ${major} reached its end of life on ${eol} (no more security fixes): nnlab still runs on it, but ${advice}`;
  return null;
}

let warned = false;

/**
 * Prints nodeLineWarning once per process on stderr. NNLAB_NODE_WARNING=0 silences it (the test
 * suite does, so that tests of the commands' exact output run on every line).
 */
export function warnAboutNodeLine(): void {
  if (warned || process.env.NNLAB_NODE_WARNING === '0') return;
  warned = true;
  const message = nodeLineWarning(process.versions.node, new Date().toISOString().slice(0, 10));
  if (message) process.stderr.write(`nnlab: warning: ${message}\n`);
}
