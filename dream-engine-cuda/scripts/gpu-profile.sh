#!/usr/bin/env bash
# The GPU profile (issue 10's tuning), run on the GPU machine after gpu-pack.sh, like gpu-check.sh:
#
#   run(command: "bash dream-engine-cuda/scripts/gpu-profile.sh", carry: [".gpu-pack"], timeout_s: 400)
#
# Writes to $OUT: find.txt (cuDNN's timed ranking of every algorithm per layer, NCHW and NHWC, and
# the iteration's median), ncu.csv (each kernel of one iteration and its duration, Nsight
# Compute), torch-cl.txt / torch-nchw.txt (PyTorch's kernels for the same iteration,
# channels-last and NCHW; TORCH_PROFILE=0 skips them; FIND= skips the rankings), profile.log. Each step is time-boxed; the limits add up to 330 s.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
pack="$root/.gpu-pack"
out="${OUT:?}"
work=/tmp/nightmare-gpu-check
python=python3
mkdir -p "$work/weights" "$work/tmp"
note() { echo "== $*" | tee -a "$out/profile.log"; }
source "$(dirname "$0")/gpu-env.sh"
cfg="$pack/shared/models/vgg-conv.cfg"
weights="$work/weights/vgg-conv.synth.weights"
main=(timeout -k 5 120 "$java" "${jvm[@]}" -cp "$classpath" dev.nightmare.engine.cuda.GpuProfile "$cfg" "$weights" 512 10)

note "find"
"${main[@]}" ${FIND---find} > "$out/find.txt" 2>&1; note "rc $?"
tail -n 1 "$out/find.txt"
# The same iteration with cuDNN's own backward-data, for comparison.
"${main[@]}" cuda.backwardData=cudnn >> "$out/find.txt" 2>&1; note "rc $?"
tail -n 1 "$out/find.txt"
ncu="$(command -v ncu || ls /opt/nvidia/nsight-compute/*/ncu 2>/dev/null | head -n 1)"
note "ncu at ${ncu:-nowhere}"
timeout -k 5 120 "$ncu" --target-processes all --profile-from-start off --metrics gpu__time_duration.sum \
  --csv --page raw "${main[@]:4}" --profile > "$out/ncu.csv" 2> "$out/ncu.err"; note "rc $?"
tail -n 3 "$out/ncu.err"
[ "${TORCH_PROFILE:-1}" = 1 ] && for layout in cl nchw; do
  flag=""; [ "$layout" = nchw ] && flag="--nchw"
  timeout -k 5 45 "$python" "$(dirname "$0")/torch_profile.py" "$pack/shared/bench" "$cfg" 512 10 $flag \
    > "$out/torch-$layout.txt" 2>&1; note "torch $layout rc $?"
  head -n 1 "$out/torch-$layout.txt"
done
