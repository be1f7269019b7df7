# dream-worker on CPUs (oneDNN backend; the Vector API backend where oneDNN cannot load).
# Build the app first: ./mvnw -pl dream-worker -am package -DskipTests
# then, from the repository root: docker build -f docker/dream-worker.Dockerfile -t nightmare/dream-worker:0.1.0 .
FROM eclipse-temurin:25.0.1_8-jre-noble
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
ENV JAVA_OPTS="-XX:MaxRAMPercentage=75 --add-modules=jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Djava.util.logging.manager=org.jboss.logmanager.LogManager" \
    QUARKUS_HTTP_PORT=8083 \
    QUARKUS_LOG_CONSOLE_JSON_ENABLED=true \
    NIGHTMARE_WORKER_MODEL_CACHE_DIR=/cache/models
HEALTHCHECK --interval=20s --timeout=3s --start-period=120s --retries=3 CMD ["healthcheck", "8083", "/q/health/live"]
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]
