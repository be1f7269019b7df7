#!/usr/bin/env bash
# The whole Nightmare system on this machine, one command, embedded defaults:
#   a real Kafka broker and S3 server (scripts/platform.sh), the model-store, the gateway and one
#   dream worker, each its own process on 127.0.0.1. Ctrl-C stops everything; a second run starts
#   cleanly.
#
#   scripts/run-local.sh            # build what is needed, start, print the web page URL
#   scripts/demo.sh [IMAGE]         # in another terminal: dream an image through HTTP, save rounds
#
# Models: the model-store serves every NAME.cfg + NAME.weights pair in models/ (git-ignored; put
# darknet's vgg-conv.weights / jnet-conv.weights there with their cfgs) and the tiny model from
# ../shared/models when present.
#
# Environment: NIGHTMARE_API_KEY (local-dev-key-0123456789), NIGHTMARE_SKIP_BUILD=1 (use the last
# build), NIGHTMARE_GATEWAY_PORT (8080), NIGHTMARE_MODEL_STORE_PORT (8082), NIGHTMARE_WORKER_PORT
# (8083), NIGHTMARE_KAFKA_PORT (9092), NIGHTMARE_S3_PORT (9000), NIGHTMARE_WORKER_BACKEND (auto),
# NIGHTMARE_WEBHOOK_SECRET (webhooks to 127.0.0.1 are signed with it; whsec_bG9jYWwtcnVuLXdlYmhvb2stc2VjcmV0).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source "$root/scripts/java-env.sh"

run="$root/run/local"
logs="$run/logs"
key="${NIGHTMARE_API_KEY:-local-dev-key-0123456789}"
gateway_port="${NIGHTMARE_GATEWAY_PORT:-8080}"
store_port="${NIGHTMARE_MODEL_STORE_PORT:-8082}"
worker_port="${NIGHTMARE_WORKER_PORT:-8083}"
export NIGHTMARE_KAFKA_PORT="${NIGHTMARE_KAFKA_PORT:-9092}"
export NIGHTMARE_S3_PORT="${NIGHTMARE_S3_PORT:-9000}"
s3_access=nightmare
s3_secret=nightmare-secret
# Webhooks go only to 127.0.0.1 (a receiver on this machine); signed with this Standard Webhooks secret.
webhook_secret="${NIGHTMARE_WEBHOOK_SECRET:-whsec_bG9jYWwtcnVuLXdlYmhvb2stc2VjcmV0}"

say() { printf '\033[1mnightmare:\033[0m %s\n' "$*"; }
die() { say "$*" >&2; exit 1; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for p in "$gateway_port" "$store_port" "$worker_port" "$NIGHTMARE_KAFKA_PORT" "$NIGHTMARE_S3_PORT"; do
  if port_busy "$p"; then
    die "port $p is already in use (another run? stop it with Ctrl-C, or scripts/platform.sh stop); set NIGHTMARE_*_PORT to move"
  fi
done

if [[ "${NIGHTMARE_SKIP_BUILD:-0}" != 1 ]]; then
  say "building the services (the first build downloads dependencies and takes a few minutes)..."
  ./mvnw -q -pl local-platform,model-store,gateway-service,dream-worker,nightmare-cli -am install -DskipTests
fi
for app in model-store gateway-service dream-worker; do
  [[ -f "$app/target/quarkus-app/quarkus-run.jar" ]] || die "$app is not built; run without NIGHTMARE_SKIP_BUILD"
done

# Models: ../shared's tiny model plus the user's models/ directory.
mkdir -p "$logs" "$run/models" "$root/models"
find "$run/models" -maxdepth 1 -type l -delete
link_model() { # CFG WEIGHTS
  local name; name="$(basename "$1" .cfg)"
  ln -sfn "$(realpath "$1")" "$run/models/$name.cfg"
  ln -sfn "$(realpath "$2")" "$run/models/$name.weights"
  # How to present it: a NAME.json beside the cfg, else the project's own (model-metadata/).
  if [[ -f "${1%.cfg}.json" ]]; then
    ln -sfn "$(realpath "${1%.cfg}.json")" "$run/models/$name.json"
  elif [[ -f "$root/model-metadata/$name.json" ]]; then
    ln -sfn "$root/model-metadata/$name.json" "$run/models/$name.json"
  fi
  return 0
}
declare -A expected_bytes=([vgg-conv]=58858772 [jnet-conv]=75480212)
if [[ -f ../shared/models/tiny.cfg && -f ../shared/models/tiny.weights ]]; then
  link_model ../shared/models/tiny.cfg ../shared/models/tiny.weights
fi
for cfg in "$root"/models/*.cfg; do
  [[ -e "$cfg" ]] || continue
  name="$(basename "$cfg" .cfg)"; weights="${cfg%.cfg}.weights"
  if [[ ! -f "$weights" ]]; then say "models/$name.cfg has no models/$name.weights; skipped"; continue; fi
  size=$(stat -c %s "$weights")
  if [[ -n "${expected_bytes[$name]:-}" && "$size" != "${expected_bytes[$name]}" ]]; then
    say "warning: models/$name.weights is $size bytes, darknet's is ${expected_bytes[$name]}: the store will report it broken"
  fi
  link_model "$cfg" "$weights"
done
models=$(find "$run/models" -maxdepth 1 -name '*.cfg' -printf '%f\n' | sed 's/\.cfg$//' | sort | paste -sd, -)
[[ -n "$models" ]] || die "no models: put NAME.cfg + NAME.weights in models/ (see README.md)"
# A request with only an image uses the real tiny model when it is here, else the first model.
default_model=$([[ ",$models," == *,tiny,* ]] && echo tiny || echo "${models%%,*}")

pids=()
stop_all() {
  trap - INT TERM EXIT
  say "stopping..."
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  scripts/platform.sh stop >/dev/null 2>&1 || true
  say "stopped; logs are in ${logs#$root/}"
  exit "${1:-0}"
}
trap 'stop_all 130' INT
trap 'stop_all 143' TERM
trap 'stop_all $?' EXIT

wait_ready() { # NAME PORT PID
  local deadline=$((SECONDS + 180))
  until curl -fsS "http://127.0.0.1:$2/q/health/ready" >/dev/null 2>&1; do
    kill -0 "$3" 2>/dev/null || die "$1 exited during start-up; see ${logs#$root/}/$1.log"
    (( SECONDS < deadline )) || die "$1 was not ready within 3 minutes; see ${logs#$root/}/$1.log"
    sleep 1
  done
  say "$1 ready on http://127.0.0.1:$2"
}

jvm=(-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xshare:auto)
# Each service's stated memory bound (docs/reliability.md), the same as in docker/ and k8s/.
store_memory=(-Xmx256m -XX:MaxMetaspaceSize=128m -XX:MaxDirectMemorySize=64m)
gateway_memory=(-Xmx512m -XX:MaxMetaspaceSize=160m -XX:MaxDirectMemorySize=128m)
worker_memory=(-Xmx1g -XX:MaxMetaspaceSize=192m -XX:MaxDirectMemorySize=256m)
s3=(-Dnightmare.s3.endpoint="http://127.0.0.1:$NIGHTMARE_S3_PORT" -Dnightmare.s3.access-key="$s3_access"
    -Dnightmare.s3.secret-key="$s3_secret" -Dnightmare.s3.region=us-east-1)

say "starting Kafka and S3..."
scripts/platform.sh start >"$logs/platform.log" 2>&1 || { cat "$logs/platform.log" >&2; die "the local platform did not start"; }

"$java" "${jvm[@]}" "${store_memory[@]}" -Dquarkus.http.port="$store_port" -Dnightmare.model-store.models-dir="$run/models" \
  -Dnightmare.model-store.data-dir="$run/model-store" -Dnightmare.model-store.auth.enabled=false \
  -jar model-store/target/quarkus-app/quarkus-run.jar >"$logs/model-store.log" 2>&1 &
pids+=($!); wait_ready model-store "$store_port" "${pids[-1]}"


# oneDNN's threads spin only briefly between primitives (libgomp reads this at start only; dream-engine-cpu/README.md).
GOMP_SPINCOUNT="${GOMP_SPINCOUNT:-30000}" \
  "$java" "${worker_memory[@]}" --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED \
  -Dquarkus.http.port="$worker_port" -Dkafka.bootstrap.servers="127.0.0.1:$NIGHTMARE_KAFKA_PORT" "${s3[@]}" \
  -Dnightmare.model-store.url="http://127.0.0.1:$store_port" -Dnightmare.worker.models="$models" \
  -Dnightmare.worker.model-cache-dir="$run/model-cache" -Dnightmare.worker.kafka.create-topics=true -Dnightmare.worker.backend.name="${NIGHTMARE_WORKER_BACKEND:-auto}" \
  -jar dream-worker/target/quarkus-app/quarkus-run.jar >"$logs/dream-worker.log" 2>&1 &
pids+=($!); wait_ready dream-worker "$worker_port" "${pids[-1]}"

# The worker created the topics; the gateway is ready once it reads every partition of them.
"$java" "${jvm[@]}" "${gateway_memory[@]}" -Dquarkus.http.port="$gateway_port" -Dkafka.bootstrap.servers="127.0.0.1:$NIGHTMARE_KAFKA_PORT" \
  "${s3[@]}" -Dnightmare.model-store.url="http://127.0.0.1:$store_port" -Dnightmare.auth.keys.local="$key" \
  -Dnightmare.jobs.id-secret=local-run-only-secret -Dnightmare.kafka.backlog-interval=PT5S \
  -Dnightmare.defaults.model="$default_model" -Dnightmare.share.public-base-url="http://127.0.0.1:$gateway_port" \
  -Dnightmare.image-urls.allowed-hosts=127.0.0.1 \
  -Dnightmare.webhooks.allowed-hosts=127.0.0.1 -Dnightmare.webhooks.secret="$webhook_secret" \
  -jar gateway-service/target/quarkus-app/quarkus-run.jar >"$logs/gateway.log" 2>&1 &
pids+=($!); wait_ready gateway "$gateway_port" "${pids[-1]}"

cat <<MSG

  Nightmare is running.
    web page        http://127.0.0.1:$gateway_port/      (API key: $key)
    API docs        http://127.0.0.1:$gateway_port/q/swagger-ui
    webhooks        to http://127.0.0.1:<port>/… only, secret $webhook_secret
    models          $models
    logs            ${logs#$root/}/
  Dream from another terminal:  scripts/demo.sh [IMAGE]
  Ctrl-C stops everything.

MSG
wait -n "${pids[@]}" || true
say "a service exited unexpectedly; see ${logs#$root/}/"
exit 1
