#!/usr/bin/env bash
# Run every benchmark (release build) and print their tables.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMMLAB_DEBUG=1 >/dev/null
cmake --build build/release -j"$(nproc)" >/dev/null
for b in build/release/bench/bench_*; do
  [ -x "$b" ] || continue
  echo "## $(basename "$b")"
  "$b"
done
