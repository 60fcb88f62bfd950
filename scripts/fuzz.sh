#!/usr/bin/env bash
# scripts/fuzz.sh NAME SECONDS - run the libFuzzer harness tests/fuzz/fuzz_NAME.c (NAME: replay,
# maps, api or vmalloc) for SECONDS, at nice 19.
#
# Builds build/fuzz first (clang, ASan+UBSan, debug level 3, -DMMLAB_FUZZ=ON; several runs at
# once share it, the build step under a lock). Inputs that add coverage go to
# build/fuzz/corpus-NAME (the seed corpus, tests/fuzz/corpus/NAME, is read, never written); a
# crash is written to tests/fuzz/crashes/NAME/, where the regular suite replays it from then on
# (commit it with the fix). libFuzzer's summary, with the number of executions, ends the output.
# Extra arguments after SECONDS go to libFuzzer (e.g. -jobs=2).
set -euo pipefail
if [ $# -lt 2 ]; then
  echo "usage: scripts/fuzz.sh NAME SECONDS [LIBFUZZER-ARGS...]   (NAME: replay, maps, api, vmalloc)" >&2
  exit 2
fi
name=$1 secs=$2
shift 2
cd "$(dirname "$0")/.."
case "$name" in replay|maps|api|vmalloc) ;; *) echo "fuzz.sh: no harness '$name' (replay, maps, api, vmalloc)" >&2; exit 2 ;; esac
case "$secs" in ''|*[!0-9]*) echo "fuzz.sh: SECONDS must be a whole number" >&2; exit 2 ;; esac
command -v clang >/dev/null || { echo "fuzz.sh: clang is not installed" >&2; exit 2; }
mkdir -p build/fuzz
(
  flock 9
  cmake -S . -B build/fuzz -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DMMLAB_DEBUG=3 -DMMLAB_SANITIZE=address,undefined -DMMLAB_FUZZ=ON \
    -DMMLAB_BUILD_BENCH=OFF -DBUILD_TESTING=ON >/dev/null
  nice -n 19 cmake --build build/fuzz -j2 --target "fuzz_$name"
) 9>build/fuzz/.lock
mkdir -p "build/fuzz/corpus-$name" "tests/fuzz/crashes/$name"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
exec nice -n 19 "build/fuzz/tests/fuzz/fuzz_$name" -max_total_time="$secs" -print_final_stats=1 \
  -max_len=65536 -timeout=60 -report_slow_units=60 -rss_limit_mb=4096 \
  -artifact_prefix="tests/fuzz/crashes/$name/" "$@" \
  "build/fuzz/corpus-$name" "tests/fuzz/corpus/$name"
