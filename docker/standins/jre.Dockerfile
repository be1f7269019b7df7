# Stand-in for eclipse-temurin:25-jre, for the container test only: a jlink image of this
# machine's Temurin 25 JDK (the modules of a Temurin JRE) at the path the real base uses, on the
# Debian stand-in root filesystem. Built by docker/standins/build.sh; never pushed.
ARG DEBIAN_IMAGE=localhost/nightmare-standin/debian:bookworm
FROM ${DEBIAN_IMAGE}
COPY jre/ /opt/java/openjdk/
ENV JAVA_HOME=/opt/java/openjdk \
    PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8
