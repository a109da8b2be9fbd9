#!/usr/bin/env bash
# Runs on the GPU machine: unpacks the bundle made by scripts/gpu-bundle.sh and runs the sample on CUDA.
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/tiledsl-out}
mkdir -p /tmp/tiledsl "$out"
tar -C /tmp/tiledsl -xJf .bundle/samples.tar.xz
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee "$out/gpu.txt"
/tmp/tiledsl/publish/TileDsl.Samples --device cuda "$@" 2>&1 | tee "$out/samples-cuda.txt"
