#!/bin/bash
# `make deb`: tunnel_VERSION_ARCH.deb from `make install` under /usr, with Depends from
# dpkg-shlibdeps (the shared libraries the binary really links), md5sums, the Debian
# copyright and changelog files, and a postinst/postrm that reload systemd. The units are
# installed but not enabled: the server needs its --listen address, a client its file.
# Usage: build-deb.sh VERSION TOPDIR; writes TOPDIR/tunnel_VERSION_ARCH.deb.
set -euo pipefail
# Everything this script creates (the staging tree, DEBIAN, changelog.gz, control,
# md5sums) takes its mode from the umask; under a hardened root shell's 077 dpkg-deb
# refuses the 0700 control directory and the data would be readable by root alone.
umask 022

version=$1
top=$2
arch=$(dpkg --print-architecture)
work=$top/.build/deb
root=$work/root
deb=$top/tunnel_${version}_${arch}.deb
here=$(cd "$(dirname "$0")" && pwd)

rm -rf "$work"
mkdir -p "$root/DEBIAN" "$work/debian"
make -C "$top" --no-print-directory install DESTDIR="$root" PREFIX=/usr UNITDIR=/lib/systemd/system \
    ZSHCOMPDIR=/usr/share/zsh/vendor-completions >/dev/null
strip --strip-unneeded --remove-section=.comment --remove-section=.note "$root/usr/bin/tunnel"

doc=$root/usr/share/doc/tunnel
install -m 0644 "$here/copyright" "$doc/copyright"
install -D -m 0644 "$here/lintian-overrides" "$root/usr/share/lintian/overrides/tunnel"
sed "s/@VERSION@/$version/; s/@DATE@/$(date -R -d @"${SOURCE_DATE_EPOCH:-$(git -C "$top" log -1 --format=%ct 2>/dev/null || date +%s)}")/" \
    "$here/changelog.in" | gzip -9n > "$doc/changelog.gz"

# dpkg-shlibdeps wants a debian/control naming the package.
printf 'Source: tunnel\n\nPackage: tunnel\nArchitecture: any\n' > "$work/debian/control"
depends=$(cd "$work" && dpkg-shlibdeps -O "$root/usr/bin/tunnel" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$depends" ] || { echo "make deb: dpkg-shlibdeps found no dependencies" >&2; exit 1; }

for script in postinst postrm; do install -m 0755 "$here/$script" "$root/DEBIAN/$script"; done
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@DEPENDS@/$depends/" \
    -e "s/@SIZE@/$(du -sk --exclude=DEBIAN "$root" | cut -f1)/" "$here/control.in" > "$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"

# The modes Debian policy asks for, whatever the tree went through before: directories
# 0755, files 0644, the binary and maintainer scripts 0755.
chmod -R u=rwX,go=rX "$root"
chmod 0755 "$root/usr/bin/tunnel" "$root/DEBIAN/postinst" "$root/DEBIAN/postrm"
dpkg-deb --root-owner-group -Zxz --build "$root" "$deb" >/dev/null
echo "$deb"
