#!/usr/bin/env bash
# Runs on the GPU machine: the tensor-core checks and benchmarks of this revision (scripts/gpu-bundle.sh packs it).
# bf16/fp16 against the interpreter (TileDsl.Bench --only sixteen), tf32 against float64 (--only tf32); the tensor-core matmuls checked against float64 and
# timed beside torch.matmul (--only matmul16, bench_compare.py); then, for each PTX file in .bundle/ptx (written by
# `TileDsl.Bench --ptx`), ptxas's registers, spills and stack, and the SASS counts of HMMA, LDSM and local loads/stores.
# Results go to $OUT.
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/tiledsl-out}
mkdir -p /tmp/tiledsl "$out"
tar -C /tmp/tiledsl -xJf .bundle/tiledsl.tar.xz
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$out/gpu.txt"
/tmp/tiledsl/publish/TileDsl.Bench --device cuda --only sixteen --out /tmp/tiledsl/sixteen 2>&1 | tee "$out/sixteen.txt"
/tmp/tiledsl/publish/TileDsl.Bench --device cuda --only tf32 --out /tmp/tiledsl/tf32 2>&1 | tee "$out/tf32.txt"
/tmp/tiledsl/publish/TileDsl.Bench --device cuda --only matmul16 --out /tmp/tiledsl/matmul16 2>&1 | tee "$out/matmul16.txt"
python3 scripts/bench_compare.py /tmp/tiledsl/matmul16 2>&1 | tee "$out/compare.md"
for f in .bundle/ptx/*.ptx; do
  [ -e "$f" ] || continue
  echo "== $f"
  arch=sm_90; grep -q wgmma "$f" && arch=sm_90a   # a Hopper kernel (wgmma) needs sm_90a
  sed "s/^\.target sm_[0-9a-z]*/.target $arch/" "$f" > /tmp/tiledsl/kernel.ptx
  ptxas -arch=$arch -v /tmp/tiledsl/kernel.ptx -o /tmp/tiledsl/kernel.cubin 2>&1 | grep -E "registers|spill|stack|rror"
  cuobjdump -sass /tmp/tiledsl/kernel.cubin > /tmp/tiledsl/kernel.sass
  for op in HMMA HGMMA LDSM LDL STL LDS STS BAR; do printf '%s %s  ' "$op" "$(grep -c "\b$op" /tmp/tiledsl/kernel.sass)"; done; echo
done 2>&1 | tee "$out/ptxas.txt"
