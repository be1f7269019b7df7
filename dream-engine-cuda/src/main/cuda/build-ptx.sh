#!/usr/bin/env bash
# Compiles the CUDA kernels (src/main/cuda/*.cu) to PTX for dream-engine-cuda, which loads them
# with cuModuleLoadData at run time (no NVRTC, no nvcc needed where it runs).
#
#   build-ptx.sh [OUT_DIR]     default OUT_DIR: ../resources/dev/nightmare/engine/cuda/ptx
#
# The PTX is committed, so builds without nvcc work; CudaPtxUpToDateTest regenerates it into
# target/ and compares when nvcc is present. Flags:
#   -arch=compute_75  the oldest architecture CUDA 13 still supports (Turing); the driver JITs the
#                     PTX for the GPU it runs on.
#   -fmad=false       no a*b+c contraction: the image ops must round like the Java reference.
# nvcc 13 writes PTX ISA 9.0 (drivers R580+). These kernels use nothing newer than ISA 8.0, so
# the .version line is lowered to 8.0 (CUDA 12.0+ drivers) and ptxas checks the result.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/../resources/dev/nightmare/engine/cuda/ptx}"
mkdir -p "$out"
nvcc="${NVCC:-nvcc}"
for cu in "$here"/*.cu; do
  name="$(basename "$cu" .cu)"
  "$nvcc" -ptx -arch=compute_75 -fmad=false -o "$out/$name.ptx" "$cu"
  sed -i -E 's/^\.version [0-9]+\.[0-9]+$/.version 8.0/' "$out/$name.ptx"
  ptxas="$(dirname "$(command -v "$nvcc")")/ptxas"
  if [ -x "$ptxas" ]; then
    "$ptxas" -arch=sm_75 -o /dev/null "$out/$name.ptx"
  fi
done
