#!/usr/bin/env bash
# Packs the GPU check (gpu-check.sh) for a GPU machine that has no Java, no Maven, no network and
# no ../shared, and receives at most 64 MiB (the repository included):
#
#   dream-engine-cuda/scripts/gpu-pack.sh [OUT_DIR] [--no-build]
#
# OUT_DIR (default: .gpu-pack at the repository root, git-ignored) gets
#   jre.tar.gz  a jlink'd Temurin 25 runtime (java.base, java.desktop for ImageIO, java.logging,
#             jdk.incubator.vector), cached between runs
#   lib/      the engine, backend and test classes as jars, JCuda/JCudnn (JCuda's natives trimmed
#             to the driver and runtime libraries), AssertJ; no CPU natives
#   tools/    JUnit's console launcher
#   native/   libcudnn.so.8, the cuDNN 8 -> 9 compatibility library, built here with gcc
#   shared/   the part of ../shared the check reads: cfgs, tiny.weights, two images, every golden
#             case's cmd/draws/.f32, torch_peer.py (the synthetic weights are generated there)
# and fails if it exceeds GPU_PACK_LIMIT_MIB (default 56, leaving room for the working tree).
# Without --no-build it first runs Maven to produce the inputs (dream-engine must be installed:
# ./mvnw -pl dream-engine-cuda -am install -DskipTests).
set -euo pipefail
module="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$module/.." && pwd)"
out="$root/.gpu-pack"
build=1
for arg in "$@"; do
  case "$arg" in
    --no-build) build=0 ;;
    -*) echo "unknown option $arg" >&2; exit 2 ;;
    *) out="$arg" ;;
  esac
done
mkdir -p "$out"
out="$(cd "$out" && pwd)"
source "$root/scripts/java-env.sh"
shared="${NIGHTMARE_SHARED_DIR:-$root/../shared}"
limit_mib="${GPU_PACK_LIMIT_MIB:-56}"
inputs="$module/target/gpu-pack-inputs"

if [ "$build" = 1 ]; then
  (cd "$root" && ./mvnw -q -pl dream-engine-cuda -DskipTests package)
fi
for needed in "$inputs/lib" "$inputs/tools" "$module/target/classes" "$module/target/test-classes"; do
  [ -d "$needed" ] || { echo "gpu-pack: $needed is missing; run without --no-build" >&2; exit 1; }
done

# 1. Java runtime. jlink's own compression leaves it at ~63 MB with java.desktop; uncompressed
# modules in a gzip'd tar come to ~32 MB (gpu-check.sh unpacks it). Reused while the module list
# is unchanged (jlink and gzip take ~50 s here).
modules="java.base,java.desktop,java.logging,jdk.incubator.vector"
if [ ! -f "$out/jre.tar.gz" ] || [ "$(cat "$out/jre.modules" 2>/dev/null)" != "$modules" ]; then
  rm -rf "$out/jre" "$out/jre.tar.gz"
  jre="$(mktemp -d)/jre"
  "$JAVA_HOME/bin/jlink" --add-modules "$modules" --strip-debug --no-man-pages --no-header-files \
    --compress=zip-0 --strip-native-debug-symbols=exclude-debuginfo-files --output "$jre" 2>/dev/null
  tar -C "$jre" -cf - . | gzip -9 > "$out/jre.tar.gz"
  rm -rf "$(dirname "$jre")"
  echo "$modules" > "$out/jre.modules"
fi

# 2. Jars. byte-buddy (9 MB) only serves AssertJ's soft assertions and assumptions, which no
# packed test uses; JCuda's natives jar also carries NVRTC/PTX-compiler wrappers we never load.
rm -rf "$out/lib" "$out/tools" "$out/native" "$out/shared"
mkdir -p "$out/lib" "$out/tools" "$out/native"
for jar in "$inputs"/lib/*.jar; do
  case "$(basename "$jar")" in
    byte-buddy-*|jcublas*|*dnnl*|*opencl*|*openblas*|javacpp*) ;;
    jcuda-natives-*)
      trim="$(mktemp -d)"
      (cd "$trim" && "$JAVA_HOME/bin/jar" xf "$jar" lib/ && find lib -type f ! -name 'libJCudaDriver-*' ! -name 'libJCudaRuntime-*' -delete)
      "$JAVA_HOME/bin/jar" --create --file "$out/lib/$(basename "$jar")" -C "$trim" lib
      rm -rf "$trim" ;;
    *) cp "$jar" "$out/lib/" ;;
  esac
done
"$JAVA_HOME/bin/jar" --create --file "$out/lib/dream-engine-cuda.jar" -C "$module/target/classes" .
"$JAVA_HOME/bin/jar" --create --file "$out/lib/dream-engine-cuda-tests.jar" -C "$module/target/test-classes" .
cp "$inputs"/tools/junit-platform-console-standalone-*.jar "$out/tools/junit-console.jar"

# 3. The cuDNN compatibility library, from JCudnn's own import list.
bash "$module/src/main/native/cudnn8-compat/build.sh" "$out/native" "$(ls "$inputs"/lib/jcudnn-natives-*.jar)" >/dev/null

# 4. The reference material the check reads (this folder is git-ignored: nothing is committed).
mkdir -p "$out/shared/models" "$out/shared/images" "$out/shared/golden" "$out/shared/bench"
cp "$shared"/models/*.cfg "$shared/models/tiny.weights" "$out/shared/models/"
cp "$shared/images/dog_256.png" "$shared/images/scream.jpg" "$out/shared/images/"
cp "$shared/bench/torch_peer.py" "$out/shared/bench/"
for case in "$shared"/golden/*/; do
  name="$(basename "$case")"
  mkdir -p "$out/shared/golden/$name"
  cp "$case"cmd.txt "$case"draws.txt "$case"*.f32 "$out/shared/golden/$name/"
done
cp "$shared/golden/README.md" "$out/shared/golden/"

# 5. Size.
bytes="$(du -sb "$out" | cut -f1)"
mib=$(( (bytes + 1048575) / 1048576 ))
{
  echo "packed $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)"
  du -sh "$out"/jre.tar.gz "$out"/lib "$out"/tools "$out"/native "$out"/shared
  echo "total ${mib} MiB (limit ${limit_mib} MiB)"
} > "$out/MANIFEST.txt"
cat "$out/MANIFEST.txt"
if [ "$mib" -gt "$limit_mib" ]; then
  echo "gpu-pack: $out is ${mib} MiB, over the ${limit_mib} MiB limit" >&2
  exit 1
fi
