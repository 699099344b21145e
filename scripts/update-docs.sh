#!/usr/bin/env bash
# Regenerates the generated blocks of the docs (docs/parameters.md, docs/statistics.md):
# each block starts with `<!-- generated: vmsim ARGS -->` and ends with
# `<!-- end generated -->`; its lines are replaced by what `vmsim ARGS` prints.
# Usage: scripts/update-docs.sh [path/to/vmsim]   (default build/sim/vmsim; `make docs`)
# The test CliDocs.GeneratedTablesAreCurrent fails when a committed block is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
vmsim=${1:-build/sim/vmsim}
for doc in docs/parameters.md docs/statistics.md; do
  tmp=$(mktemp "$doc.XXXXXX")
  in_block=0
  while IFS= read -r line || [ -n "$line" ]; do
    if [ $in_block -eq 1 ]; then
      if [ "$line" = "<!-- end generated -->" ]; then in_block=0; printf '%s\n' "$line" >>"$tmp"; fi
      continue
    fi
    printf '%s\n' "$line" >>"$tmp"
    if [[ "$line" =~ ^'<!-- generated: vmsim '(.*)' -->'$ ]]; then
      # shellcheck disable=SC2086  # the arguments are words
      "$vmsim" ${BASH_REMATCH[1]} >>"$tmp"
      in_block=1
    fi
  done <"$doc"
  mv "$tmp" "$doc"
done
