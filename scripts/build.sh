#!/usr/bin/env bash
# Configures (once) and builds Tern into ./build. Extra arguments go to `cmake --build`
# (e.g. `--target storage`). Builds take a lock so two builds never run at once on this machine.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${TERN_BUILD_DIR:-$root/build}"
jobs="${TERN_JOBS:-$(nproc)}"
if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="${TERN_BUILD_TYPE:-RelWithDebInfo}" >/dev/null
fi
exec flock "/tmp/tern-build.lock" cmake --build "$build" -j "$jobs" "$@"
