#!/usr/bin/env bash
# The stand-in Kafka's health check (the real image's kafka-broker-api-versions.sh is not in the
# broker's jars): the broker logged that it started, and accepts connections.
grep -q 'Kafka Server started' /tmp/kafka-server.log 2>/dev/null && exec 3<>/dev/tcp/127.0.0.1/9092
