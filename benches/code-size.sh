#!/usr/bin/env bash
# Code size of the generated save/load of IntegratorCm against hand-written code: builds
# devices/examples/codesize.rs in release and sums, with nm, the bytes of each entry point
# and of the functions it reaches that belong to the derive and the codecs (the generated
# impls for IntegratorCm, MemoryRegion and the codec functions they are instantiated with).
#
# Usage: benches/code-size.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build -q --release --locked -p devices --example codesize
bin=target/release/examples/codesize
sym() { nm -C --size-sort --radix=d "$bin" | grep -E "$1" | awk '{s += $1} END {print s + 0}'; }
printf "%-44s %8s\n" "IntegratorCm, release build" "bytes"
printf "%-44s %8d\n" "hand-written save (11 BE words)" "$(sym ' codesize::hand_save$')"
printf "%-44s %8d\n" "hand-written load" "$(sym ' codesize::hand_load$')"
printf "%-44s %8d\n" "qemu save entry" "$(sym 'generated_qemu_save$')"
printf "%-44s %8d\n" "qemu load entry" "$(sym 'generated_qemu_load$')"
printf "%-44s %8d\n" "native save entry" "$(sym 'generated_native_save$')"
printf "%-44s %8d\n" "native load entry" "$(sym 'generated_native_load$')"
printf "%-44s %8d\n" "generated impls (IntegratorCm, MemoryRegion)" "$(sym '(IntegratorCm|MemoryRegion|RegionKind)')"
printf "%-44s %8d\n" "vmstate_core functions (all instances)" "$(sym ' vmstate_core::')"
