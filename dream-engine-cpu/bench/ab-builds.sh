#!/usr/bin/env bash
# A/B of two builds of this project: `nightmare bench` from checkout A and from checkout B,
# alternating in A B B A order for PAIRS pairs in one run, so both see the same machine load.
# Prints each run's JSON lines tagged with "build":"A"/"B" and "pair":N, then per size the
# median of each build's medians and of the per-pair ratios B/A.
#
#   dream-engine-cpu/bench/ab-builds.sh A_ROOT B_ROOT PAIRS -- BENCH_ARGS...
#   e.g. (A: a worktree of the base commit, both built with
#        ./mvnw -B -o -q -pl nightmare-cli -am package -DskipTests):
#   dream-engine-cpu/bench/ab-builds.sh /work/wt/base . 7 -- --cfg ../shared/models/vgg-conv.cfg \
#     --weights /tmp/vgg-conv.weights --sizes 256,512 --layers 10
set -euo pipefail
a=$(cd "${1:?A checkout}" && pwd)
b=$(cd "${2:?B checkout}" && pwd)
pairs=${3:?pairs}
shift 3
[[ ${1:-} == -- ]] && shift
here=$PWD
out=$(mktemp)
trap 'rm -f "$out"' EXIT
run() { # build-tag root pair
  (cd "$here" && "$2/bin/nightmare" bench "${@:4}" 2>/dev/null) |
    sed "s/^{/{\"build\":\"$1\",\"pair\":$3,\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\",/" | tee -a "$out"
}
for ((p = 1; p <= pairs; p++)); do
  if ((p % 2)); then
    run A "$a" "$p" "$@"
    run B "$b" "$p" "$@"
  else
    run B "$b" "$p" "$@"
    run A "$a" "$p" "$@"
  fi
done
median() { sort -g | awk '{v[NR] = $1} END {print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }
field() { sed -n "s/.*\"$1\":\([^,}]*\).*/\1/p"; }
for size in $(field size < "$out" | sort -un); do
  rows=$(grep "\"size\":$size," "$out")
  ma=$(grep '"build":"A"' <<< "$rows" | field median_s | median)
  mb=$(grep '"build":"B"' <<< "$rows" | field median_s | median)
  ratios=$(for ((p = 1; p <= pairs; p++)); do
    ta=$(grep '"build":"A"' <<< "$rows" | grep "\"pair\":$p," | field median_s)
    tb=$(grep '"build":"B"' <<< "$rows" | grep "\"pair\":$p," | field median_s)
    awk -v a="$ta" -v b="$tb" 'BEGIN {printf "%.3f\n", b / a}'
  done)
  echo "size $size: median A ${ma} s, median B ${mb} s, median B/A $(median <<< "$ratios") (pairs: $(tr '\n' ' ' <<< "$ratios"))"
done
