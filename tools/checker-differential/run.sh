#!/usr/bin/env bash
# Differential test of the schema checker against real loads: random pairs of releases of a
# struct (fields added, removed, reordered, retyped, turned immutable/derived/skipped, given
# `since`, moved into nested structs, replaced by padding, subsections, ...), each built as
# Rust, checked both ways and migrated both ways in both codecs. Prints the tallies and exits
# non-zero if a load broke where the checker found nothing.
#   tools/checker-differential/run.sh [WORK_DIR] [CRATES] [PAIRS_PER_CRATE] [FIRST_SEED]
# About a minute of building per crate of 100 pairs on 2 cores.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
work="${1:-/tmp/vmstate-checker-differential}"
crates="${2:-4}"
pairs="${3:-100}"
seed="${4:-1000}"
rm -rf "$work/results"
mkdir -p "$work/results"
for ((i = 0; i < crates; i++)); do
    python3 "$here/gen.py" $((seed + i)) "$pairs" "$work/c$i" $((i * pairs))
    (cd "$work/c$i" && RESULTS="$work/results" CARGO_TARGET_DIR="$work/target" cargo test -q >"$work/c$i.log" 2>&1) ||
        { echo "c$i failed to build or run: see $work/c$i.log" >&2; exit 2; }
done
python3 "$here/analyze.py" "$work" "${SHOW:-FN}"
