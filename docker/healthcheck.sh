#!/bin/bash
# Container health check without curl: an HTTP/1.0 GET over bash's /dev/tcp; healthy on a 200.
# usage: healthcheck.sh PORT PATH
exec 3<>"/dev/tcp/127.0.0.1/${1:-8080}" || exit 1
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\n\r\n' "${2:-/q/health/live}" >&3
IFS= read -r -t 2 status <&3 || exit 1
[[ $status == *" 200 "* ]]
