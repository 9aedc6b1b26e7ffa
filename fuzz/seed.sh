#!/usr/bin/env bash
# (Re)creates the seed corpora in fuzz/corpus/<target>/ (gitignored). Run from anywhere.
# Existing corpus files are kept (a fuzzer's finds stay); pass --clean to start over.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here"
if [[ "${1:-}" == "--clean" ]]; then
    rm -rf corpus
fi
mkdir -p corpus/qemu_stream
# An ordinary (uninstrumented) build of the seed writer; its own target dir is fuzz/target.
cargo run --quiet --release --locked --bin seeds -- corpus
# The real QEMU 7.2 stream (351,049 bytes): run qemu_stream with -max_len=400000.
cp ../tests/fixtures/qemu-7.2-integratorcp/integratorcp.stream corpus/qemu_stream/qemu-7.2-integratorcp.stream
chmod u+w corpus/qemu_stream/qemu-7.2-integratorcp.stream
# A real QEMU 10.0 stream (69,047 bytes; 1 MiB of RAM, the SWITCHOVER_START command).
cp ../tests/fixtures/qemu-10.0-integratorcp/integratorcp-1m.stream corpus/qemu_stream/qemu-10.0-integratorcp-1m.stream
chmod u+w corpus/qemu_stream/qemu-10.0-integratorcp-1m.stream
# QEMU 5.2's and 11.1's (67,498 and 69,056 bytes: the vmdesc's renamed SD card bitmap, an
# empty audio section, the 11.1 vmdesc's padding names).
for v in 5.2 11.1; do
    cp "../tests/fixtures/qemu-$v-integratorcp/integratorcp-1m.stream" "corpus/qemu_stream/qemu-$v-integratorcp-1m.stream"
    chmod u+w "corpus/qemu_stream/qemu-$v-integratorcp-1m.stream"
done
# A QEMU 7.2 microbit stream (27,386 bytes: inline timers, which only the vmdesc sizes).
cp ../tests/fixtures/qemu-7.2-arm-timers/microbit.stream corpus/qemu_stream/qemu-7.2-microbit.stream
chmod u+w corpus/qemu_stream/qemu-7.2-microbit.stream
for t in corpus/*/; do
    echo "$(basename "$t"): $(ls "$t" | wc -l) files"
done
