#!/usr/bin/env bash
# scripts/fuzz-coverage.sh NAME - which lines of src/ the corpus of harness NAME (replay, maps,
# api) reaches: its seed corpus, its crash files, and what scripts/fuzz.sh found
# (build/fuzz/corpus-NAME, if there). Builds build/fuzzcov (clang, source-based coverage, no
# sanitizer, at nice 19), runs fuzz_NAME_corpus over those inputs and prints llvm-cov's
# per-file report of src/ (lines, functions, regions, branches).
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: scripts/fuzz-coverage.sh NAME   (NAME: replay, maps, api)" >&2
  exit 2
fi
name=$1
cd "$(dirname "$0")/.."
cov=$(command -v llvm-cov-14 || command -v llvm-cov)
prof=$(command -v llvm-profdata-14 || command -v llvm-profdata)
mkdir -p build/fuzzcov
(
  flock 9
  cmake -S . -B build/fuzzcov -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=Debug -DMMLAB_DEBUG=3 \
    -DMMLAB_BUILD_BENCH=OFF -DCMAKE_C_FLAGS="-fprofile-instr-generate -fcoverage-mapping" \
    -DCMAKE_EXE_LINKER_FLAGS="-fprofile-instr-generate" >/dev/null
  nice -n 19 cmake --build build/fuzzcov -j2 --target "fuzz_${name}_corpus"
) 9>build/fuzzcov/.lock
dirs="tests/fuzz/corpus/$name tests/fuzz/crashes/$name"
[ -d "build/fuzz/corpus-$name" ] && dirs="$dirs build/fuzz/corpus-$name"
bin=build/fuzzcov/tests/fuzz/fuzz_${name}_corpus
rm -f build/fuzzcov/"$name"-*.profraw
# shellcheck disable=SC2086
LLVM_PROFILE_FILE="build/fuzzcov/$name-%p.profraw" nice -n 19 "$bin" $dirs
"$prof" merge -o "build/fuzzcov/$name.profdata" build/fuzzcov/"$name"-*.profraw
"$cov" report "$bin" -instr-profile="build/fuzzcov/$name.profdata" "$PWD/src"
