#!/usr/bin/env bash
# The GPU check as the device tool runs it (at most 8 files come back from $OUT, none deeper than
# two folders): runs gpu-check.sh into a scratch folder, then returns summary.txt, check.log and
# one tarball of everything (stage logs, JUnit reports, bench.tsv, golden report, scream JPEGs).
#
#   run(command: "bash dream-engine-cuda/scripts/gpu-device-run.sh", carry: [".gpu-pack"], timeout_s: 600)
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
dest="${OUT:?OUT must name the folder that comes back}"
scratch="${NIGHTMARE_GPU_SCRATCH:-/tmp/nightmare-gpu-out}"
rm -rf "$scratch" && mkdir -p "$scratch"
OUT="$scratch" timeout --kill-after=5 "${GPU_CHECK_LIMIT:-570}" bash "$root/dream-engine-cuda/scripts/gpu-check.sh"
rc=$?
cp "$scratch/summary.txt" "$scratch/check.log" "$dest/" 2>/dev/null
tar -C "$scratch" -czf "$dest/gpu-check.tgz" .
exit "$rc"
