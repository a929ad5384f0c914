# Shared by scripts/images/*.sh (sourced, not run). Sets CONTAINERS_CONF, installs the Debian
# packages the image scripts need when they are missing, and small helpers.
IMAGES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$IMAGES_DIR/../.." && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$IMAGES_DIR/containers.conf}"

log() { printf '%s images: %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ensure_packages CMD:PACKAGE ... — apt-get installs every PACKAGE whose CMD is not on the PATH.
ensure_packages() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" > /dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  [[ $(id -u) -eq 0 ]] || die "missing ${missing[*]}; install them (apt-get install ${missing[*]}) or run as root"
  log "installing from Debian's packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q > /dev/null || die "apt-get update failed"
  apt-get install -y -q --no-install-recommends "${missing[@]}" > /dev/null || die "apt-get install ${missing[*]} failed"
}

# The container tools: buildah builds, podman runs, runc is the runtime (see containers.conf).
ensure_container_tools() {
  ensure_packages buildah:buildah podman:podman runc:runc debootstrap:debootstrap
}
