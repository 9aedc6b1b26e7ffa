#!/usr/bin/env bash
# Runs one fuzz target for a while, one process, with the max_len that fits its seeds:
#   ./run.sh TARGET [SECONDS] [extra libFuzzer flags...]
# e.g. ./run.sh qemu_stream 300. Needs `cargo install cargo-fuzz --locked` and, on stable
# Rust, RUSTC_BOOTSTRAP=1 (set here). SANITIZER=none ./run.sh ... if ASan will not link.
# libFuzzer's log (-jobs writes fuzz-0.log into the working directory) is kept as
# target/logs/TARGET-<date>.log; the corpus grows in corpus/TARGET, crashes go to
# artifacts/TARGET (both gitignored).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
target="${1:?usage: run.sh TARGET [SECONDS] [libFuzzer flags...]}"
seconds="${2:-300}"
shift $(( $# >= 2 ? 2 : 1 ))
case "$target" in
    native_devices | qemu_devices | arm_cpu) max_len=4096 ;;
    qemu_sections) max_len=16384 ;;    # the PL041's section is 10,794 bytes
    native_blocks) max_len=160000 ;;   # the largest seed is ~149 KB
    machine_stream) max_len=16384 ;;   # the seeds are ~6.5 KB (the schema trailer)
    qemu_stream) max_len=400000 ;;     # the QEMU fixture is 351,049 bytes
    schema_check) max_len=512 ;;       # edits of a built-in schema, then section bytes
    *) echo "unknown target $target" >&2; exit 2 ;;
esac
export RUSTC_BOOTSTRAP=1
logs="$here/target/logs"
mkdir -p "$logs" "$here/corpus/$target"
# A working directory of its own: libFuzzer writes fuzz-0.log into it, and two runs started
# side by side must not write (or delete) each other's log.
work="$(mktemp -d "$logs/$target-run.XXXXXX")"
cd "$work"
status=0
cargo fuzz run --fuzz-dir "$here" --sanitizer "${SANITIZER:-address}" "$target" \
    "$here/corpus/$target" -- \
    -jobs=1 -workers=1 -max_total_time="$seconds" -max_len="$max_len" -timeout=20 -rss_limit_mb=2048 -malloc_limit_mb=1024 -print_final_stats=1 "$@" \
    || status=$?
log="$logs/$target-$(date +%Y%m%d-%H%M%S).log"
[[ -f fuzz-0.log ]] && mv fuzz-0.log "$log" && echo "log: $log"
cd "$logs" && rmdir "$work" 2>/dev/null || true
exit "$status"
