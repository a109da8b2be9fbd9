#!/usr/bin/env bash
# Publishes the samples and the benchmark self-contained for linux-x64 and packs them for the GPU machine (no .NET there).
# Usage: scripts/gpu-bundle.sh            -> .bundle/tiledsl.tar.xz (ignored by git; name .bundle in the device tool's carry)
# On the GPU machine:  scripts/gpu-run.sh  (unpacks, runs the samples and the benchmarks on CUDA, writes to $OUT)
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .bundle && mkdir -p .bundle
for project in samples/TileDsl.Samples samples/TileDsl.Bench samples/TwoSimplicial; do
  dotnet publish "$project" -c Release -r linux-x64 --self-contained -p:InvariantGlobalization=true -o .bundle/publish >/dev/null
done
tar -C .bundle -cJf .bundle/tiledsl.tar.xz publish
rm -rf .bundle/publish
ls -l .bundle/tiledsl.tar.xz
