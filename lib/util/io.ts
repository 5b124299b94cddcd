/**
 * File output that never leaves a half-written file behind: write a temporary file beside the
 * target, then rename it over the target (a rename within one folder is atomic on POSIX).
 * And the matching input: a JSON file read only after its size is checked.
 */
import { writeFileSync, renameSync, rmSync, mkdirSync, readFileSync, readdirSync, statSync, existsSync, accessSync, constants, openSync, closeSync, fstatSync, readSync, type Stats } from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import { MAX_JSON_FILE_BYTES } from './limits.js';

/**
 * Reads and parses the JSON file `path`. `what` (e.g. "model file") starts the errors: a
 * missing file, one larger than MAX_JSON_FILE_BYTES (refused before it is read), invalid JSON.
 */
export function readJsonFile(path: string, what: string): unknown {
  let text: string;
  try {
    const { fd, size } = openRegularFile(path);
    try {
      if (size > MAX_JSON_FILE_BYTES) {
        throw new Error(`is ${(size / 2 ** 20).toFixed(0)} MiB, more than the limit of ${MAX_JSON_FILE_BYTES / 2 ** 20} MiB`);
      }
      text = readFileSync(fd, 'utf8');
    } finally {
      closeSync(fd);
    }
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
 * Opens `path` for reading if it is a regular file, and gives its size from the open descriptor
 * (the file that will be read, not one a rename put there after a check). A FIFO, a device
 * (/dev/zero, /dev/urandom: size 0, endless), a socket or a folder is refused before a byte is
 * read: opening is non-blocking, so a FIFO without a writer does not hang the open either.
 */
export function openRegularFile(path: string): { fd: number; size: number } {
  const fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new Error(`is ${kindOf(stat)}, not a regular file`);
    return { fd, size: stat.size };
  } catch (err) {
    closeSync(fd);
    throw err;
  }
}

function kindOf(stat: Stats): string {
  if (stat.isDirectory()) return 'a folder';
  if (stat.isFIFO()) return 'a pipe (FIFO)';
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return 'a device';
  if (stat.isSocket()) return 'a socket';
  return 'not a file';
}

/**
 * Throws, naming `option`, unless writeFileAtomic could write `path`: not a folder, the
 * nearest existing folder on its way writable, and, given `format`, not an existing file other
 * than an nnlab file of that format (a save replaces an earlier save, never a file of the user's). For checking an output path before hours of
 * training rather than losing the result after them.
 */
export function checkWritable(option: string, path: string, format?: string): void {
  if (path.trim() === '') throw new Error(`${option}: expected a file name, got an empty path`);
  const target = resolve(path);
  if (existsSync(target) && statSync(target).isDirectory()) throw new Error(`${option} ${path}: is a folder, expected a file name`);
  if (format !== undefined && existsSync(target) && !startsAsFormat(target, format)) {
    throw new Error(`${option} ${path}: exists and is not an nnlab file of format '${format}' (nnlab replaces only files it wrote); choose another name or move that file away`);
  }
  let dir = dirname(target);
  while (!existsSync(dir)) dir = dirname(dir);
  if (!statSync(dir).isDirectory()) throw new Error(`${option} ${path}: ${dir} is a file, not a folder`);
  try {
    accessSync(dir, constants.W_OK);
  } catch {
    throw new Error(`${option} ${path}: cannot write in ${dir} (no permission)`);
  }
}

/** Whether the file starts as nnlab writes its JSON of `format`: {"format":"FORMAT", … (read: its first bytes only). */
function startsAsFormat(path: string, format: string): boolean {
  const expected = `{"format":${JSON.stringify(format)}`;
  try {
    const { fd } = openRegularFile(path);
    try {
      const head = Buffer.alloc(expected.length);
      return readSync(fd, head, 0, head.length, 0) === head.length && head.toString('utf8') === expected;
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
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

/** Whether a process with this id runs (signal 0 only asks; EPERM: it runs, owned by someone else). */
export function processRuns(pid: number): boolean {
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
