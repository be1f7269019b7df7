#!/usr/bin/env bash
# Local platform: a real Kafka broker and a real S3 server (s3proxy) on 127.0.0.1, as background
# processes with data, logs, pids and addresses under run/ (see local-platform/README.md).
#
#   scripts/platform.sh start    # Kafka on 127.0.0.1:9092, S3 on http://127.0.0.1:9000
#   scripts/platform.sh status   # exit 0 only if both run
#   scripts/platform.sh stop     # SIGTERM, SIGKILL after 30 s; frees both ports
#
# Environment: NIGHTMARE_RUN_DIR (default <repo>/run), NIGHTMARE_KAFKA_PORT (9092),
# NIGHTMARE_S3_PORT (9000), NIGHTMARE_S3_ACCESS_KEY (nightmare), NIGHTMARE_S3_SECRET_KEY
# (nightmare-secret), JAVA_HOME (default: Temurin 25).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/scripts/java-env.sh"

command="${1:-}"
case "$command" in
  start|stop|status) ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac

classes="$root/local-platform/target/classes"
if [[ ! -f "$classes/dev/nightmare/platform/Platform.class" || ! -d "$root/local-platform/servers/target/kafka-lib" ]]; then
  echo "building local-platform (first use)..." >&2
  (cd "$root" && ./mvnw -q -pl local-platform -am install -DskipTests)
fi

args=(--dir "${NIGHTMARE_RUN_DIR:-$root/run}")
if [[ "$command" == start ]]; then
  args+=(--kafka-port "${NIGHTMARE_KAFKA_PORT:-9092}" --s3-port "${NIGHTMARE_S3_PORT:-9000}"
         --access-key "${NIGHTMARE_S3_ACCESS_KEY:-nightmare}" --secret-key "${NIGHTMARE_S3_SECRET_KEY:-nightmare-secret}")
fi
exec "$java" -cp "$classes" dev.nightmare.platform.Platform "$command" "${args[@]}"
