#!/usr/bin/env bash
# Runs on the GPU machine: this revision's benchmarks beside an earlier revision's, in one call (scripts/gpu-bundle.sh
# --baseline REV packs both). Tutorial kernels (matmul, softmax, layer norm, causal attention) of both revisions, with
# this revision's outputs checked against float64 PyTorch and PyTorch timed beside them (bench_compare.py); then the
# 2-simplicial benchmark of both at B=4 and N=4096 (--n to change it); then `ptxas -v` (registers, spills) on the PTX
# files in .bundle/ptx (and .bundle/ptx-base), which `TileDsl.Bench --ptx` writes; with --ncu GROUP REGEX, Nsight
# Compute's summary of the kernels matching REGEX in benchmark group GROUP (matmul, rows, attention) of both
# revisions; with --rerun GROUP, that group of both revisions once more after everything else, baseline first (the
# order's effect on the figures). Results go to $OUT (at most 8 files come back).
# Usage: scripts/gpu-compare.sh [--n N] [--ncu GROUP REGEX]... [--rerun GROUP]...
set -euo pipefail
cd "$(dirname "$0")/.."
out=${OUT:-/tmp/tiledsl-out}
n=4096
profiles=()
reruns=()
while [ $# -gt 0 ]; do
  case $1 in
    --n) n=$2; shift ;;
    --ncu) profiles+=("$2 $3"); shift 2 ;;
    --rerun) reruns+=("$2"); shift ;;
  esac
  shift
done
mkdir -p /tmp/tiledsl "$out"
tar -C /tmp/tiledsl -xJf .bundle/tiledsl.tar.xz
tar -C /tmp/tiledsl -xJf .bundle/baseline.tar.xz
{ nvidia-smi --query-gpu=name,driver_version --format=csv,noheader; echo "baseline: revision $(cat /tmp/tiledsl/baseline/REVISION)"; } | tee "$out/gpu.txt"
for rev in publish baseline; do
  rm -rf "/tmp/tiledsl/$rev-bench"
  /tmp/tiledsl/$rev/TileDsl.Bench --device cuda --out "/tmp/tiledsl/$rev-bench" > "/tmp/tiledsl/bench-$rev.log" 2>&1
  cp "/tmp/tiledsl/$rev-bench/results.tsv" "$out/bench-$rev.tsv"
done
python3 scripts/bench_compare.py /tmp/tiledsl/publish-bench > "$out/bench.md" 2>&1
for rev in publish baseline; do
  rm -rf "/tmp/tiledsl/$rev-simplicial"
  /tmp/tiledsl/$rev/TileDsl.Bench --device cuda --simplicial --n "$n" --out "/tmp/tiledsl/$rev-simplicial" > "/tmp/tiledsl/simplicial-$rev.log" 2>&1
  cp "/tmp/tiledsl/$rev-simplicial/results.tsv" "$out/simplicial-$rev.tsv"
done
for dir in .bundle/ptx .bundle/ptx-base; do
  [ -d "$dir" ] || continue
  for f in "$dir"/*.ptx; do
    echo "== $f"
    sed 's/^\.target sm_[0-9]*/.target sm_90/' "$f" > /tmp/tiledsl/kernel.ptx
    ptxas -arch=sm_90 -v /tmp/tiledsl/kernel.ptx -o /tmp/tiledsl/kernel.cubin 2>&1 | grep -E "registers|spill" || true
  done
done > "$out/ptxas.txt" 2>&1
for profile in "${profiles[@]}"; do
  read -r group regex <<< "$profile"
  for rev in publish baseline; do
    echo "== $rev $group $regex"
    ncu --kernel-name "regex:$regex" --launch-count 1 --section SpeedOfLight --section Occupancy --section LaunchStats \
      --section WarpStateStats --section InstructionStats --section MemoryWorkloadAnalysis \
      /tmp/tiledsl/$rev/TileDsl.Bench --device cuda --only "$group" --out "/tmp/tiledsl/ncu-$rev" 2>&1 | grep -vE "^==PROF==|^TileDsl|^\s*$|^\s+-+$" || true
  done
done > "$out/ncu.txt" 2>&1
paste "$out/bench-publish.tsv" "$out/bench-baseline.tsv" | cut -f1,3,5,8,10
cat "$out/bench.md" | grep -E "^\|" || true
paste "$out/simplicial-publish.tsv" "$out/simplicial-baseline.tsv" | awk -F'\t' '{print $1, $5, $10}'
grep -B1 "registers" "$out/ptxas.txt" | grep -v "^--" || true
for group in "${reruns[@]}"; do
  for rev in baseline publish; do
    echo "== rerun $rev $group"
    /tmp/tiledsl/$rev/TileDsl.Bench --device cuda --only "$group" --out "/tmp/tiledsl/rerun-$rev" 2>&1 | grep -vE "^TileDsl|^\s*$" || true
  done
done
echo "== host enqueue times (this revision)"
grep -A1 "host enqueue" /tmp/tiledsl/bench-publish.log | grep -v "^--" || true
