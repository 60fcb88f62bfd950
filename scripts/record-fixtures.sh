#!/usr/bin/env bash
# Re-record the kernel fixtures from this host: each differential test runs its cases on the
# host kernel and writes what the kernel did, with this host's fingerprint, under
# tests/fixtures/. Review the diff (git diff --stat tests/fixtures) before committing it: a
# changed recording is a change of oracle, and the commit message should say which host made it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build/record -DCMAKE_BUILD_TYPE=Debug -DMMLAB_DEBUG=1 -DMMLAB_BUILD_BENCH=OFF >/dev/null
cmake --build build/record -j"$(nproc)" >/dev/null
export MMLAB_SOURCE_DIR=$PWD MMLAB_BINARY_DIR=$PWD/build/record MMLAB_FIXTURE_MODE=record
mkdir -p tests/fixtures/host_diff tests/fixtures/host_cases tests/fixtures/proc_phys \
         tests/fixtures/replay_diff tests/fixtures/replay_programs tests/fixtures/vmalloc
# The replay tests record with strace and setarch (they skip, and record nothing, without them).
for t in vm/test_host_diff vm/test_host_cases vm/test_vm_errno phys/test_proc_phys \
         replay/test_replay_diff replay/test_replay_programs vmalloc/test_vmalloc; do
  echo "== recording $t"
  "build/record/tests/$t"
done
echo "== recorded on $(uname -r); now check: ctest --test-dir build/record -L unit"
