#!/usr/bin/env bash
# `make images`: builds raftkv-node and raftkv-operator with buildah from Dockerfile.node and
# Dockerfile.operator, offline: the base image comes from Debian's packages (build-base.sh) and the
# jars from the local Maven build (node/target/raftkv-node.jar, operator/target/raftkv-operator.jar;
# built first when missing). Tags IMAGE_REGISTRY/raftkv-{node,operator}:VERSION and prints sizes.
#
# Environment: IMAGE_REGISTRY (default raftkv), VERSION (default: the Maven project version),
# BASE_IMAGE (default: the image build-base.sh makes), IMAGE_SOURCE (the source label; default
# the git remote "origin", else "unknown"), MVN (default "mvn -B").
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$REPO_ROOT"

IMAGE_REGISTRY="${IMAGE_REGISTRY:-raftkv}"
MVN="${MVN:-mvn -B}"
project_version=$(sed -n '/<parent>/,/<\/parent>/d; s:.*<version>\(.*\)</version>.*:\1:p' pom.xml | head -1)
VERSION="${VERSION:-$project_version}"
REVISION=$(git rev-parse HEAD 2> /dev/null || echo unknown)
if [[ $REVISION != unknown ]] && ! git diff --quiet HEAD -- 2> /dev/null; then
  REVISION="$REVISION-dirty"
fi
IMAGE_SOURCE="${IMAGE_SOURCE:-$(git config --get remote.origin.url 2> /dev/null || echo unknown)}"

ensure_container_tools
ensure_packages unzip:unzip
BASE_IMAGE="${BASE_IMAGE:-$("$IMAGES_DIR/build-base.sh")}"

NODE_JAR=node/target/raftkv-node.jar
CLI_JAR=cli/target/raftkvctl-thin.jar
OPERATOR_JAR=operator/target/raftkv-operator.jar
if [[ ! -f $NODE_JAR || ! -f $CLI_JAR || ! -f $OPERATOR_JAR ]]; then
  log "building the jars (mvn package -pl node,cli,operator -am)"
  $MVN -q -pl node,cli,operator -am package -DskipTests
fi

# The "prebuilt" stage's inputs: the jars, and RocksDB's JNI library extracted from the node jar.
rm -rf target/images
mkdir -p target/images/node/native target/images/operator
cp "$NODE_JAR" target/images/node/raftkv-node.jar
cp "$CLI_JAR" target/images/node/raftkvctl-thin.jar
unzip -q -o -d target/images/node/native "$NODE_JAR" librocksdbjni-linux64.so
cp "$OPERATOR_JAR" target/images/operator/raftkv-operator.jar

build() { # build NAME DOCKERFILE
  local name=$1 dockerfile=$2 tag="$IMAGE_REGISTRY/$1:$VERSION" start
  start=$(date +%s)
  log "buildah bud $dockerfile -> $tag (base $BASE_IMAGE)"
  # --format docker: the OCI image format has no HEALTHCHECK. --pull-never: nothing comes from a
  # registry. --network none: no RUN step needs the network.
  buildah bud --quiet --format docker --pull-never --network none --layers \
    -f "$dockerfile" \
    --build-arg BASE_IMAGE="$BASE_IMAGE" --build-arg JARS=prebuilt \
    --build-arg VERSION="$VERSION" --build-arg REVISION="$REVISION" --build-arg SOURCE="$IMAGE_SOURCE" \
    -t "$tag" . > /dev/null
  log "built $tag in $(( $(date +%s) - start )) s"
}
build raftkv-node Dockerfile.node
build raftkv-operator Dockerfile.operator

echo "images (base $BASE_IMAGE):"
podman images --format '{{.Repository}}:{{.Tag}}\t{{.ID}}\t{{.Size}}' \
  | grep -E "/(raftkv-node|raftkv-operator):$VERSION\b|raftkv/base:" | sed 's/^/  /'
