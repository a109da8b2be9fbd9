#!/usr/bin/env bash
# Publishes the samples and the benchmark self-contained for linux-x64 and packs them for the GPU machine (no .NET there).
# Usage: scripts/gpu-bundle.sh [--baseline REV]
#   -> .bundle/tiledsl.tar.xz (ignored by git; name .bundle in the device tool's carry)
#   --baseline REV also publishes the benchmark as of git revision REV into .bundle/baseline.tar.xz, so that one
#   device call times both (scripts/gpu-simplicial.sh runs it beside the current one when it is there).
# On the GPU machine:  scripts/gpu-run.sh  (unpacks, runs the samples and the benchmarks on CUDA, writes to $OUT)
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .bundle && mkdir -p .bundle
for project in samples/TileDsl.Samples samples/TileDsl.Bench samples/TwoSimplicial; do
  dotnet publish "$project" -c Release -r linux-x64 --self-contained -p:InvariantGlobalization=true -o .bundle/publish >/dev/null
done
tar -C .bundle -cJf .bundle/tiledsl.tar.xz publish
rm -rf .bundle/publish
if [ "${1:-}" = "--baseline" ]; then
  worktree=$(mktemp -d)
  git worktree add -q --detach "$worktree" "$2"
  dotnet publish "$worktree/samples/TileDsl.Bench" -c Release -r linux-x64 --self-contained -p:InvariantGlobalization=true \
    -o .bundle/baseline >/dev/null
  git worktree remove --force "$worktree"
  git rev-parse --short "$2" > .bundle/baseline/REVISION
  tar -C .bundle -cJf .bundle/baseline.tar.xz baseline
  rm -rf .bundle/baseline
fi
ls -l .bundle
