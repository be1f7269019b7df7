#!/usr/bin/env bash
# Sourced by gpu-check.sh and gpu-profile.sh on the GPU machine: unpacks the packed Java runtime and
# finds cuDNN 9 beside PyTorch. Expects pack, work, python and a note function; sets java,
# classpath, jvm and the cuDNN/loader environment.
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
