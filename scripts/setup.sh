#!/usr/bin/env bash
# Sets up everything the notebooks, `npm run lab` and `npm run report` need. Safe to rerun: every
# step checks first and does nothing when it is already done (a rerun takes a few seconds).
#
#   1. builds the library (tsc -> dist/) unless dist/ is newer than its sources
#      (scripts/build-current.sh), and links it as node_modules/nnlab, so that notebooks can
#      `import { Solver } from "nnlab"` (tslab cannot import a relative path outside the notebook
#      folder);
#   2. creates a project-local Python environment .venv/ with JupyterLab, nbconvert, nbclient,
#      nbstripout (and numpy, for the NumPy reference benchmark) from PyPI;
#   3. registers the tslab kernel ("TypeScript") in that environment, pointing at this project's
#      own node_modules/.bin/tslab, and sets JupyterLab's defaults there (no Jupyter news pop-up);
#   4. registers nbstripout as this git checkout's filter for notebooks (.gitattributes), so that
#      outputs saved in JupyterLab are never committed (skipped outside a git checkout);
#   5. installs Debian's chromium (used by the browser tests) when it is missing and we are root.
#
# Usage: bash scripts/setup.sh [--quiet]
#   --quiet                        print only what is being done, not the closing "Next:" line
#                                  (`npm run report` and `npm run lab` pass it).
# Environment:
#   NNLAB_PYTHON=/path/to/python   use an existing Python (with or without Jupyter) instead of
#                                  creating .venv; the kernel is registered in its sys.prefix.
#   NNLAB_SKIP_CHROMIUM=1          do not try to install chromium.
#
# It assumes node_modules is installed (npm ci).
set -euo pipefail

QUIET=0
for arg in "$@"; do
  case "$arg" in
    --quiet) QUIET=1 ;;
    *) echo "setup: unknown argument '$arg' (usage: bash scripts/setup.sh [--quiet])" >&2; exit 2 ;;
  esac
done

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT="$PWD"
say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

if [ ! -d node_modules ]; then
  echo "setup: node_modules is missing; run 'npm ci' first" >&2
  exit 1
fi

# 1. Build and link ----------------------------------------------------------------------------
if ! why="$(bash scripts/build-current.sh)"; then
  say "building the library ($why)"
  npm run --silent build
fi

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
PREFIX="$("$PY" -c 'import sys; print(sys.prefix)')"
WHERE="$PREFIX"
if [ -z "${NNLAB_PYTHON:-}" ]; then WHERE=".venv"; fi

# Which of the packages are missing (find_spec does not import them: a check in milliseconds).
REQUIRED="jupyterlab nbconvert nbclient ipykernel numpy mpmath"
missing="$("$PY" -c '
import importlib.util, sys
print(" ".join(m for m in sys.argv[1:] if importlib.util.find_spec(m) is None))' $REQUIRED nbstripout)"
if [ -n "$missing" ]; then
  specs=()
  for m in $missing; do
    case "$m" in
      jupyterlab) specs+=('jupyterlab>=4,<5') ;;
      nbconvert) specs+=('nbconvert>=7,<8') ;;
      nbclient) specs+=('nbclient>=0.10') ;;
      ipykernel) specs+=('ipykernel>=6') ;;
      numpy) specs+=('numpy>=1.24') ;;
      mpmath) specs+=('mpmath>=1.3') ;;
      nbstripout) specs+=('nbstripout>=0.7') ;;
    esac
  done
  say "installing ${missing// /, } into $WHERE (PyPI)"
  "$PY" -m pip install --quiet --disable-pip-version-check "${specs[@]}" 2>&1 \
    | grep -v "is ignored: it is neither a file nor a directory" || true
  if ! "$PY" -c "import ${REQUIRED// /, }"; then
    echo "setup: pip could not install ${REQUIRED// /, } into $WHERE (see above)" >&2
    exit 1
  fi
fi

# The project's package.json says "type": "module", which Node would apply to the JavaScript
# files inside .venv too (JupyterLab runs a few with node); mark the venv as CommonJS.
if [ -z "${NNLAB_PYTHON:-}" ] && [ ! -f .venv/package.json ]; then
  echo '{"type": "commonjs"}' > .venv/package.json
fi

# 3. tslab kernel, JupyterLab defaults -----------------------------------------------------------
KERNEL_JSON="$PREFIX/share/jupyter/kernels/tslab/kernel.json"
TSLAB="$ROOT/node_modules/.bin/tslab"
if [ ! -f "$KERNEL_JSON" ] || ! grep -qF "\"$TSLAB\"" "$KERNEL_JSON"; then
  say "registering the tslab kernel in $WHERE"
  if ! out="$("$TSLAB" install --python "$PY" --binary "$TSLAB" --sys-prefix 2>&1)"; then
    printf '%s\n' "$out" >&2
    echo "setup: 'tslab install' failed" >&2
    exit 1
  fi
  "$PY" -m jupyter kernelspec list | grep -q ' tslab ' || { echo "setup: tslab kernel not registered" >&2; exit 1; }
fi

if ! out="$("$PY" scripts/jupyterlab-settings.py 2>&1)"; then
  say "warning: $out"
elif [ -n "$out" ]; then
  say "$out"
fi

# 4. Notebooks are committed without outputs -----------------------------------------------------
if ! out="$(bash scripts/git-nbstripout.sh "$PY" 2>&1)"; then
  say "warning: $out"
elif [ -n "$out" ]; then
  say "$out"
fi

# 5. Chromium for the browser tests (and a font with the Chinese character labels) ------------------
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

if [ "$QUIET" = 0 ]; then
  say "done. Next: 'npm run lab' (JupyterLab on notebooks/) or 'npm run report' (HTML report in report/)"
fi
