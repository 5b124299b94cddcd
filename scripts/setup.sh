#!/usr/bin/env bash
# Sets up everything the notebooks, `npm run lab` and `npm run report` need. Safe to rerun: every
# step checks first and does nothing when it is already done.
#
#   1. builds the library (tsc -> dist/) and links it as node_modules/nnlab, so that notebooks
#      can `import { Solver } from "nnlab"` (tslab cannot import a relative path outside the
#      notebook folder);
#   2. creates a project-local Python environment .venv/ with JupyterLab, nbconvert, nbclient
#      (and numpy, for the NumPy reference benchmark) from PyPI;
#   3. registers the tslab kernel ("TypeScript") in that environment, pointing at this project's
#      own node_modules/.bin/tslab;
#   4. installs Debian's chromium (used by the browser tests) when it is missing and we are root.
#
# Environment:
#   NNLAB_PYTHON=/path/to/python   use an existing Python (with or without Jupyter) instead of
#                                  creating .venv; the kernel is registered in its sys.prefix.
#   NNLAB_SKIP_CHROMIUM=1          do not try to install chromium.
#
# It assumes node_modules is installed (npm ci).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

if [ ! -d node_modules ]; then
  echo "setup: node_modules is missing; run 'npm ci' first" >&2
  exit 1
fi

# 1. Build and link ----------------------------------------------------------------------------
say "building the library (npm run build)"
npm run --silent build

if [ "$(readlink node_modules/nnlab 2>/dev/null || true)" != ".." ]; then
  say "linking node_modules/nnlab -> project root"
  rm -rf node_modules/nnlab
  ln -s .. node_modules/nnlab
fi

# 2. Python environment with Jupyter -------------------------------------------------------------
PY="${NNLAB_PYTHON:-$ROOT/.venv/bin/python}"
if [ -z "${NNLAB_PYTHON:-}" ] && [ ! -x "$PY" ]; then
  say "creating .venv"
  if ! python3 -m venv .venv; then
    echo "setup: 'python3 -m venv' failed; on Debian/Ubuntu install python3-venv (apt-get install python3-venv)" >&2
    exit 1
  fi
fi
if ! "$PY" -c 'import jupyterlab, nbconvert, nbclient, ipykernel, numpy' 2>/dev/null; then
  say "installing JupyterLab, nbconvert, nbclient, ipykernel, numpy into $("$PY" -c 'import sys; print(sys.prefix)')"
  "$PY" -m pip install --quiet --disable-pip-version-check \
    'jupyterlab>=4,<5' 'nbconvert>=7,<8' 'nbclient>=0.10' 'ipykernel>=6' 'numpy>=1.24' 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
  "$PY" -c 'import jupyterlab, nbconvert, nbclient, ipykernel, numpy'
fi

# The project's package.json says "type": "module", which Node would apply to the JavaScript
# files inside .venv too (JupyterLab runs a few with node); mark the venv as CommonJS.
if [ -z "${NNLAB_PYTHON:-}" ] && [ ! -f .venv/package.json ]; then
  echo '{"type": "commonjs"}' > .venv/package.json
fi

# 3. tslab kernel --------------------------------------------------------------------------------
PREFIX="$("$PY" -c 'import sys; print(sys.prefix)')"
KERNEL_JSON="$PREFIX/share/jupyter/kernels/tslab/kernel.json"
TSLAB="$ROOT/node_modules/.bin/tslab"
if [ ! -f "$KERNEL_JSON" ] || ! grep -qF "\"$TSLAB\"" "$KERNEL_JSON"; then
  say "registering the tslab kernel in $PREFIX"
  "$TSLAB" install --python "$PY" --binary "$TSLAB" --sys-prefix
fi
"$PY" -m jupyter kernelspec list | grep -q ' tslab ' || { echo "setup: tslab kernel not registered" >&2; exit 1; }

# 4. Chromium for the browser tests (and a font with the Chinese character labels) ------------------
if [ -z "${NNLAB_SKIP_CHROMIUM:-}" ]; then
  missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  if command -v fc-list >/dev/null 2>&1 && [ -z "$(fc-list :lang=zh 2>/dev/null | head -1)" ]; then missing+=(fonts-wqy-zenhei); fi
  if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
      say "installing Debian ${missing[*]} (browser tests)"
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
      say "missing for the browser tests: ${missing[*]} (sudo apt-get install ${missing[*]})"
    fi
  fi
fi

say "done. Next: 'npm run lab' (JupyterLab on notebooks/) or 'npm run report' (HTML report in report/)"
