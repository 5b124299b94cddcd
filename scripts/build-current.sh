#!/usr/bin/env bash
# Is dist/ built from the sources as they are now? Exits 0 if so; otherwise prints why not and
# exits 1. setup.sh uses it to skip `npm run build` on a rerun.
#
# `npm run build` leaves dist/.build-stamp with the time the build *started* (package.json's
# prebuild/postbuild), so a source saved during a build still counts as newer. dist/ is current when
# nothing the build reads is newer than the stamp: lib/ and assembly/ (directories included, since
# adding, deleting or renaming a file changes its directory's time), the compiler settings, and the
# package files (the build scripts, the compiler versions).
#
#   usage: bash scripts/build-current.sh [PROJECT_ROOT]
set -euo pipefail

cd "${1:-$(dirname "${BASH_SOURCE[0]}")/..}"
STAMP=dist/.build-stamp

for out in "$STAMP" dist/index.js dist/cli.js dist/kernels/nnlab.wasm; do
  if [ ! -f "$out" ]; then
    echo "no $out"
    exit 1
  fi
done

inputs=()
for p in lib assembly tsconfig.json tsconfig.build.json package.json package-lock.json node_modules/.package-lock.json; do
  if [ -e "$p" ]; then inputs+=("$p"); fi
done

newer="$(find "${inputs[@]}" -newer "$STAMP" -print -quit)"
if [ -n "$newer" ]; then
  echo "$newer changed since the last build"
  exit 1
fi
