#!/usr/bin/env bash
# The stand-in S3 image's start: MinIO's `server DIR` and root credentials, served by s3proxy's
# filesystem backend on :9000 with AWS v2/v4 signatures checked.
set -euo pipefail
if [[ "${1:-}" != server || -z "${2:-}" ]]; then
  echo "usage: server DIR (the stand-in takes MinIO's command)" >&2
  exit 2
fi
user="${MINIO_ROOT_USER:-minioadmin}"
password="${MINIO_ROOT_PASSWORD:-minioadmin}"
mkdir -p "$2"
umask 077
cat >/tmp/s3proxy.properties <<PROPS
s3proxy.endpoint=http://0.0.0.0:9000
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$user
s3proxy.credential=$password
jclouds.provider=filesystem
jclouds.identity=$user
jclouds.credential=$password
jclouds.filesystem.basedir=$2
PROPS
exec java ${S3PROXY_JAVA_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xmx256m} -jar /opt/s3proxy/s3proxy.jar --properties /tmp/s3proxy.properties
