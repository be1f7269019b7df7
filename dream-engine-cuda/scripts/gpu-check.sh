#!/usr/bin/env bash
# The GPU check, run in one go on a GPU machine (no Java, no network) from the repository root,
# after dream-engine-cuda/scripts/gpu-pack.sh packed .gpu-pack here:
#
#   bash dream-engine-cuda/scripts/gpu-check.sh        (writes $OUT, default ./gpu-check-out)
#
# Stages, each time-boxed; a failing stage is reported and the next still runs:
#   gpu       nvidia-smi
#   probe     can the cuda backend run (driver, cuDNN 9 behind the compatibility library)?
#   contract  CudaBackendContractTest: every step against the reference backend (the oracle);
#             CudaTilingTest: a tiled iteration equals the untiled one (exact tiling)
#   golden    CudaGoldenCasesTest: darknet's golden outputs on the GPU (synthetic weights are
#             generated first, into $NIGHTMARE_GPU_WORK); CudaClassifierTailCasesTest: runs
#             targeting tiny's avgpool and softmax, held to the reference backend
#   bench     GpuBench: vgg-conv layer 10 at 512² ms/iteration (FP32, TF32, FP32 any algorithm),
#             TF32's effect, the website's scream run end to end, GPU memory
#   torch     torch_peer.py on CUDA, FP32 (TF32 off, cudnn.benchmark on), then with --tf32
# then prints one summary table and writes it to $OUT/summary.txt. The limits add up to 510 s, so
# the whole check ends inside the device tool's 10-minute command limit even when stages hang.
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
pack="$(cd "${GPU_PACK:-$root/.gpu-pack}" 2>/dev/null && pwd || echo "${GPU_PACK:-$root/.gpu-pack}")"
out="${OUT:-$root/gpu-check-out}"
work="${NIGHTMARE_GPU_WORK:-/tmp/nightmare-gpu-check}"
python="${PYTHON:-python3}"
mkdir -p "$out" "$work/target" "$work/weights" "$work/tmp"
out="$(cd "$out" && pwd)"
work="$(cd "$work" && pwd)"
summary=()
began=$(date +%s)

note() { echo "== $*" | tee -a "$out/check.log"; }

# stage NAME SECONDS COMMAND...: runs it time-boxed, output in $OUT/NAME.log.
stage() {
  local name="$1" limit="$2" start rc status
  shift 2
  note "$name (limit ${limit}s): $*"
  start=$(date +%s)
  timeout --kill-after=10 "$limit" "$@" > "$out/$name.log" 2>&1
  rc=$?
  case "$rc" in
    0) status="ok"
       if grep -q "\[ *0 tests successful" "$out/$name.log"; then status="NO TEST RAN"; fi ;;
    124|137) status="TIMED OUT after ${limit}s" ;;
    *) status="FAILED (exit $rc)" ;;
  esac
  summary+=("$(printf '%-10s %-24s %4ss' "$name" "$status" "$(( $(date +%s) - start ))")")
  tail -n 5 "$out/$name.log" | sed 's/^/   /' | tee -a "$out/check.log"
  return 0
}

source "$(dirname "$0")/gpu-env.sh"
junit=("$java" "${jvm[@]}" -jar "$pack/tools/junit-console.jar" execute --disable-banner --details=tree
  --class-path "$classpath")
# The golden tests write target/golden-report.txt relative to the working directory.
cd "$work"

stage gpu 20 nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv
stage probe 45 "$java" "${jvm[@]}" -cp "$classpath" dev.nightmare.engine.cuda.GpuProbe
stage contract 125 "${junit[@]}" --reports-dir "$out/junit-contract" \
  --select-class dev.nightmare.engine.cuda.CudaBackendContractTest \
  --select-class dev.nightmare.engine.cuda.CudaTilingTest
stage golden 95 "${junit[@]}" --reports-dir "$out/junit-golden" \
  --select-class dev.nightmare.engine.cuda.CudaGoldenCasesTest \
  --select-class dev.nightmare.engine.cuda.CudaClassifierTailCasesTest
cp "$work/target/golden-report.txt" "$out/" 2>/dev/null
rm -f "$out/bench.tsv"
stage bench 120 "$java" "${jvm[@]}" -cp "$classpath" dev.nightmare.engine.cuda.GpuBench \
  "$pack/shared/models/vgg-conv.cfg" "$work/weights/vgg-conv.synth.weights" "$pack/shared/images/scream.jpg" \
  "$out" 512 10 20
stage torch 60 "$python" "$pack/shared/bench/torch_peer.py" --device cuda --cfg "$pack/shared/models/vgg-conv.cfg" \
  --sizes 512 --layers 10
stage torch-tf32 45 "$python" "$pack/shared/bench/torch_peer.py" --device cuda --tf32 \
  --cfg "$pack/shared/models/vgg-conv.cfg" --sizes 512 --layers 10

tests() { grep -E "tests (successful|failed|skipped)" "$out/$1.log" 2>/dev/null | tr -s ' []' ' ' | paste -sd, - ; }
figure() { grep -F "$1" "$out/bench.tsv" 2>/dev/null | head -n 1 | cut -f2; }
torch_ms() { grep -o '"median_s": [0-9.]*' "$out/$1.log" 2>/dev/null | head -n 1 | awk '{printf "%.2f", $2 * 1000}'; }
{
  echo "Nightmare GPU check — $(date -u +%Y-%m-%dT%H:%M:%SZ), $(head -n 1 "$pack/MANIFEST.txt" 2>/dev/null)"
  echo "device: $(grep -h 'cuda backend' "$out/probe.log" 2>/dev/null || echo 'unknown')"
  echo
  echo "stage      status                   time"
  printf '%s\n' "${summary[@]}"
  echo
  echo "contract tests: $(tests contract)"
  echo "golden cases:   $(tests golden)"
  echo
  printf '%-58s %s\n' "measure" "value"
  printf '%-58s %s\n' "vgg-conv L10 512² ms/iteration, FP32 (median)" "$(figure 'L10 512² FP32 median ms')"
  printf '%-58s %s\n' "vgg-conv L10 512² ms/iteration, TF32 (median)" "$(figure 'L10 512² TF32 median ms')"
  printf '%-58s %s\n' "vgg-conv L10 512² ms/iteration, FP32 any algorithm" "$(figure 'FP32, any algorithm median ms')"
  printf '%-58s %s\n' "PyTorch CUDA, same iteration, FP32 (median ms)" "$(torch_ms torch)"
  printf '%-58s %s\n' "PyTorch CUDA, same iteration, TF32 (median ms)" "$(torch_ms torch-tf32)"
  printf '%-58s %s\n' "TF32 vs FP32 image after 10 iterations" "$(figure 'tf32 vs fp32')"
  printf '%-58s %s\n' "scream website run end to end, 1st run in the JVM (s)" "$(figure 'rounds 4) cold total s')"
  printf '%-58s %s\n' "scream website run end to end, 2nd run (s)" "$(figure 'rounds 4) warm total s')"
  printf '%-58s %s\n' "scream website run, iterations only, 2nd run (s)" "$(figure 'rounds 4) warm iterations s')"
  printf '%-58s %s\n' "scream defaults (1 round × 10 iters) end to end (s)" "$(figure 'scream defaults (1 round × 10 iters) total s')"
  printf '%-58s %s\n' "scream defaults, after model load (s)" "$(figure 'scream defaults (1 round × 10 iters) after model load s')"
  printf '%-58s %s\n' "scream defaults, on an open session (s)" "$(figure 'scream defaults (1 round × 10 iters) on an open session s')"
  printf '%-58s %s\n' "GPU memory: session peak, L10 512² FP32" "$(figure 'L10 512² FP32 session peak')"
  printf '%-58s %s\n' "GPU memory: in use during the scream run (cuMemGetInfo)" "$(figure 'rounds 4) warm device memory in use')"
  echo
  echo "total $(( $(date +%s) - began ))s; logs, JUnit reports, bench.tsv and the scream JPEGs are in $out"
} | tee "$out/summary.txt"
