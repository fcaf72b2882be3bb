#!/usr/bin/env bash
# Builds the Debian root filesystem the testbed runs Synapse in:
#   testbed/ensure-synapse-root.sh DIR
# Debian's own matrix-synapse package is used, run through chroot, because it
# needs only Debian's package mirror (no Docker registry, no PyPI) and gives
# every developer and CI the same Synapse. The same root carries the Matrix
# client the independent-client test uses (matrix-nio with olm), so that test
# needs nothing from PyPI either. Does nothing when DIR is complete.
set -euo pipefail

MIRROR=http://deb.debian.org/debian
SUITE=sid
MARKER=.hearth-ready
# Raise ROOT_VERSION whenever PACKAGES changes: a root whose marker holds an
# older version gets the missing packages added in place, without a rebuild.
ROOT_VERSION=2
PACKAGES="matrix-synapse openssl python3-matrix-nio python3-olm"
CHECK_IMPORTS='import synapse, nio, olm'

fail() {
  echo "ensure-synapse-root: $*" >&2
  exit 1
}

[[ $# -eq 1 ]] || fail "usage: $0 DIR"
DIR=$(realpath -m "$1")
PARTIAL="$DIR.partial"

if [[ -e "$DIR/$MARKER" && "$(cat "$DIR/$MARKER")" == "$ROOT_VERSION" ]]; then
  exit 0
fi

[[ $(id -u) -eq 0 ]] || fail "must run as root (debootstrap and chroot need it); current user is $(id -un)"
command -v chroot >/dev/null || fail "missing command: chroot (package coreutils)"

install_packages() {
  local root=$1
  echo "ensure-synapse-root: installing $PACKAGES in $root" >&2
  chroot "$root" sh -c "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $PACKAGES" >&2 \
    || fail "apt-get install of $PACKAGES inside $root failed"
  # Only a root that can actually import Synapse and the client earns the marker.
  chroot "$root" python3 -c "$CHECK_IMPORTS" || fail "python3 cannot run '$CHECK_IMPORTS' inside $root"
}

# A complete root of an older version: add what it lacks, in place.
if [[ -e "$DIR/$MARKER" ]]; then
  install_packages "$DIR"
  echo "$ROOT_VERSION" > "$DIR/$MARKER"
  echo "ensure-synapse-root: brought $DIR to version $ROOT_VERSION" >&2
  exit 0
fi

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

install_packages "$PARTIAL"

rm -rf "$DIR"
mv "$PARTIAL" "$DIR"
echo "$ROOT_VERSION" > "$DIR/$MARKER"
echo "ensure-synapse-root: ready at $DIR" >&2
