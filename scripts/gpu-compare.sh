#!/usr/bin/env bash
# Runs on the GPU machine: this revision's benchmarks beside an earlier revision's, in one call (scripts/gpu-bundle.sh
# --baseline REV packs both). Tutorial kernels (matmul, softmax, layer norm, causal attention) of both revisions, with
# this revision's outputs checked against float64 PyTorch and PyTorch timed beside them (bench_compare.py); then the
# 2-simplicial benchmark of both at B=4 and N=4096 (--n to change it); then `ptxas -v` (registers, spills) on the PTX
# files that `TileDsl.Bench --ptx` wrote into .bundle/ptx, where there are any. Results go to $OUT.
# Usage: scripts/gpu-compare.sh [--n N]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/tiledsl-out}
n=4096
[ "${1:-}" = "--n" ] && n=$2
mkdir -p /tmp/tiledsl "$out"
tar -C /tmp/tiledsl -xJf .bundle/tiledsl.tar.xz
tar -C /tmp/tiledsl -xJf .bundle/baseline.tar.xz
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$out/gpu.txt"
echo "baseline: revision $(cat /tmp/tiledsl/baseline/REVISION)" | tee -a "$out/gpu.txt"
for rev in publish baseline; do
  rm -rf "/tmp/tiledsl/$rev-bench"
  /tmp/tiledsl/$rev/TileDsl.Bench --device cuda --out "/tmp/tiledsl/$rev-bench" 2>&1 | tee "$out/bench-$rev.txt"
  cp "/tmp/tiledsl/$rev-bench/results.tsv" "$out/bench-$rev.tsv"
done
python3 scripts/bench_compare.py /tmp/tiledsl/publish-bench 2>&1 | tee "$out/bench.md"
for rev in publish baseline; do
  rm -rf "/tmp/tiledsl/$rev-simplicial"
  /tmp/tiledsl/$rev/TileDsl.Bench --device cuda --simplicial --n "$n" --out "/tmp/tiledsl/$rev-simplicial" 2>&1 | tee "$out/simplicial-$rev.txt"
  cp "/tmp/tiledsl/$rev-simplicial/results.tsv" "$out/simplicial-$rev.tsv"
done
if [ -d .bundle/ptx ]; then
  for f in .bundle/ptx/*.ptx; do
    echo "== $(basename "$f")"
    sed 's/^\.target sm_[0-9]*/.target sm_90/' "$f" > /tmp/tiledsl/kernel.ptx
    ptxas -arch=sm_90 -v /tmp/tiledsl/kernel.ptx -o /tmp/tiledsl/kernel.cubin 2>&1 | grep -E "registers|spill|stack" || true
  done 2>&1 | tee "$out/ptxas.txt"
fi
