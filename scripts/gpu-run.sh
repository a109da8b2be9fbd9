#!/usr/bin/env bash
# Runs on the GPU machine: unpacks the bundle made by scripts/gpu-bundle.sh, runs the samples on CUDA, then the
# benchmarks, and checks and compares them with PyTorch (scripts/bench_compare.py). Results go to $OUT.
# Usage: scripts/gpu-run.sh [--small]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/tiledsl-out}
mkdir -p /tmp/tiledsl "$out"
tar -C /tmp/tiledsl -xJf .bundle/tiledsl.tar.xz
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$out/gpu.txt"
/tmp/tiledsl/publish/TileDsl.Samples --device cuda 2>&1 | tee "$out/samples-cuda.txt"
/tmp/tiledsl/publish/TileDsl.Bench --device cuda --out /tmp/tiledsl/bench "$@" 2>&1 | tee "$out/bench-tiledsl.txt"
cp /tmp/tiledsl/bench/results.tsv "$out/"
python3 scripts/bench_compare.py /tmp/tiledsl/bench 2>&1 | tee "$out/bench.md"
