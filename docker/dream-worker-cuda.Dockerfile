# dream-worker on an NVIDIA GPU: CUDA 12 runtime with cuDNN 8, the API JCudnn 11.7 binds to (no
# compatibility library needed here), and a Temurin 25 JRE copied in. Falls back to the CPU
# backend, with one log line saying why, when no GPU is visible.
# Build the app first: ./mvnw -pl dream-worker -am package -DskipTests
# then: docker build -f docker/dream-worker-cuda.Dockerfile -t nightmare/dream-worker-cuda:0.1.0 .
# The bases are build arguments so a test can build this same file on stand-ins; the defaults are
# the images operators build on.
ARG JRE_IMAGE=eclipse-temurin:25.0.1_8-jre-jammy
ARG CUDA_IMAGE=nvidia/cuda:12.2.2-cudnn8-runtime-ubuntu22.04
FROM ${JRE_IMAGE} AS jre

FROM ${CUDA_IMAGE}
ENV JAVA_HOME=/opt/java/openjdk
ENV PATH=$JAVA_HOME/bin:$PATH
COPY --from=jre /opt/java/openjdk /opt/java/openjdk
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
    NIGHTMARE_WORKER_MODEL_CACHE_DIR=/cache/models \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility
HEALTHCHECK --interval=20s --timeout=3s --start-period=120s --retries=3 CMD ["healthcheck", "8083", "/q/health/live"]
ENTRYPOINT ["sh", "-c", "exec java $JAVA_OPTS -jar /app/quarkus-run.jar"]
