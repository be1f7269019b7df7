#!/usr/bin/env bash
# Dreams an image through the running system (scripts/run-local.sh): HTTP → Kafka → worker → S3 →
# HTTP, and saves every round under run/demo/<job id>/. Needs curl.
#
#   scripts/demo.sh [IMAGE] [OPTIONS-JSON]
#
# Without IMAGE a test pattern is generated (nightmare pattern). OPTIONS-JSON defaults to the tiny
# model, layer 12, 3 rounds of 5 iterations.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
url="${NIGHTMARE_URL:-http://127.0.0.1:${NIGHTMARE_GATEWAY_PORT:-8080}}"
key="${NIGHTMARE_API_KEY:-local-dev-key-0123456789}"
options="${2:-{\"model\":\"tiny\",\"layer\":12,\"rounds\":3,\"iters\":5}}"

image="${1:-}"
if [[ -z "$image" ]]; then
  mkdir -p run/demo
  image=run/demo/pattern.png
  bin/nightmare pattern "$image" --size 256 >/dev/null
  echo "no image given: dreaming on a test pattern ($image)"
fi
[[ -f "$image" ]] || { echo "demo: $image does not exist" >&2; exit 2; }

auth=(-H "Authorization: Bearer $key")
response=$(curl -sS -w '\n%{http_code}' "${auth[@]}" -F "image=@$image" -F "options=$options" "$url/v1/nightmares")
code=${response##*$'\n'}
body=${response%$'\n'*}
if [[ "$code" != 202 ]]; then
  echo "demo: the gateway answered $code: $body" >&2
  exit 1
fi
id=$(grep -o '"id":"[0-9a-f]*"' <<<"$body" | head -1 | cut -d'"' -f4)
rounds=$(grep -o '"rounds":[0-9]*' <<<"$options" | cut -d: -f2)
echo "job $id accepted; following it..."

out="run/demo/$id"
mkdir -p "$out"
state=queued
saved=0
while true; do
  status=$(curl -sS "${auth[@]}" "$url/v1/nightmares/$id")
  state=$(grep -o '"state":"[a-z]*"' <<<"$status" | head -1 | cut -d'"' -f4)
  done_rounds=$(grep -o '"roundsDone":[0-9]*' <<<"$status" | head -1 | cut -d: -f2)
  while (( saved < ${done_rounds:-0} )); do
    file="$out/round-$(printf %06d "$saved")"
    curl -sS -f "${auth[@]}" -D "$file.headers" -o "$file.img" "$url/v1/nightmares/$id/rounds/$saved"
    ext=jpg; grep -qi 'content-type: image/png' "$file.headers" && ext=png
    mv "$file.img" "$file.$ext"; rm -f "$file.headers"
    echo "  round $saved → $file.$ext"
    saved=$((saved + 1))
  done
  case "$state" in
    succeeded) echo "succeeded: ${rounds:-$saved} round(s) in $out/"; exit 0 ;;
    failed|canceled) echo "job $state: $status" >&2; exit 1 ;;
  esac
  sleep 1
done
