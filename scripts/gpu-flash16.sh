#!/usr/bin/env bash
# Runs on the GPU machine: the bf16 causal flash attention tutorial (TileDsl.Bench --only flash16: B4 N4096 H16, D 64
# and 128, forward and backward), checked against float64 and timed beside torch's bf16 SDPA (bench_compare.py): once
# on the device's tensor-core path (wgmma on Hopper), once on mma.sync. Results go to $OUT.
# Usage (after scripts/gpu-bundle.sh): scripts/gpu-flash16.sh [--small]
set -uo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/tiledsl-out}
mkdir -p /tmp/tiledsl "$out"
tar -C /tmp/tiledsl -xJf .bundle/tiledsl.tar.xz
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$out/gpu.txt"
for path in auto mmasync; do
  /tmp/tiledsl/publish/TileDsl.Bench --device cuda --only flash16 --tensor-cores $path --out /tmp/tiledsl/flash16_$path "$@" 2>&1 | tee "$out/flash16_$path.txt"
  python3 scripts/bench_compare.py /tmp/tiledsl/flash16_$path 2>&1 | tee "$out/flash16_$path.md"
done
