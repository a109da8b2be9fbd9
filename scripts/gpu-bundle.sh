#!/usr/bin/env bash
# Publishes the sample self-contained for linux-x64 and packs it for the GPU machine (no .NET there).
# Usage: scripts/gpu-bundle.sh            -> .bundle/samples.tar.xz (ignored by git; name .bundle in the device tool's carry)
# On the GPU machine:  scripts/gpu-run.sh  (unpacks and runs the sample on CUDA, writing to $OUT when set)
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf .bundle/publish && mkdir -p .bundle
dotnet publish samples/TileDsl.Samples -c Release -r linux-x64 --self-contained -p:InvariantGlobalization=true -o .bundle/publish >/dev/null
tar -C .bundle -cJf .bundle/samples.tar.xz publish
rm -rf .bundle/publish
ls -l .bundle/samples.tar.xz
