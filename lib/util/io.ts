/**
 * File output that never leaves a half-written file behind: write a temporary file beside the
 * target, then rename it over the target (a rename within one folder is atomic on POSIX).
 * And the matching input: a JSON file read only after its size is checked.
 */
import { writeFileSync, renameSync, rmSync, mkdirSync, readFileSync, readdirSync, statSync, existsSync, accessSync, constants } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import { MAX_JSON_FILE_BYTES } from './limits.js';

/**
 * Reads and parses the JSON file `path`. `what` (e.g. "model file") starts the errors: a
 * missing file, one larger than MAX_JSON_FILE_BYTES (refused before it is read), invalid JSON.
 */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    const size = statSync(path).size;
    if (size > MAX_JSON_FILE_BYTES) {
      throw new Error(`is ${(size / 2 ** 20).toFixed(0)} MiB, more than the limit of ${MAX_JSON_FILE_BYTES / 2 ** 20} MiB`);
    }
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new Error(`cannot read ${what} ${path}: ${path} does not exist`);
    throw new Error(`cannot read ${what} ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} ${path} is not valid JSON (corrupt or truncated?): ${(err as Error).message}`);
  }
}

/**
 * Throws, naming `option`, unless writeFileAtomic could write `path`: not a folder, and the
 * nearest existing folder on its way writable. For checking an output path before hours of
 * training rather than losing the result after them.
 */
export function checkWritable(option: string, path: string): void {
  if (path.trim() === '') throw new Error(`${option}: expected a file name, got an empty path`);
  const target = resolve(path);
  if (existsSync(target) && statSync(target).isDirectory()) throw new Error(`${option} ${path}: is a folder, expected a file name`);
  let dir = dirname(target);
  while (!existsSync(dir)) dir = dirname(dir);
  if (!statSync(dir).isDirectory()) throw new Error(`${option} ${path}: ${dir} is a file, not a folder`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new Error(`${option} ${path}: cannot write in ${dir} (no permission)`);
  }
}

export function writeFileAtomic(path: string, contents: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  removeStaleTemporaries(dir, new RegExp(`^\\.${escapeRegExp(basename(path))}\\.(\\d+)\\.\\d+\\.tmp$`));
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  try {
    writeFileSync(tmp, contents);
    renameSync(tmp, path);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw new Error(`could not write ${path}: ${(err as Error).message}`);
  }
}

/**
 * Removes the entries of `dir` matching `pattern` (its first group: the process id in the
 * name) left by a process that no longer runs: the temporaries of a save that was killed
 * halfway. Those of a process still running (a save in progress elsewhere) are left alone.
 */
export function removeStaleTemporaries(dir: string, pattern: RegExp): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return; // nothing to clean in a folder that cannot be listed; the save will say why
  }
  for (const name of names) {
    const pid = Number(pattern.exec(name)?.[1]);
    if (Number.isInteger(pid) && pid !== process.pid && !processRuns(pid)) rmSync(join(dir, name), { recursive: true, force: true });
  }
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0); // signal 0: only asks whether the process exists
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

/** `text` with the characters that mean something in a regular expression escaped. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
