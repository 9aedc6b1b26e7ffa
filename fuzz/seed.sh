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
for t in corpus/*/; do
    echo "$(basename "$t"): $(ls "$t" | wc -l) files"
done
