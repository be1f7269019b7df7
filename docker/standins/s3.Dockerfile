# Stand-in for MinIO, for the container test only: s3proxy 4.1.0 (the jar local-platform/servers
# resolves; the S3 server the tests and the local run use) on the JRE stand-in, taking MinIO's
# command (`server DIR`) and MINIO_ROOT_USER / MINIO_ROOT_PASSWORD. Built by build.sh.
ARG JRE_IMAGE=localhost/nightmare-standin/jre:25
FROM ${JRE_IMAGE}
COPY s3proxy/s3proxy.jar /opt/s3proxy/s3proxy.jar
COPY s3-run.sh /usr/local/bin/s3-run
COPY s3-ready.sh /usr/local/bin/s3-ready
EXPOSE 9000
VOLUME ["/data"]
ENTRYPOINT ["/usr/local/bin/s3-run"]
CMD ["server", "/data"]
