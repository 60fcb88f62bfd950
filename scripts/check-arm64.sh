#!/usr/bin/env bash
# Check that the library compiles for ARM64 (aarch64): every source under src/, at each debug
# level 0..3, with the build's warning flags, compiled and assembled (so inline assembly such
# as cpu_relax()'s is checked too) but not linked. Needs the Debian cross compiler
# (apt-get install gcc-aarch64-linux-gnu); without it the check is skipped, with a message.
# Usage: scripts/check-arm64.sh [compiler]   (default aarch64-linux-gnu-gcc)
set -euo pipefail
cd "$(dirname "$0")/.."
cc=${1:-aarch64-linux-gnu-gcc}
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "check-arm64: $cc not found, skipped (apt-get install gcc-aarch64-linux-gnu)"
  exit 0
fi
flags=(-std=c17 -O2 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter
       -fno-strict-aliasing -fPIC -Iinclude -Isrc)
mapfile -t sources < <(find src -name '*.c' | sort)
for level in 0 1 2 3; do
  printf '%s\n' "${sources[@]}" |
    xargs -P 2 -I{} "$cc" "${flags[@]}" -DMMLAB_DEBUG="$level" -c -o /dev/null {}
  echo "check-arm64: ${#sources[@]} sources compile for aarch64 at MMLAB_DEBUG=$level"
done
