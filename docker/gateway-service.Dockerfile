# gateway-service (Quarkus, JVM). Build the app first: ./mvnw -pl gateway-service -am package -DskipTests
# then, from the repository root: docker build -f docker/gateway-service.Dockerfile -t nightmare/gateway-service:0.1.0 .
# The base is a build argument so a test can build this same file on a stand-in; the default is
# the image operators build on.
ARG JRE_IMAGE=eclipse-temurin:25.0.1_8-jre-noble
FROM ${JRE_IMAGE}
RUN groupadd --system --gid 10001 nightmare \
 && useradd --system --uid 10001 --gid nightmare --home-dir /app --shell /usr/sbin/nologin nightmare
WORKDIR /app
COPY --chown=10001:10001 docker/healthcheck.sh /usr/local/bin/healthcheck
COPY --chown=10001:10001 gateway-service/target/quarkus-app/lib/ /app/lib/
COPY --chown=10001:10001 gateway-service/target/quarkus-app/*.jar /app/
COPY --chown=10001:10001 gateway-service/target/quarkus-app/app/ /app/app/
COPY --chown=10001:10001 gateway-service/target/quarkus-app/quarkus/ /app/quarkus/
USER 10001
EXPOSE 8080
ENV JAVA_OPTS="-Xmx512m -XX:MaxDirectMemorySize=128m -XX:MaxMetaspaceSize=160m -Djava.util.logging.manager=org.jboss.logmanager.LogManager" \
    QUARKUS_HTTP_PORT=8080 \
    QUARKUS_LOG_CONSOLE_JSON_ENABLED=true
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 CMD ["healthcheck", "8080", "/q/health/live"]
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]
