#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each over its corpus.
#   scripts/fuzz.sh --smoke      20 s per target (CI)
#   scripts/fuzz.sh [SECONDS]    longer runs; new interesting inputs are added to the corpus
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-300}
merge_new=1
if [[ "${1:-}" == "--smoke" ]]; then seconds=20; merge_new=0; fi

dir=build-fuzz
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer"
CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DLOCKLINE_FUZZ=ON -DLOCKLINE_TESTS=OFF -DCMAKE_CXX_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS="-fsanitize=address,undefined" >/dev/null
targets=(http_request config certificate settings sip_message sdp srtp provisioning url)
cmake --build "$dir" -j 2 --target "${targets[@]/#/fuzz_}"

for target in "${targets[@]}"; do
  corpus=tests/fuzz/corpus/$target
  scratch=$(mktemp -d)
  echo "fuzzing $target for ${seconds}s"
  log=$dir/fuzz_$target.log
  if ! "$dir/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -max_len=65536 -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/" "$scratch" "$corpus" \
    >"$log" 2>&1; then
    grep -vE '^#|NEW_FUNC' "$log" | tail -n 60
    echo "fuzz: $target failed; the input is in $dir/ (crash-*, leak-*, timeout-*)"
    exit 1
  fi
  grep -E 'stat::(number_of_executed_units|new_units_added)' "$log"
  if (( merge_new )); then
    "$dir/tests/fuzz/fuzz_$target" -merge=1 "$corpus" "$scratch" >/dev/null 2>&1
  fi
  rm -rf "$scratch"
done
echo "fuzz: no crash in ${#targets[@]} targets"
