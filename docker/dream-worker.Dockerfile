# dream-worker on CPUs (oneDNN backend; the Vector API backend where oneDNN cannot load).
# Build the app first: ./mvnw -pl dream-worker -am package -DskipTests
# then, from the repository root: docker build -f docker/dream-worker.Dockerfile -t nightmare/dream-worker:0.1.0 .
# The base is a build argument so a test can build this same file on a stand-in; the default is
# the image operators build on.
ARG JRE_IMAGE=eclipse-temurin:25.0.1_8-jre-noble
FROM ${JRE_IMAGE}
RUN groupadd --system --gid 10001 nightmare \
 && useradd --system --uid 10001 --gid nightmare --home-dir /app --shell /usr/sbin/nologin nightmare \
 && mkdir -p /cache && chown 10001:10001 /cache
WORKDIR /app
COPY --chown=10001:10001 docker/healthcheck.sh /usr/local/bin/healthcheck
COPY --chown=10001:10001 dream-worker/target/quarkus-app/lib/ /app/lib/
COPY --chown=10001:10001 dream-worker/target/quarkus-app/*.jar /app/
COPY --chown=10001:10001 dream-worker/target/quarkus-app/app/ /app/app/
COPY --chown=10001:10001 dream-worker/target/quarkus-app/quarkus/ /app/quarkus/
USER 10001
EXPOSE 8083
ENV JAVA_OPTS="-Xmx1g -XX:MaxDirectMemorySize=256m -XX:MaxMetaspaceSize=192m --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.util.logging.manager=org.jboss.logmanager.LogManager" \
    QUARKUS_HTTP_PORT=8083 \
    GOMP_SPINCOUNT=30000 \
    QUARKUS_LOG_CONSOLE_JSON_ENABLED=true \
    NIGHTMARE_WORKER_MODEL_CACHE_DIR=/cache/models
HEALTHCHECK --interval=20s --timeout=3s --start-period=120s --retries=3 CMD ["healthcheck", "8083", "/q/health/live"]
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]
