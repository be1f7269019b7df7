# model-store (Quarkus, JVM). Build the app first: ./mvnw -pl model-store -am package -DskipTests
# then, from the repository root: docker build -f docker/model-store.Dockerfile -t nightmare/model-store:0.1.0 .
# The base is a build argument so a test can build this same file on a stand-in; the default is
# the image operators build on.
ARG JRE_IMAGE=eclipse-temurin:25.0.1_8-jre-noble
FROM ${JRE_IMAGE}
RUN groupadd --system --gid 10001 nightmare \
 && useradd --system --uid 10001 --gid nightmare --home-dir /app --shell /usr/sbin/nologin nightmare
WORKDIR /app
COPY --chown=10001:10001 docker/healthcheck.sh /usr/local/bin/healthcheck
COPY --chown=10001:10001 model-store/target/quarkus-app/lib/ /app/lib/
COPY --chown=10001:10001 model-store/target/quarkus-app/*.jar /app/
COPY --chown=10001:10001 model-store/target/quarkus-app/app/ /app/app/
COPY --chown=10001:10001 model-store/target/quarkus-app/quarkus/ /app/quarkus/
USER 10001
EXPOSE 8082
ENV JAVA_OPTS="-Xmx256m -XX:MaxDirectMemorySize=64m -XX:MaxMetaspaceSize=128m -Djava.util.logging.manager=org.jboss.logmanager.LogManager" \
    QUARKUS_HTTP_PORT=8082 \
    QUARKUS_LOG_CONSOLE_JSON_ENABLED=true
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 CMD ["healthcheck", "8082", "/q/health/live"]
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]
