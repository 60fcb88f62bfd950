#!/usr/bin/env bash
# Build and pass the whole test suite: under ASan+UBSan at debug level 3, the concurrency
# tests again under TSan, and the suite once more in the optimised build (which also compiles
# the benchmarks; benchmarks are never run as tests).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
jobs=$(nproc)
run() {
  local dir=$1; shift
  local label=$1; shift
  echo "== $dir: configure and build"
  cmake -S . -B "build/$dir" "$@" >/dev/null
  cmake --build "build/$dir" -j"$jobs"
  echo "== $dir: test"
  if [ -n "$label" ]; then
    ctest --test-dir "build/$dir" --output-on-failure -j"$jobs" -L "$label"
  else
    ctest --test-dir "build/$dir" --output-on-failure -j"$jobs"
  fi
}
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export TSAN_OPTIONS=halt_on_error=1
run asan "" -DCMAKE_BUILD_TYPE=Debug -DMMLAB_DEBUG=3 -DMMLAB_SANITIZE=address,undefined -DMMLAB_BUILD_BENCH=OFF
run tsan concurrency -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMMLAB_DEBUG=3 -DMMLAB_SANITIZE=thread -DMMLAB_BUILD_BENCH=OFF
run release "" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMMLAB_DEBUG=1 -DMMLAB_BUILD_BENCH=ON
echo "== all test runs passed"
