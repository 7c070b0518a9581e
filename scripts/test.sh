#!/usr/bin/env bash
# README command 2: installs what is missing, builds, and runs every test with ctest.
#   --sanitize   the same in an AddressSanitizer + UndefinedBehaviorSanitizer build (build-asan/)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --test
if [[ "${1:-}" == "--sanitize" ]]; then
  export BUILD_DIR=build-asan
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  scripts/build.sh -DLOCKLINE_SANITIZE=ON
else
  export BUILD_DIR=build
  scripts/build.sh
fi
cd "$BUILD_DIR"
ctest --output-on-failure -j 2
