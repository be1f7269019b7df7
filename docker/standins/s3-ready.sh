#!/usr/bin/env bash
# The stand-in S3's health check (no `mc` in it): s3proxy answers HTTP on :9000.
exec 3<>/dev/tcp/127.0.0.1/9000 || exit 1
printf 'GET / HTTP/1.0\r\nHost: localhost\r\n\r\n' >&3
IFS= read -r -t 3 status <&3 || exit 1
[[ $status == HTTP/* ]]
