#!/usr/bin/env bash
# The GPU check, run in one go on a GPU machine (no Java, no network) from the repository root,
# after dream-engine-cuda/scripts/gpu-pack.sh packed .gpu-pack here:
#
#   bash dream-engine-cuda/scripts/gpu-check.sh        (writes $OUT, default ./gpu-check-out)
#
# Stages, each time-boxed; a failing stage is reported and the next still runs:
#   gpu       nvidia-smi
#   probe     can the cuda backend run (driver, cuDNN 9 behind the compatibility library)?
#   contract  CudaBackendContractTest: every step against the reference backend (the oracle)
#   golden    CudaGoldenCasesTest: darknet's golden outputs on the GPU (synthetic weights are
#             generated first, into $NIGHTMARE_GPU_WORK)
#   bench     GpuBench: vgg-conv layer 10 at 512² ms/iteration (FP32, TF32, FP32 any algorithm),
#             TF32's effect, the website's scream run end to end, GPU memory
#   torch     torch_peer.py on CUDA, FP32 (TF32 off, cudnn.benchmark on), then with --tf32
# then prints one summary table and writes it to $OUT/summary.txt. Total well under 10 minutes.
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

if [ ! -f "$pack/jre.tar.gz" ]; then
  echo "no pack at $pack: run dream-engine-cuda/scripts/gpu-pack.sh where Java is, and carry .gpu-pack" >&2
  exit 1
fi
if [ ! -x "$work/jre/bin/java" ] || [ "$pack/jre.tar.gz" -nt "$work/jre/bin/java" ]; then
  rm -rf "$work/jre" && mkdir -p "$work/jre" && tar -xzf "$pack/jre.tar.gz" -C "$work/jre"
fi
java="$work/jre/bin/java"

# cuDNN 9 (and the CUDA libraries it may open) from the NVIDIA pip packages beside PyTorch.
nvidia_libs="$("$python" - <<'PY' 2>/dev/null
import glob, os, site
roots = site.getsitepackages() + [site.getusersitepackages()]
try:
    import nvidia
    roots += list(nvidia.__path__)
except Exception:
    pass
dirs = []
for r in roots:
    for d in glob.glob(os.path.join(r, "nvidia", "*", "lib")) + glob.glob(os.path.join(r, "*", "lib")):
        if os.path.basename(os.path.dirname(d)) and glob.glob(os.path.join(d, "*.so*")) and d not in dirs:
            dirs.append(d)
print(":".join(d for d in dirs if "/nvidia/" in d or d.endswith("nvidia/lib")))
PY
)"
cudnn_dir="$(echo "$nvidia_libs" | tr ':' '\n' | while read -r d; do [ -e "$d/libcudnn_graph.so.9" ] && echo "$d" && break; done)"
if [ -z "$cudnn_dir" ]; then
  cudnn_dir="$(dirname "$(find / -name 'libcudnn_graph.so.9' -not -path '*/proc/*' 2>/dev/null | head -n 1)" 2>/dev/null)"
fi
export NIGHTMARE_CUDNN_DIR="$cudnn_dir"
export NIGHTMARE_CUDNN_COMPAT="$pack/native/libcudnn.so.8"
export LD_LIBRARY_PATH="${nvidia_libs}${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
note "cuDNN 9 directory: ${cudnn_dir:-not found}"

classpath="$(ls "$pack"/lib/*.jar | tr '\n' ':')"
jvm=(--add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.awt.headless=true -Xmx24g
  "-Dnightmare.shared.dir=$pack/shared" "-Dnightmare.synth.dir=$work/weights" "-Djava.io.tmpdir=$work/tmp")
junit=("$java" "${jvm[@]}" -jar "$pack/tools/junit-console.jar" execute --disable-banner --details=tree
  --class-path "$classpath")
# The golden tests write target/golden-report.txt relative to the working directory.
cd "$work"

stage gpu 20 nvidia-smi --query-gpu=name,driver_version,memory.total,memory.used --format=csv
stage probe 60 "$java" "${jvm[@]}" -cp "$classpath" dev.nightmare.engine.cuda.GpuProbe
stage contract 120 "${junit[@]}" --reports-dir "$out/junit-contract" \
  --select-class dev.nightmare.engine.cuda.CudaBackendContractTest
stage golden 150 "${junit[@]}" --reports-dir "$out/junit-golden" \
  --select-class dev.nightmare.engine.cuda.CudaGoldenCasesTest
cp "$work/target/golden-report.txt" "$out/" 2>/dev/null
rm -f "$out/bench.tsv"
stage bench 150 "$java" "${jvm[@]}" -cp "$classpath" dev.nightmare.engine.cuda.GpuBench \
  "$pack/shared/models/vgg-conv.cfg" "$work/weights/vgg-conv.synth.weights" "$pack/shared/images/scream.jpg" \
  "$out" 512 10 20
stage torch 75 "$python" "$pack/shared/bench/torch_peer.py" --device cuda --cfg "$pack/shared/models/vgg-conv.cfg" \
  --sizes 512 --layers 10
stage torch-tf32 60 "$python" "$pack/shared/bench/torch_peer.py" --device cuda --tf32 \
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
  printf '%-58s %s\n' "scream website run end to end, 1st run in the JVM (s)" "$(figure 'rounds 4) 1st run total s')"
  printf '%-58s %s\n' "scream website run end to end, 2nd run (s)" "$(figure 'rounds 4) 2nd run total s')"
  printf '%-58s %s\n' "scream website run, iterations only, 2nd run (s)" "$(figure 'rounds 4) 2nd run iterations s')"
  printf '%-58s %s\n' "scream defaults (1 round × 10 iters) end to end (s)" "$(figure 'scream defaults (1 round × 10 iters) total s')"
  printf '%-58s %s\n' "GPU memory: session peak, L10 512² FP32" "$(figure 'L10 512² FP32 session peak')"
  printf '%-58s %s\n' "GPU memory: in use during the scream run (cuMemGetInfo)" "$(figure 'rounds 4) 2nd run device memory in use')"
  echo
  echo "total $(( $(date +%s) - began ))s; logs, JUnit reports, bench.tsv and the scream JPEGs are in $out"
} | tee "$out/summary.txt"
