#!/usr/bin/env bash
# Makes the stand-in base images the container test builds and runs on, from what these machines
# have (no container registry is reachable from them):
#   localhost/nightmare-standin/debian:bookworm  Debian 12 minbase (debootstrap from Debian's archive)
#   localhost/nightmare-standin/jre:25           + a jlink image of $JAVA_HOME at /opt/java/openjdk
#   localhost/nightmare-standin/kafka:4.4.0      + the broker's jars (local-platform/servers)
#   localhost/nightmare-standin/s3:4.1.0         + s3proxy (local-platform/servers)
# For tests only: operators build on the real bases, the Dockerfiles' defaults.
#
#   docker/standins/build.sh [--fresh]
#
# An image whose inputs have not changed is kept (label dev.nightmare.standin.key); the Debian root
# filesystem is cached in $NIGHTMARE_STANDIN_CACHE (default ~/.cache/nightmare-standins).
# --fresh rebuilds everything from nothing (the cold path CI would take). Needs root, podman, runc,
# debootstrap, and the server jars: ./mvnw -pl local-platform/servers package.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"
source "$root/scripts/java-env.sh"
java_home="$JAVA_HOME"
cache="${NIGHTMARE_STANDIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/nightmare-standins}"
mirror="${NIGHTMARE_DEBIAN_MIRROR:-http://deb.debian.org/debian}"
suite=bookworm
servers="$root/local-platform/servers/target"
fresh=0
[[ "${1:-}" == --fresh ]] && fresh=1

say() { printf 'standins: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
for tool in podman debootstrap; do
  command -v "$tool" >/dev/null || die "$tool is missing (apt-get install podman runc debootstrap)"
done
[[ -x "$java_home/bin/jlink" ]] || die "no jlink in $java_home (set JAVA_HOME to a JDK 25)"
[[ -d "$servers/kafka-lib" && -f "$servers/s3proxy/s3proxy.jar" ]] \
  || die "the server jars are not built: ./mvnw -pl local-platform/servers package"

key_of() { sha256sum | cut -c1-16; }
current_key() { podman image inspect --format '{{index .Labels "dev.nightmare.standin.key"}}' "$1" 2>/dev/null || true; }
up_to_date() { [[ $fresh == 0 && "$(current_key "$1")" == "$2" ]]; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# 1. Debian minbase, the root filesystem every stand-in starts from.
debian=localhost/nightmare-standin/debian:$suite
debian_key=$( { echo "$suite $mirror"; sed -n '/^# 1\./,/^# 2\./p' "$0"; } | key_of)
tarball="$cache/debian-$suite-minbase-$debian_key.tar"
if ! up_to_date "$debian" "$debian_key"; then
  if [[ $fresh == 1 || ! -f "$tarball" ]]; then
    say "debootstrap $suite (minbase) from $mirror ..."
    mkdir -p "$cache"
    debootstrap --variant=minbase "$suite" "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
      || { tail -20 "$work/debootstrap.log" >&2; die "debootstrap failed"; }
    # What an image does not need: package caches and lists, documentation, translations.
    rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/* \
      "$work"/rootfs/usr/share/{doc,man,info,locale}/*
    tar -C "$work/rootfs" --numeric-owner -cf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    rm -rf "$work/rootfs"
  fi
  say "importing $debian"
  podman import --change "LABEL dev.nightmare.standin.key=$debian_key" \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' "$tarball" "$debian" >/dev/null 2>"$work/import.log" \
    || { cat "$work/import.log" >&2; die "podman import failed"; }
fi

# 2. The JRE: the modules of a Temurin JRE (every module but the JDK's tools), linked from $JAVA_HOME.
jre=localhost/nightmare-standin/jre:25
jdk_release=$(cat "$java_home/release")
jre_key=$( { echo "$debian_key"; echo "$jdk_release"; cat "$here/jre.Dockerfile"; sed -n '/^# 2\./,/^# 3\./p' "$0"; } | key_of)
if ! up_to_date "$jre" "$jre_key"; then
  tools='^(java\.compiler|jdk\.(compiler|javadoc|jartool|jdeps|jlink|jpackage|jshell|editpad|jconsole|jdi|jdwp\.agent|jstatd|jcmd|hotspot\.agent|graal\.compiler|graal\.compiler\.management|internal\.(ed|le|opt|md|vm\.ci)))$'
  modules=$("$java_home/bin/java" --list-modules | sed 's/@.*//' | grep -Ev "$tools" | paste -sd, -)
  say "jlink $(grep -o 'JAVA_RUNTIME_VERSION="[^"]*"' "$java_home/release") ($(tr , "\n" <<<"$modules" | wc -l) modules)"
  "$java_home/bin/jlink" --add-modules "$modules" --output "$work/jre" --strip-debug --no-man-pages \
    --no-header-files --generate-cds-archive 2>&1 | grep -v 'incubator modules' >&2 || true
  [[ -x "$work/jre/bin/java" ]] || die "jlink failed"
  podman build --quiet --label "dev.nightmare.standin.key=$jre_key" --build-arg "DEBIAN_IMAGE=$debian" \
    -f "$here/jre.Dockerfile" -t "$jre" "$work" >/dev/null
  rm -rf "$work/jre"
fi

# 3. Kafka and S3, from the jars the local platform runs.
build_server() { # IMAGE DOCKERFILE INPUT-DIR...
  local image=$1 dockerfile=$2; shift 2
  local ctx="$work/$(basename "$dockerfile" .Dockerfile)" key
  mkdir -p "$ctx"
  for input in "$@"; do cp -r "$input" "$ctx/"; done
  cp "$here"/*.sh "$ctx/"
  key=$( { echo "$jre_key"; cat "$dockerfile"; cd "$ctx" && find . -type f -printf '%p %s\n' | sort; cat ./*.sh; } | key_of)
  if ! up_to_date "$image" "$key"; then
    say "building $image"
    podman build --quiet --label "dev.nightmare.standin.key=$key" --build-arg "JRE_IMAGE=$jre" \
      -f "$dockerfile" -t "$image" "$ctx" >/dev/null
  fi
  rm -rf "$ctx"
}
build_server localhost/nightmare-standin/kafka:4.4.0 "$here/kafka.Dockerfile" "$servers/kafka-lib"
build_server localhost/nightmare-standin/s3:4.1.0 "$here/s3.Dockerfile" "$servers/s3proxy"

podman images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep nightmare-standin >&2
