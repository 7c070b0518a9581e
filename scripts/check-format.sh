#!/usr/bin/env bash
# Fails when a C++ file differs from clang-format's layout (.clang-format).
set -euo pipefail
cd "$(dirname "$0")/.."
files=$(git ls-files '*.cpp' '*.hpp' '*.cpp.in')
[[ -z "$files" ]] && exit 0
clang-format --dry-run --Werror $files
echo "clang-format: clean"
