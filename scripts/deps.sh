#!/usr/bin/env bash
# Install the Debian packages mmlab needs to build, test and benchmark (idempotent).
# Runs apt-get only when something is missing; needs root for that (the README's machines are).
set -euo pipefail
pkgs=(
  gcc make cmake pkg-config        # build
  libcmocka-dev                    # unit tests
  strace                           # differential tests against the host kernel
  libjemalloc-dev libmimalloc-dev libgoogle-perftools-dev   # benchmark baselines
)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "deps: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
