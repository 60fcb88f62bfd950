#!/usr/bin/env bash
# Build everything (release) and run the tour: mmlab's main job on its built-in machine.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
cmake -S . -B build/release -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMMLAB_DEBUG=1 >/dev/null
cmake --build build/release -j"$(nproc)"
exec build/release/mmlab "$@"
