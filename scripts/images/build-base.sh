#!/usr/bin/env bash
# Builds the base image of RaftKV's images from Debian's packages alone, with no registry:
# `debootstrap --variant=minbase bookworm`, then bookworm's updates and security updates and
# openjdk-17-jre-headless (no recommends), trimmed of documentation and package lists, imported
# with `podman import`. Prints the image's name on stdout (the BASE_IMAGE build argument).
#
#   scripts/images/build-base.sh            reuse the cached image when its inputs are unchanged
#   BASE_REBUILD=1 scripts/images/build-base.sh    rebuild it anyway
#
# Cache: the image is tagged localhost/raftkv/base:bookworm-jre17-<hash of this script>, so an
# unchanged script reuses it (a second run takes about a second). An image older than
# BASE_MAX_AGE_DAYS (default 7) is rebuilt, so the security updates it carries stay recent.
# Mirror: the Debian mirror apt uses on this machine (from /etc/apt/sources.list*), or
# DEBIAN_MIRROR / DEBIAN_SECURITY_MIRROR; debootstrap's own default when neither is found.
set -euo pipefail
source "$(dirname "$0")/lib.sh"

SUITE=bookworm
PACKAGES="openjdk-17-jre-headless"
BASE_MAX_AGE_DAYS="${BASE_MAX_AGE_DAYS:-7}"
BASE_REPO="localhost/raftkv/base"
hash=$(cat "$0" "$IMAGES_DIR/lib.sh" | sha256sum | cut -c1-12)
BASE_IMAGE="$BASE_REPO:$SUITE-jre17-$hash"

ensure_container_tools

if [[ "${BASE_REBUILD:-0}" != 1 ]] && podman image exists "$BASE_IMAGE"; then
  created=$(podman image inspect --format '{{.Created.Unix}}' "$BASE_IMAGE")
  age_days=$(( ($(date +%s) - created) / 86400 ))
  if (( age_days < BASE_MAX_AGE_DAYS )); then
    log "base image $BASE_IMAGE is cached (built $age_days days ago)"
    echo "$BASE_IMAGE"
    exit 0
  fi
  log "base image $BASE_IMAGE is $age_days days old (BASE_MAX_AGE_DAYS=$BASE_MAX_AGE_DAYS): rebuilding"
fi

# The URI of the first apt source that serves SUITE (one-line or deb822 format), else empty.
apt_mirror_for() {
  local suite=$1 f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [[ -f $f ]] || continue
    awk -v s="$suite" '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/) { if ($(i + 1) == s) { print $i; exit } break } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [[ -f $f ]] || continue
    awk -v s="$suite" 'BEGIN { RS = ""; FS = "\n" }
      { uri = ""; ok = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); uri = a[2] }
          if ($i ~ /^Suites:/) { n = split($i, b, /[ \t]+/); for (j = 2; j <= n; j++) if (b[j] == s) ok = 1 }
        }
        if (ok && uri != "") { print uri; exit } }' "$f"
  done
}
MIRROR="${DEBIAN_MIRROR:-$(apt_mirror_for "$SUITE" | head -1)}"
SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-$(apt_mirror_for "$SUITE-security" | head -1)}"

WORK=$(mktemp -d /var/tmp/raftkv-base.XXXXXX)
ROOTFS="$WORK/rootfs"
cleanup() {
  for m in proc sys dev/pts dev; do
    mountpoint -q "$ROOTFS/$m" 2>/dev/null && umount -l "$ROOTFS/$m" || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

start=$(date +%s)
if [[ -n $MIRROR ]]; then mirror_note="the mirror apt uses"; else mirror_note="debootstrap's default mirror"; fi
log "debootstrap --variant=minbase $SUITE from $mirror_note"
debootstrap --variant=minbase "$SUITE" "$ROOTFS" ${MIRROR:+"$MIRROR"} > "$WORK/debootstrap.log" 2>&1 \
  || { tail -20 "$WORK/debootstrap.log" >&2; die "debootstrap failed (log above)"; }

# apt sources inside the image: the suite, its updates and its security updates.
# (debootstrap wrote the mirror it used into sources.list)
mirror_in_image=$(awk '$1 == "deb" { print $2; exit }' "$ROOTFS/etc/apt/sources.list")
{
  echo "deb $mirror_in_image $SUITE main"
  echo "deb $mirror_in_image $SUITE-updates main"
  [[ -n $SECURITY_MIRROR ]] && echo "deb $SECURITY_MIRROR $SUITE-security main"
} > "$ROOTFS/etc/apt/sources.list"
# Never pull recommended packages into the image.
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$ROOTFS/etc/apt/apt.conf.d/90raftkv-no-recommends"

mount -t proc proc "$ROOTFS/proc"
mount --bind /dev "$ROOTFS/dev"
in_root() { chroot "$ROOTFS" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"; }
log "installing updates and $PACKAGES"
{
  in_root apt-get update -q
  in_root apt-get upgrade -y -q
  # shellcheck disable=SC2086 # a list of packages
  in_root apt-get install -y -q $PACKAGES
  in_root apt-get clean
} > "$WORK/apt.log" 2>&1 || { tail -20 "$WORK/apt.log" >&2; die "installing $PACKAGES in the base image failed (log above)"; }
in_root java -version 2>&1 | head -1 >&2
umount -l "$ROOTFS/dev"
umount -l "$ROOTFS/proc"

# Trim what a runtime image never reads: package lists, caches, docs, man pages, logs, locales.
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/* "$ROOTFS"/var/cache/debconf/*-old \
  "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* \
  "$ROOTFS"/usr/share/locale/* "$ROOTFS"/var/log/* "$ROOTFS"/tmp/* "$ROOTFS"/var/tmp/*
# The image's sources name no host of this machine's mirror: users add their own.
rm -f "$ROOTFS/etc/apt/sources.list"
: > "$ROOTFS/etc/machine-id"

java_home=$(cd "$ROOTFS" && ls -d usr/lib/jvm/java-17-openjdk-* | head -1)
log "importing the root filesystem ($(du -sh "$ROOTFS" | cut -f1))"
tar --numeric-owner --xattrs -C "$ROOTFS" -c . | podman import \
  --change "ENV JAVA_HOME=/$java_home" \
  --change 'ENV LANG=C.UTF-8' \
  --change 'CMD ["/bin/bash"]' \
  --change "LABEL org.opencontainers.image.title=raftkv-base org.opencontainers.image.description=\"Debian $SUITE minbase with $PACKAGES, built by scripts/images/build-base.sh\"" \
  - "$BASE_IMAGE" > /dev/null
log "built $BASE_IMAGE in $(( $(date +%s) - start )) s ($(podman image inspect --format '{{.Size}}' "$BASE_IMAGE" | numfmt --to=iec) )"
echo "$BASE_IMAGE"
