#!/usr/bin/env bash
# Builds the Debian root filesystem the testbed runs Synapse in:
#   testbed/ensure-synapse-root.sh DIR
# Debian's own matrix-synapse package is used, run through chroot, because it
# needs only Debian's package mirror (no Docker registry, no PyPI) and gives
# every developer and CI the same Synapse. Does nothing when DIR is complete.
set -euo pipefail

MIRROR=http://deb.debian.org/debian
SUITE=sid
MARKER=.hearth-ready

fail() {
  echo "ensure-synapse-root: $*" >&2
  exit 1
}

[[ $# -eq 1 ]] || fail "usage: $0 DIR"
DIR=$(realpath -m "$1")
PARTIAL="$DIR.partial"

if [[ -e "$DIR/$MARKER" ]]; then
  exit 0
fi

[[ $(id -u) -eq 0 ]] || fail "must run as root (debootstrap and chroot need it); current user is $(id -un)"
command -v chroot >/dev/null || fail "missing command: chroot (package coreutils)"

# Something mounted inside a half-built root (for example /proc) would be
# deleted along with it; refuse rather than guess.
refuse_if_mounted() {
  local path=$1
  if [[ -e "$path" ]] && awk -v p="$path" '$2 == p || index($2, p "/") == 1 { found = 1 } END { exit !found }' /proc/mounts; then
    fail "something is mounted under $path; unmount it first (see /proc/mounts)"
  fi
}

if ! command -v debootstrap >/dev/null; then
  command -v apt-get >/dev/null || fail "missing command: debootstrap, and no apt-get to install it"
  echo "ensure-synapse-root: installing debootstrap" >&2
  apt-get update >&2 || fail "apt-get update failed on the host (needed to install debootstrap)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends debootstrap >&2 \
    || fail "could not install debootstrap on the host with apt-get"
fi

refuse_if_mounted "$PARTIAL"
refuse_if_mounted "$DIR"
rm -rf "$PARTIAL"
mkdir -p "$(dirname "$DIR")"

echo "ensure-synapse-root: debootstrap $SUITE into $PARTIAL" >&2
debootstrap --variant=minbase "$SUITE" "$PARTIAL" "$MIRROR" >&2 \
  || fail "debootstrap --variant=minbase $SUITE failed (mirror $MIRROR); its log is $PARTIAL/debootstrap/debootstrap.log"

# The mirror's sid Release file can look expired from here, and apt refuses
# an expired Release file outright.
echo 'Acquire::Check-Valid-Until "false";' > "$PARTIAL/etc/apt/apt.conf.d/99hearth-no-expiry"

echo "ensure-synapse-root: installing matrix-synapse and openssl in the root" >&2
chroot "$PARTIAL" sh -c 'apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends matrix-synapse openssl' >&2 \
  || fail "apt-get install of matrix-synapse and openssl inside $PARTIAL failed"

# Only a root that can actually import Synapse earns the marker.
chroot "$PARTIAL" python3 -c 'import synapse' || fail "python3 cannot import synapse inside $PARTIAL"

rm -rf "$DIR"
mv "$PARTIAL" "$DIR"
touch "$DIR/$MARKER"
echo "ensure-synapse-root: ready at $DIR" >&2
