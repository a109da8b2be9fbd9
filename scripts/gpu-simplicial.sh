#!/usr/bin/env bash
# Runs on the GPU machine: the 2-simplicial attention benchmark (forward and backward at the issue's three shapes)
# and its check and comparison with PyTorch (scripts/simplicial_compare.py). Results go to $OUT.
# Usage: scripts/gpu-simplicial.sh [--n N] [--small]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/tiledsl-out}
mkdir -p /tmp/tiledsl "$out"
[ -x /tmp/tiledsl/publish/TileDsl.Bench ] || tar -C /tmp/tiledsl -xJf .bundle/tiledsl.tar.xz
rm -rf /tmp/tiledsl/simplicial
/tmp/tiledsl/publish/TileDsl.Bench --device cuda --simplicial --out /tmp/tiledsl/simplicial "$@" 2>&1 | tee "$out/simplicial-tiledsl.txt"
python3 scripts/simplicial_compare.py /tmp/tiledsl/simplicial 2>&1 | tee "$out/simplicial.md"
