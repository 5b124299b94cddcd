#!/usr/bin/env bash
# Registers nbstripout (https://github.com/kynan/nbstripout) as the git filter named in the
# repository's .gitattributes (`*.ipynb filter=nbstripout`, `*.ipynb diff=ipynb`), in the local
# config of the git checkout whose top level is the current directory. Afterwards a notebook
# saved with outputs shows no change in `git status`/`git diff`, and `git add` stores it without
# outputs, execution counts or volatile metadata (the file on disk keeps them).
#
# This is what `nbstripout --install` writes, with two differences: the filter runs the given
# Python by its full path (so it works without activating .venv), and with --keep-id (the
# notebooks' cell ids are stable names like "c04"; without it nbstripout renumbers them 0, 1, ...).
#
# Safe to rerun; does nothing (and succeeds) outside a git checkout, e.g. in an unpacked tarball,
# or when the current directory is not the top level of its checkout.
#
#   usage: bash scripts/git-nbstripout.sh PYTHON      (a Python with nbstripout installed)
set -euo pipefail

PY="${1:?usage: git-nbstripout.sh PYTHON}"

if ! command -v git >/dev/null 2>&1; then
  echo "no git on PATH: notebook outputs will not be stripped on commit"
  exit 0
fi
top="$(git rev-parse --show-toplevel 2>/dev/null || true)"
if [ -z "$top" ] || [ "$(cd "$top" && pwd -P)" != "$(pwd -P)" ]; then
  exit 0 # not a git checkout of this project
fi
if ! "$PY" -c 'import importlib.util, sys; sys.exit(importlib.util.find_spec("nbstripout") is None)' 2>/dev/null; then
  echo "nbstripout is not installed in $PY: notebook outputs will not be stripped on commit" >&2
  exit 1
fi

cmd="\"$PY\" -m nbstripout --keep-id"
changed=0
set_config() {
  if [ "$(git config --local --get "$1" || true)" != "$2" ]; then
    git config --local "$1" "$2"
    changed=1
  fi
}
set_config filter.nbstripout.clean "$cmd"
set_config filter.nbstripout.smudge cat
set_config filter.nbstripout.required true
set_config diff.ipynb.textconv "$cmd -t"

if [ "$changed" = 1 ]; then
  echo "registered the nbstripout git filter: notebooks are committed without outputs"
fi
