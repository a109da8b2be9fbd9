#!/usr/bin/env bash
# Runs on the GPU machine: the 2-simplicial attention benchmark (forward and backward at the issue's three shapes)
# and its check and comparison with PyTorch (scripts/simplicial_compare.py). Results go to $OUT.
# With --sweep, instead: every candidate tiling of both schemes at B=4, N=4096 (timings only, results.tsv to $OUT);
# where scripts/gpu-bundle.sh --baseline REV packed an earlier benchmark, it runs that one too (timings only), in the
# same call.
# Usage: scripts/gpu-simplicial.sh [--sweep [--variant trilinear|determinant]] [--n N] [--small]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/tiledsl-out}
mkdir -p /tmp/tiledsl "$out"
[ -x /tmp/tiledsl/publish/TileDsl.Bench ] || tar -C /tmp/tiledsl -xJf .bundle/tiledsl.tar.xz
# baseline MODE NAME ARGS...: where gpu-bundle.sh --baseline packed an earlier benchmark, runs it in MODE (timings
# only) into $out/NAME-baseline.txt and .tsv.
baseline() {
  [ -f .bundle/baseline.tar.xz ] || return 0
  local mode=$1 name=$2
  shift 2
  [ -x /tmp/tiledsl/baseline/TileDsl.Bench ] || tar -C /tmp/tiledsl -xJf .bundle/baseline.tar.xz
  echo "baseline: revision $(cat /tmp/tiledsl/baseline/REVISION)" | tee "$out/$name-baseline.txt"
  rm -rf "/tmp/tiledsl/$name-baseline"
  /tmp/tiledsl/baseline/TileDsl.Bench --device cuda "$mode" --out "/tmp/tiledsl/$name-baseline" "$@" 2>&1 | tee -a "$out/$name-baseline.txt"
  cp "/tmp/tiledsl/$name-baseline/results.tsv" "$out/$name-baseline.tsv"
}
if [ "${1:-}" = "--sweep" ]; then
  shift
  rm -rf /tmp/tiledsl/sweep
  /tmp/tiledsl/publish/TileDsl.Bench --device cuda --simplicial-sweep --out /tmp/tiledsl/sweep "$@" 2>&1 | tee "$out/simplicial-sweep.txt"
  cp /tmp/tiledsl/sweep/results.tsv "$out/simplicial-sweep.tsv"
  baseline --simplicial-sweep simplicial-sweep "$@"
  exit 0
fi
# both variants and both schemes, forward and backward, on CUDA against the float64 reference at a small size
for variant in trilinear determinant; do
  for scheme in rowwise headpacked; do
    /tmp/tiledsl/publish/TwoSimplicial random --device cuda --variant "$variant" --scheme "$scheme" --b 2 --n 100 --hq 8 --hkv 2 --d 64 --w1 40 --w2 24 2>&1 | tee -a "$out/simplicial-cli.txt"
  done
done
rm -rf /tmp/tiledsl/simplicial
/tmp/tiledsl/publish/TileDsl.Bench --device cuda --simplicial --out /tmp/tiledsl/simplicial "$@" 2>&1 | tee "$out/simplicial-tiledsl.txt"
python3 scripts/simplicial_compare.py /tmp/tiledsl/simplicial 2>&1 | tee "$out/simplicial.md"
baseline --simplicial simplicial "$@"
