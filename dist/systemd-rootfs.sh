#!/bin/bash
# The root file system `make systemd-test` boots: a minimal Debian 12 (debootstrap
# --variant=minbase) with systemd as init and what the .deb depends on, so that the
# package installs inside without a network. Cached in ROOTFS: made again only when it
# is missing or when its key changed (the suite, the mirror and the list of packages,
# which follows the package's Depends). Built beside the old one and then swapped in,
# so a run that is interrupted leaves either the old tree or none, never half of one.
# Usage: systemd-rootfs.sh ROOTFS DEB; prints ROOTFS.
set -euo pipefail
umask 022

rootfs=$1
deb=$2
suite=${SYSTEMD_TEST_SUITE:-bookworm}
mirror=${SYSTEMD_TEST_MIRROR:-http://deb.debian.org/debian}
# systemd as PID 1 and the journal; iproute2 and ping for the checks.
base="systemd systemd-sysv dbus iproute2 iputils-ping"
# The package's Depends, without versions and alternatives (the first of each).
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/|.*//; s/(.*)//; s/[[:space:]]//g' | grep -v '^$')
packages=$(printf '%s\n' $base $depends | LC_ALL=C sort -u | paste -sd, -)
key=$(printf 'suite=%s\nmirror=%s\npackages=%s\n' "$suite" "$mirror" "$packages" | sha256sum | cut -d' ' -f1)

if [ -f "$rootfs/.tunnel-rootfs-key" ] && [ "$(cat "$rootfs/.tunnel-rootfs-key")" = "$key" ]; then
    echo "$rootfs"
    exit 0
fi

command -v debootstrap >/dev/null || { echo "systemd-test: debootstrap is not installed (make deps)" >&2; exit 1; }
echo "systemd-test: debootstrap $suite with $packages into $rootfs" >&2
new=$rootfs.new.$$
mkdir -p "$(dirname "$rootfs")"
trap 'rm -rf --one-file-system "$new" "$new.log"' EXIT
start=$(date +%s)
if ! debootstrap --variant=minbase --include="$packages" "$suite" "$new" "$mirror" >"$new.log" 2>&1; then
    tail -n 20 "$new.log" >&2
    rm -f "$new.log"
    echo "systemd-test: debootstrap failed" >&2
    exit 1
fi
rm -f "$new.log"
# Nothing in the tree is needed to boot that these hold; they are a third of its size.
rm -rf "$new"/var/cache/apt/archives/*.deb "$new"/var/lib/apt/lists/*_Packages
# A machine id is made at every boot (the tree is mounted read-only under an overlay).
: >"$new/etc/machine-id"
echo "$key" >"$new/.tunnel-rootfs-key"
echo "systemd-test: debootstrap took $(( $(date +%s) - start )) s" >&2
rm -rf --one-file-system "$rootfs"
mv "$new" "$rootfs"
trap - EXIT
echo "$rootfs"
