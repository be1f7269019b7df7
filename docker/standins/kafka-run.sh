#!/usr/bin/env bash
# The stand-in Kafka image's start: apache/kafka's contract, from the broker's jars.
#   KAFKA_FOO_BAR=v -> foo.bar=v ("__" -> "_", "___" -> "-"), as the real image renders them;
#   CLUSTER_ID defaults to the real image's default; storage is formatted on first start only.
# Not the real image's scripts: the JVM settings are the local platform's measured ones (C1, serial
# GC, 512 MB heap) unless KAFKA_HEAP_OPTS / KAFKA_JVM_PERFORMANCE_OPTS say otherwise.
set -euo pipefail
config=/opt/kafka/config/server.properties
: >"$config"
not_properties=" KAFKA_VERSION KAFKA_HEAP_OPTS KAFKA_LOG4J_OPTS KAFKA_OPTS KAFKA_JMX_OPTS KAFKA_JVM_PERFORMANCE_OPTS KAFKA_GC_LOG_OPTS KAFKA_LOG4J_ROOT_LOGLEVEL KAFKA_LOG4J_LOGGERS KAFKA_TOOLS_LOG4J_LOGLEVEL KAFKA_JMX_HOSTNAME KAFKA_JMX_PORT "
for name in $(compgen -e | grep '^KAFKA_' || true); do
  [[ $not_properties == *" $name "* ]] && continue
  key=$(sed -e 's/^KAFKA_//' -e 's/___/-/g' -e 's/__/\x01/g' -e 's/_/./g' -e 's/\x01/_/g' <<<"$name" | tr '[:upper:]' '[:lower:]')
  printf '%s=%s\n' "$key" "${!name}" >>"$config"
done

cat >/opt/kafka/config/log4j2.properties <<'LOG'
status = warn
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = /tmp/kafka-server.log
appender.file.append = false
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.out.ref = OUT
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
LOG

jvm=(${KAFKA_HEAP_OPTS:--Xmx512m} ${KAFKA_JVM_PERFORMANCE_OPTS:--XX:TieredStopAtLevel=1 -XX:+UseSerialGC}
     -Djava.awt.headless=true -Dlog4j2.configurationFile=/opt/kafka/config/log4j2.properties ${KAFKA_OPTS:-}
     -cp '/opt/kafka/libs/*')
if [[ -n "${KAFKA_PROCESS_ROLES:-}" ]]; then
  export CLUSTER_ID="${CLUSTER_ID:-5L6g3nShT-eMCtK--X86sw}"
  java "${jvm[@]}" kafka.tools.StorageTool format --ignore-formatted --cluster-id "$CLUSTER_ID" --config "$config"
fi
exec java "${jvm[@]}" kafka.Kafka "$config"
