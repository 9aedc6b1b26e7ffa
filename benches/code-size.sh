#!/usr/bin/env bash
# Code size of the generated save/load of IntegratorCm against hand-written code: builds
# devices/examples/codesize.rs in release with v0 symbol mangling (so generic instances
# name their types) and sums, with nm, the bytes of every function on each path:
#   - hand-written: hand_save, hand_load;
#   - QEMU codec: the entry points plus every instance for IntegratorCm/MemoryRegion or the
#     QEMU encoder/decoder;
#   - native codec: likewise with the native encoder/decoder and the section framing.
# Usage: benches/code-size.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=target/codesize
RUSTFLAGS="-C symbol-mangling-version=v0" cargo build -q --release --locked -p devices --example codesize
bin=$CARGO_TARGET_DIR/release/examples/codesize
syms=$(nm -C --size-sort --radix=d "$bin")
sum() { echo "$syms" | grep -E "$1" | grep -vE "${2:-^$}" | awk '{s += $1} END {print s + 0}'; }
hand=$(sum 'codesize::hand_(save|load)$')
qemu=$(sum 'codesize::generated_qemu|Qemu(En|De)coder|vmstate_core::qemu::(save|from_bytes)' 'Native')
native=$(sum 'codesize::generated_native|Native(En|De)coder|vmstate_core::native::' 'Qemu')
printf "%-52s %7s\n" "IntegratorCm save + load, release build" "bytes"
printf "%-52s %7d\n" "hand-written (11 big-endian words)" "$hand"
printf "%-52s %7d  %.1fx\n" "generated, QEMU codec (all functions on the path)" "$qemu" "$(echo "$qemu / $hand" | bc -l)"
printf "%-52s %7d  %.1fx\n" "generated, native codec (incl. framing, checksum)" "$native" "$(echo "$native / $hand" | bc -l)"
