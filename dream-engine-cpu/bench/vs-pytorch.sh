#!/usr/bin/env bash
# Side-by-side CPU benchmark: PyTorch (shared/bench/torch_peer.py) and `nightmare bench` on the
# given backend, alternating ROUNDS times in one run so both see the same machine load.
# Prints one JSON line per measurement (median of ITERS iterations after WARMUP). ARITHMETIC=darknet
# times nightmare in darknet's forward arithmetic (bit-identical to the reference; default fast).
# VARIANTS="opts1 opts2" times nightmare once per backend-options string in each round, e.g.
#   VARIANTS="onednn.backwardData=onednn onednn.backwardData=forward" (each line is tagged "options").
#
#   dream-engine-cpu/bench/vs-pytorch.sh vgg-conv 256,512 10 [ROUNDS=3] [BACKEND=onednn]
#
# Needs: ./mvnw -pl nightmare-cli,dream-engine-cpu -am install -DskipTests, and the peer:
#   apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread
set -euo pipefail
cd "$(dirname "$0")/../.."
cfg=${1:?cfg name, e.g. vgg-conv}
sizes=${2:-256}
layers=${3:-10}
rounds=${4:-3}
backend=${5:-onednn}
iters=${ITERS:-5}
warmup=${WARMUP:-2}
arithmetic=${ARITHMETIC:-fast}
source scripts/java-env.sh
shared=../shared
weights=target/synthetic-weights/$cfg.synth.weights
cp_file=dream-engine-cpu/target/bench.classpath
./mvnw -q -pl dream-engine-cpu dependency:build-classpath -Dmdep.outputFile="$PWD/$cp_file" -Dmdep.includeScope=runtime -Dmdep.excludeScope=test
cp="nightmare-cli/target/classes:dream-engine-cpu/target/classes:$(cat "$cp_file")"
java=("$JAVA_HOME/bin/java" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xmx4g -cp "$cp")
if [[ ! -f $weights ]]; then
  mkdir -p "$(dirname "$weights")"
  "${java[@]}" dev.nightmare.cli.Main synth-weights "$shared/models/$cfg.cfg" "$weights" 2>/dev/null
fi
read -r -a variants <<< "${VARIANTS:-}"
[[ ${#variants[@]} -gt 0 ]] || variants=("")
for ((r = 1; r <= rounds; r++)); do
  /usr/bin/python3 "$shared/bench/torch_peer.py" --cfg "$shared/models/$cfg.cfg" --sizes "$sizes" --layers "$layers" \
    --warmup "$warmup" --iters "$iters"
  for options in "${variants[@]}"; do
    "${java[@]}" dev.nightmare.cli.Main bench --cfg "$shared/models/$cfg.cfg" --weights "$weights" --sizes "$sizes" \
      --layers "$layers" --backend "$backend" --arithmetic "$arithmetic" --iters "$iters" --warmup "$warmup" \
      --backend-options "$options" 2>/dev/null | sed "s|^{|{\"options\":\"$options\",|"
  done
done
