# Stand-in for apache/kafka:4.4.0, for the container test only: the same broker (the jars
# local-platform/servers resolves: kafka_2.13 4.4.0 and its dependencies) on the JRE stand-in,
# with the real image's contract: configured from KAFKA_* variables, KRaft storage formatted once
# with CLUSTER_ID, user appuser (1000), data in /var/lib/kafka/data. Built by build.sh.
ARG JRE_IMAGE=localhost/nightmare-standin/jre:25
FROM ${JRE_IMAGE}
RUN groupadd --gid 1000 appuser \
 && useradd --uid 1000 --gid 1000 --create-home --home-dir /home/appuser --shell /bin/bash appuser \
 && mkdir -p /opt/kafka/libs /opt/kafka/config /etc/kafka/docker /var/lib/kafka/data \
 && chown -R appuser:root /opt/kafka/config /var/lib/kafka \
 && chmod -R ug+w /opt/kafka/config /var/lib/kafka
COPY kafka-lib/ /opt/kafka/libs/
COPY kafka-run.sh /etc/kafka/docker/run
COPY kafka-ready.sh /usr/local/bin/kafka-ready
USER appuser
EXPOSE 9092
CMD ["/etc/kafka/docker/run"]
