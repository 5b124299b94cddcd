// Registers nbstripout (https://github.com/kynan/nbstripout) as the git filter named in the
// repository's .gitattributes (`*.ipynb filter=nbstripout`, `*.ipynb diff=ipynb`), in the local
// config of the git checkout whose top level is the current directory. Afterwards a notebook
// saved with outputs shows no change in `git status`/`git diff`, and `git add` stores it without
// outputs, execution counts or volatile metadata (the file on disk keeps them).
//
// This is what `nbstripout --install` writes, with two differences: the filter runs the given
// Python by its full path (so it works without activating .venv), and with --keep-id (the
// notebooks' cell ids are stable names like "c04"; without it nbstripout renumbers them 0, 1, ...).
//
// Safe to rerun; does nothing (and succeeds) outside a git checkout, e.g. in an unpacked tarball,
// or when the current directory is not the top level of its checkout.
//
//   node scripts/git-nbstripout.mjs PYTHON      (a Python with nbstripout installed)
// Prints what it did; exits 1 with a message when nbstripout is missing.
import { spawnSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The filter command git runs (through its own sh, also on Windows: Git for Windows ships one). */
export function filterCommand(python) {
  // Forward slashes: a Windows path is valid with them, and sh keeps them as they are.
  return `"${python.split(path.win32.sep).join('/')}" -m nbstripout --keep-id`;
}

/**
 * Sets the filter in the git checkout at `cwd`. Returns a line to print, or '' when nothing
 * changed; throws when nbstripout is not installed in `python`.
 */
export function registerNbstripout(python, cwd = process.cwd()) {
  const git = (...args) => spawnSync('git', args, { cwd, encoding: 'utf8' });
  const version = git('--version');
  if (version.error || version.status !== 0) return 'no git on PATH: notebook outputs will not be stripped on commit';
  const top = git('rev-parse', '--show-toplevel');
  if (top.status !== 0 || realpathSync(top.stdout.trim()) !== realpathSync(cwd)) return ''; // not a git checkout of this project
  const check = spawnSync(python, ['-c', 'import importlib.util, sys; sys.exit(importlib.util.find_spec("nbstripout") is None)'], { stdio: 'ignore' });
  if (check.status !== 0) throw new Error(`nbstripout is not installed in ${python}: notebook outputs will not be stripped on commit`);

  const cmd = filterCommand(python);
  let changed = false;
  const set = (key, value) => {
    if (git('config', '--local', '--get', key).stdout.replace(/\n$/, '') === value) return;
    const r = git('config', '--local', key, value);
    if (r.status !== 0) throw new Error(`git config ${key} failed: ${r.stderr.trim()}`);
    changed = true;
  };
  set('filter.nbstripout.clean', cmd);
  set('filter.nbstripout.smudge', 'cat');
  set('filter.nbstripout.required', 'true');
  set('diff.ipynb.textconv', `${cmd} -t`);
  return changed ? 'registered the nbstripout git filter: notebooks are committed without outputs' : '';
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const python = process.argv[2];
  if (!python) {
    console.error('usage: node scripts/git-nbstripout.mjs PYTHON');
    process.exit(2);
  }
  try {
    const out = registerNbstripout(python);
    if (out) console.log(out);
  } catch (err) {
    console.error(err.message);
    process.exit(1);
  }
}
