#!/usr/bin/env bash
# Builds the images and runs the composed system with Podman (deployment-checks ContainersIT):
# stand-in bases made here, the three service images (and the CUDA worker's stages that need no
# CUDA base) built from docker/*.Dockerfile, each checked, then docker/compose.yaml run end to end,
# with a worker killed mid-job and a down + up. Figures: deployment-checks/target/containers/report.md.
#
#   docker/test-containers.sh [--fresh] [--keep]
#
# --fresh  rebuild the stand-in bases from nothing (the cold path; otherwise they are cached)
# --keep   leave the composed system running afterwards (project nightmare-ctest)
# Installs what it needs when run as root on Debian: podman runc debootstrap and the CNI DNS plugin.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
source "$root/scripts/java-env.sh"
props=(-Dnightmare.containers=true)
for arg in "$@"; do
  case "$arg" in
    --fresh) props+=(-Dnightmare.containers.fresh=true) ;;
    --keep) props+=(-Dnightmare.containers.keep=true) ;;
    *) echo "usage: docker/test-containers.sh [--fresh] [--keep]" >&2; exit 2 ;;
  esac
done
packages=(podman runc debootstrap golang-github-containernetworking-plugin-dnsname)
if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null \
    || [[ ! -e /usr/lib/cni/dnsname ]]; then
  echo "test-containers: installing ${packages[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
fi
start=$SECONDS
./mvnw -B -q -pl local-platform/servers,gateway-service,model-store,dream-worker -am package -DskipTests
echo "test-containers: services packaged in $((SECONDS - start)) s"
./mvnw -B -pl deployment-checks verify -Dit.test=ContainersIT -Dtest=NoUnitTests -Dsurefire.failIfNoSpecifiedTests=false "${props[@]}"
