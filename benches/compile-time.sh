#!/usr/bin/env bash
# Compile time of #[derive(VmState)] against serde's derives: generates one crate with 200
# device structs of 10-30 fields each (deterministic), twice — with
# `#[derive(vmstate_core::VmState)]`, and with `#[derive(serde::Serialize, serde::Deserialize)]`
# — builds each crate's dependencies first, then times `cargo build` of the crate alone
# (the derives' expansion and the generated code), three runs each, and prints the ratio.
#
# Usage: benches/compile-time.sh [--release]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/target/compile-bench
profile=${1:-}
mkdir -p "$out"

python3 - "$out" "$root" <<'PY'
import os, random, sys
out, root = sys.argv[1], sys.argv[2]
random.seed(2011)
types = ["u8", "u16", "u32", "u64", "i32", "bool", "[u32; 4]", "[u8; 16]"]
structs = []
for i in range(200):
    n = random.randint(10, 30)
    fields = [(f"reg{j}", random.choice(types)) for j in range(n)]
    structs.append((f"Device{i}", fields))
for kind in ("vmstate", "serde"):
    d = os.path.join(out, kind)
    os.makedirs(os.path.join(d, "src"), exist_ok=True)
    deps = (f'vmstate-core = {{ path = "{root}/vmstate-core" }}\n' if kind == "vmstate"
            else 'serde = { version = "1", features = ["derive"] }\n')
    with open(os.path.join(d, "Cargo.toml"), "w") as f:
        f.write(f'[package]\nname = "bench-{kind}"\nversion = "0.0.0"\nedition = "2021"\n\n[workspace]\n\n[dependencies]\n{deps}')
    derive = "vmstate_core::VmState" if kind == "vmstate" else "serde::Serialize, serde::Deserialize"
    with open(os.path.join(d, "src", "lib.rs"), "w") as f:
        f.write("#![allow(dead_code)]\n")
        for name, fields in structs:
            f.write(f"#[derive({derive})]\npub struct {name} {{\n")
            for fname, ty in fields:
                f.write(f"    pub {fname}: {ty},\n")
            f.write("}\n")
PY

build() { # crate dir -> seconds for building the crate itself
  local dir=$1
  (cd "$dir" && cargo build -q $profile >/dev/null 2>&1)   # dependencies (and a first build)
  local best=
  for _ in 1 2 3; do
    touch "$dir/src/lib.rs"
    local t0=$(date +%s.%N)
    (cd "$dir" && cargo build -q $profile)
    local t=$(echo "$(date +%s.%N) - $t0" | bc)
    best=$(python3 -c "print(min(float('$t'), float('${best:-1e9}')))")
  done
  echo "$best"
}

v=$(build "$out/vmstate")
s=$(build "$out/serde")
python3 - "$v" "$s" <<'PY'
import sys
v, s = map(float, sys.argv[1:])
print(f"200 structs, 10-30 fields each (best of 3 builds of the crate alone):")
print(f"  #[derive(VmState)]                  {v:6.2} s")
print(f"  #[derive(Serialize, Deserialize)]   {s:6.2} s")
print(f"  ratio VmState / serde               {v / s:6.2}x")
PY
