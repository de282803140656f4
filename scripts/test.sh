#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test (unit, integration
# against throwaway PostgreSQL clusters, end-to-end). Usage: scripts/test.sh [ctest args...]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
cd "${TERN_BUILD_DIR:-$root/build}"
exec ctest --output-on-failure --timeout 900 -j "${TERN_TEST_JOBS:-2}" "$@"
