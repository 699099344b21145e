#!/bin/sh
# Runs a committed sweep and publishes its table and plots into results/sweeps/NAME/.
#
#   scripts/publish-sweep.sh BUILD_DIR configs/sweeps/NAME.cfg
#
# The points stay in BUILD_DIR/sweeps/NAME (so a rerun runs only the points whose
# configuration or program changed); results/sweeps/NAME/ gets results.csv and each
# plot's .svg and .png, each file replaced atomically (written beside, then renamed).
set -eu
build=$1
cfg=$2
name=$(basename "$cfg" .cfg)
work="$build/sweeps/$name"
dest="results/sweeps/$name"
"$build/sim/vmsim" sweep "$cfg" --build-dir "$build" --out "$work"
mkdir -p "$dest"
for f in "$work"/results.csv "$work"/*.svg "$work"/*.png; do
    [ -e "$f" ] || continue
    cp "$f" "$dest/.$(basename "$f").tmp"
    mv -f "$dest/.$(basename "$f").tmp" "$dest/$(basename "$f")"
done
echo "published $dest"
