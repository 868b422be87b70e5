#!/bin/bash
# `make package-test`: `make install` into a temporary DESTDIR puts exactly the expected
# files (binary runs, units point at it, man page and completions are real), `make
# uninstall` removes every one of them, and `make deb` builds a package whose fields,
# Depends (against what the binary links, looked up with dpkg -S), contents and owners
# are right; apt accepts it (simulated), and lintian (when installed) and
# systemd-analyze verify (when installed) find no errors, and lintian no warnings.
# Everything runs under umask 077, as in a hardened root shell: the modes installed and
# packaged must not depend on the caller's umask.
# Usage: test-packaging.sh TOPDIR VERSION
set -euo pipefail
umask 077

top=$1
version=$2
arch=$(dpkg --print-architecture)
tmp=$(mktemp -d /tmp/tunnel-package-test.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "package-test: $*" >&2; exit 1; }
files() { (cd "$1" && find . \( -type f -o -type l \) -printf '%P\n' | LC_ALL=C sort); }
same() { [ "$2" = "$3" ] || fail "$1: expected"$'\n'"$3"$'\n'"got"$'\n'"$2"; }
# "MODE PATH" for every entry of a tree that is not a 0755 directory or a 0644 file.
odd_modes() { (cd "$1" && find . -mindepth 1 \( -type d ! -perm 0755 -o -type f ! -perm 0644 \) -printf '%m %P\n' | LC_ALL=C sort); }

echo "package-test: make install / uninstall"
make -C "$top" --no-print-directory install DESTDIR="$tmp/root" >/dev/null
same "make install" "$(files "$tmp/root")" "usr/local/bin/tunnel
usr/local/lib/systemd/system/tunnel-client@.service
usr/local/lib/systemd/system/tunnel-server.service
usr/local/share/bash-completion/completions/tunnel
usr/local/share/doc/tunnel/README.md
usr/local/share/doc/tunnel/operations.md
usr/local/share/fish/vendor_completions.d/tunnel.fish
usr/local/share/man/man1/tunnel.1.gz
usr/local/share/zsh/site-functions/_tunnel"
same "modes after make install (umask 077)" "$(odd_modes "$tmp/root")" "755 usr/local/bin/tunnel"
same "installed binary --version" "$("$tmp/root/usr/local/bin/tunnel" --version)" "$version"
grep -q '^ExecStart=/usr/local/bin/tunnel server ' "$tmp/root/usr/local/lib/systemd/system/tunnel-server.service" \
    || fail "tunnel-server.service does not run /usr/local/bin/tunnel"
zcat "$tmp/root/usr/local/share/man/man1/tunnel.1.gz" | grep -q 'tunnel server' || fail "the man page lacks 'tunnel server'"
grep -q 'peer' "$tmp/root/usr/local/share/bash-completion/completions/tunnel" || fail "bash completion lacks subcommands"
head -n 1 "$tmp/root/usr/local/share/bash-completion/completions/tunnel" | grep -q '^#!' \
    && fail "the bash completion starts with a #! line (it is sourced, not run)"
grep -q 'prometheus' "$tmp/root/usr/local/share/zsh/site-functions/_tunnel" || fail "zsh completion lacks --prometheus"
grep -q 'metrics' "$tmp/root/usr/local/share/fish/vendor_completions.d/tunnel.fish" || fail "fish completion lacks --metrics"
make -C "$top" --no-print-directory uninstall DESTDIR="$tmp/root" >/dev/null
same "left after make uninstall" "$(files "$tmp/root")" ""

echo "package-test: make deb"
deb=$(make -C "$top" --no-print-directory deb | tail -n 1)
same "package file" "$(basename "$deb")" "tunnel_${version}_${arch}.deb"
field() { dpkg-deb -f "$deb" "$1"; }
same "Package" "$(field Package)" "tunnel"
same "Version" "$(field Version)" "$version"
same "Architecture" "$(field Architecture)" "$arch"
# Every shared library the binary names (DT_NEEDED) must come from a package in Depends.
mkdir "$tmp/deb"
dpkg-deb -x "$deb" "$tmp/deb"
depends=" $(field Depends | tr -d ' ' | tr ',' '\n' | sed 's/(.*//; s/|.*//' | tr '\n' ' ')"
needed=$(readelf -d "$tmp/deb/usr/bin/tunnel" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p')
[ -n "$needed" ] || fail "readelf found no NEEDED libraries"
for name in $needed; do
    [[ "$name" == ld-linux* ]] && continue  # the dynamic loader, part of libc6
    lib=$(ldd "$tmp/deb/usr/bin/tunnel" | awk -v n="$name" '$1 == n { print $3 }')
    [ -n "$lib" ] || fail "ldd does not resolve $name"
    package=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -n 1 | cut -d: -f1) || true
    [ -n "$package" ] || package=$(dpkg -S "$lib" | head -n 1 | cut -d: -f1)
    [[ "$depends" == *" $package "* ]] || fail "$name comes from $package, which Depends ($(field Depends)) lacks"
done
same "package contents" "$(files "$tmp/deb")" "lib/systemd/system/tunnel-client@.service
lib/systemd/system/tunnel-server.service
usr/bin/tunnel
usr/share/bash-completion/completions/tunnel
usr/share/doc/tunnel/README.md
usr/share/doc/tunnel/changelog.gz
usr/share/doc/tunnel/copyright
usr/share/doc/tunnel/operations.md
usr/share/fish/vendor_completions.d/tunnel.fish
usr/share/lintian/overrides/tunnel
usr/share/man/man1/tunnel.1.gz
usr/share/zsh/vendor-completions/_tunnel"
same "owners" "$(dpkg-deb -c "$deb" | awk '{ print $2 }' | sort -u)" "root/root"
# From the archive's own listing (extraction could apply the umask again).
same "modes in the package (built under umask 077)" \
    "$(dpkg-deb -c "$deb" | awk '!($1 == "drwxr-xr-x" || $1 == "-rw-r--r--") { print $1, $6 }')" \
    "-rwxr-xr-x ./usr/bin/tunnel"
same "control member modes" "$(dpkg-deb --ctrl-tarfile "$deb" | tar -tvf - | awk '{ print $1, $6 }' | LC_ALL=C sort -k2)" \
    "drwxr-xr-x ./
-rw-r--r-- ./control
-rw-r--r-- ./md5sums
-rwxr-xr-x ./postinst
-rwxr-xr-x ./postrm"
same "packaged binary --version" "$("$tmp/deb/usr/bin/tunnel" --version)" "$version"
# It must run where no Swift toolchain is: hide the toolchain (root only, in a private mount namespace).
toolchain=$(dirname "$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")")
if [ "$(id -u)" = 0 ] && [ -d "$toolchain" ] && [ "$toolchain" != / ]; then
    same "packaged binary without $toolchain" \
        "$(unshare --mount sh -c "mount -t tmpfs none '$toolchain' && exec '$tmp/deb/usr/bin/tunnel' --version")" "$version"
fi
grep -q '^ExecStart=/usr/bin/tunnel client --config /etc/tunnel/%i.conf' "$tmp/deb/lib/systemd/system/tunnel-client@.service" \
    || fail "tunnel-client@.service does not run /usr/bin/tunnel"
apt-get install --simulate -qq "$deb" >/dev/null 2>"$tmp/apt.err" || fail "apt-get would not install it: $(cat "$tmp/apt.err")"

if command -v systemd-analyze >/dev/null; then
    echo "package-test: systemd-analyze verify"
    # The units as packaged, but running the extracted binary (verify wants it to exist).
    mkdir "$tmp/units"
    for unit in tunnel-server.service tunnel-client@.service; do
        sed "s|/usr/bin/tunnel|$tmp/deb/usr/bin/tunnel|" "$tmp/deb/lib/systemd/system/$unit" > "$tmp/units/$unit"
    done
    (cd "$tmp/units" && systemd-analyze verify --man=no tunnel-server.service tunnel-client@alice.service) \
        || fail "systemd-analyze verify found problems"
else
    echo "package-test: systemd-analyze not installed, units not verified"
fi
if command -v lintian >/dev/null; then
    echo "package-test: lintian"
    lintian --fail-on error,warning "$deb" || fail "lintian found errors or warnings"
else
    echo "package-test: lintian not installed, skipped"
fi
# The package stays (git ignores it): `make test` boots it next (systemd-test-run).
echo "package-test: ok"
