#!/usr/bin/env bash
# Runs each libFuzzer target of a fuzz build tree for FUZZ_SECONDS (default 60),
# one after the other, each in one process on one core, starting from the seed
# corpus in tests/fuzz/corpus/<target>/ plus what earlier runs kept in
# <build>/fuzz-corpus/<target>/. Inputs that crash, leak, time out (10 s) or trip a
# sanitizer or an oracle go to <build>/fuzz-artifacts/. Prints one line per target
# (seconds, executions, findings); exits 1 if anything was found.
#   fuzz/run.sh [BUILD_DIR]            (default build-fuzz; `make fuzz` builds it first)
set -euo pipefail
build="${1:-build-fuzz}"
seconds="${FUZZ_SECONDS:-60}"
source_dir="$(cd "$(dirname "$0")/.." && pwd)"
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"

found=0
for target in elf_loader config_file config_set csv trace; do
  work="$build/fuzz-corpus/$target"
  log="$build/fuzz-$target.log"
  mkdir -p "$work"
  before=$(find "$artifacts" -name "$target-*" | wc -l)
  status=0
  "$build/fuzz/fuzz_$target" "$work" "$source_dir/tests/fuzz/corpus/$target" \
    -max_total_time="$seconds" -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$artifacts/$target-" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  findings=$(( $(find "$artifacts" -name "$target-*" | wc -l) - before ))
  echo "fuzz_$target: ${seconds} s, ${execs:-?} executions, $findings findings (exit $status, log $log)"
  if [ "$status" -ne 0 ] || [ "$findings" -ne 0 ]; then found=1; fi
done
exit "$found"
