#!/bin/sh
# Checks the install and the Debian package of a build tree, in a temporary directory only:
#   1. `cmake --install BUILD --prefix /usr` into a DESTDIR: binaries in usr/bin, the unit,
#      sysusers and tmpfiles files where systemd looks, the example config in the docs, nothing
#      outside /usr, the unit's ExecStart binary and config directory consistent with the rest;
#   2. `cpack -G DEB`: name, version, architecture; Depends names the package of every shared
#      library the binaries load (dpkg-shlibdeps), systemd and tzdata; the files; no conffiles;
#      the maintainer scripts;
#   3. the package unpacked into a throw-away root (`dpkg-deb -x`): the installed binary accepts
#      the shipped example config; the maintainer scripts, run with DPKG_ROOT at that root and a
#      stand-in systemctl, create the user and directories, start nothing on a first install,
#      restart on an upgrade, stop on remove, keep the state on remove and drop it on purge;
#      as root, dpkg installs and purges it in such a root too.
# Never touches the real system. Exits 77 (CTest's skip) where dpkg-deb is not installed.
# Usage: check-package.sh BUILD_DIR SOURCE_DIR
set -eu
build=${1:?usage: check-package.sh BUILD_DIR SOURCE_DIR}
src=${2:?usage: check-package.sh BUILD_DIR SOURCE_DIR}

if ! command -v dpkg-deb >/dev/null 2>&1; then
    echo "SKIP: dpkg-deb is not installed (not a Debian system)"
    exit 77
fi
command -v dpkg-shlibdeps >/dev/null 2>&1 ||
    { echo "FAIL: dpkg-shlibdeps is missing: install dpkg-dev (scripts/install-deps)"; exit 1; }
cmake=$(command -v cmake)
cpack=$(dirname "$cmake")/cpack

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() {
    echo "FAIL: $*"
    failures=$((failures + 1))
}
ok() { echo "ok: $*"; }
# Fails unless file $1 exists (and, with a second argument, is executable).
want() {
    if [ ! -e "$1" ]; then
        fail "missing ${1#"$tmp"/*/}"
    elif [ $# -gt 1 ] && [ ! -x "$1" ]; then
        fail "not executable: ${1#"$tmp"/*/}"
    fi
}

# --- 1. cmake --install ------------------------------------------------------------------------
dest=$tmp/dest
DESTDIR=$dest "$cmake" --install "$build" --prefix /usr >"$tmp/install.log" ||
    { cat "$tmp/install.log"; echo "FAIL: cmake --install"; exit 1; }
want "$dest/usr/bin/reglamentd" x
want "$dest/usr/bin/reglamentd-emulator" x
want "$dest/usr/lib/systemd/system/reglamentd.service"
want "$dest/usr/lib/sysusers.d/reglamentd.conf"
want "$dest/usr/lib/tmpfiles.d/reglamentd.conf"
want "$dest/usr/share/doc/reglamentd/reglament.example.toml"
want "$dest/usr/share/doc/reglamentd/README.md"
want "$dest/usr/share/doc/reglamentd/admin-guide.md"
cmp -s "$src/systemd/reglamentd.service" "$dest/usr/lib/systemd/system/reglamentd.service" ||
    fail "the installed unit differs from systemd/reglamentd.service"
cmp -s "$src/config/reglament.example.toml" "$dest/usr/share/doc/reglamentd/reglament.example.toml" ||
    fail "the installed example differs from config/reglament.example.toml"
outside=$(cd "$dest" && find . -mindepth 1 -maxdepth 1 ! -name usr)
[ -z "$outside" ] || fail "installed outside /usr: $outside"

# The unit runs the installed binary on a config in the directory tmpfiles and the unit make.
unit=$dest/usr/lib/systemd/system/reglamentd.service
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
binary=${exec_start%% *}
config=$(printf '%s\n' "$exec_start" | sed -n 's/.* --config \([^ ]*\).*/\1/p')
[ -x "$dest$binary" ] || fail "ExecStart runs $binary, which the install does not put there"
case "$config" in
/etc/reglamentd/*) ;;
*) fail "ExecStart's config '$config' is not in /etc/reglamentd (ConfigurationDirectory=)" ;;
esac
grep -q "^ExecStartPre=$binary check-config $config\$" "$unit" ||
    fail "ExecStartPre does not check the config ExecStart runs"
grep -q '^d /etc/reglamentd ' "$dest/usr/lib/tmpfiles.d/reglamentd.conf" ||
    fail "tmpfiles does not make /etc/reglamentd"
grep -q '^d /var/lib/reglamentd ' "$dest/usr/lib/tmpfiles.d/reglamentd.conf" ||
    fail "tmpfiles does not make /var/lib/reglamentd"
grep -q '^u reglamentd ' "$dest/usr/lib/sysusers.d/reglamentd.conf" ||
    fail "sysusers does not make the reglamentd user"
grep -q '^User=reglamentd$' "$unit" || fail "the unit does not run as reglamentd"
[ $failures -eq 0 ] && ok "cmake --install layout"

# --- 2. cpack -G DEB ---------------------------------------------------------------------------
"$cpack" -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/cpack" >"$tmp/cpack.log" 2>&1 ||
    { cat "$tmp/cpack.log"; echo "FAIL: cpack -G DEB"; exit 1; }
set -- "$tmp"/cpack/reglamentd_*.deb
[ $# -eq 1 ] && [ -f "$1" ] || { ls -l "$tmp/cpack"; echo "FAIL: not one reglamentd_*.deb"; exit 1; }
deb=$1
echo "package: $(basename "$deb")"
dpkg-deb -I "$deb" >"$tmp/info" || { echo "FAIL: dpkg-deb -I"; exit 1; }
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = reglamentd ] || fail "Package: $(field Package)"
version=$(sed -n 's/^project(reglamentd VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
[ "$(field Version)" = "$version" ] || fail "Version: $(field Version), CMakeLists.txt says $version"
[ "$(field Architecture)" = "$(dpkg --print-architecture)" ] ||
    fail "Architecture: $(field Architecture)"
depends=$(field Depends)
echo "Depends: $depends"
# One package name per line, versions and alternatives' bars dropped.
printf '%s\n' "$depends" | tr ',|' '\n\n' | sed 's/(.*//; s/[[:space:]]//g; /^$/d' >"$tmp/depends"
needs() { grep -qxF "$1" "$tmp/depends" || fail "Depends lacks $1 ($2)"; }
needs systemd "runs the unit, systemd-sysusers and systemd-tmpfiles"
needs tzdata "the calendar's zones"
# Each shared library the binaries link (NEEDED) comes from a package Depends names, or from
# one that provides a name Depends uses (libspdlog1.10 provides libspdlog1.10-fmt9).
for bin in reglamentd reglamentd-emulator; do
    ldd "$dest/usr/bin/$bin" >"$tmp/ldd" || fail "ldd $bin"
    readelf -d "$dest/usr/bin/$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' >"$tmp/needed"
    [ -s "$tmp/needed" ] || fail "readelf lists no NEEDED library for $bin"
    while read -r soname; do
        lib=$(sed -n "s|^[[:space:]]*$soname => \(/[^ ]*\) .*|\1|p" "$tmp/ldd" | head -n1)
        if [ -z "$lib" ]; then
            fail "$bin needs $soname, which ldd does not find"
            continue
        fi
        owner=""
        # Merged /usr: dpkg knows the path its package shipped, under /lib or /usr/lib.
        for path in "$lib" "/usr$lib" "${lib#/usr}"; do
            owner=$(dpkg -S "$path" 2>/dev/null | sed -n '1s/[:,].*//p') && [ -n "$owner" ] && break
        done
        if [ -z "$owner" ]; then
            fail "$bin loads $lib, which no installed package owns"
            continue
        fi
        provided=$(dpkg-query -W -f='${Provides}' "$owner" 2>/dev/null | tr ',' '\n' |
            sed 's/(.*//; s/[[:space:]]//g; /^$/d')
        found=""
        for name in $owner $provided; do
            if grep -qxF "$name" "$tmp/depends"; then found=$name; fi
        done
        [ -n "$found" ] || fail "Depends lacks $owner ($bin loads $lib)"
    done <"$tmp/needed"
done
dpkg-deb -c "$deb" | awk '{ print $2, $6 }' >"$tmp/contents"
for f in usr/bin/reglamentd usr/bin/reglamentd-emulator usr/lib/systemd/system/reglamentd.service \
    usr/lib/sysusers.d/reglamentd.conf usr/lib/tmpfiles.d/reglamentd.conf \
    usr/share/doc/reglamentd/reglament.example.toml usr/share/doc/reglamentd/README.md; do
    grep -qxF "root/root ./$f" "$tmp/contents" || fail "the package lacks ./$f (owned by root)"
done
if grep -q ' \./etc/' "$tmp/contents"; then fail "the package ships files in /etc"; fi
dpkg-deb -e "$deb" "$tmp/control"
[ ! -e "$tmp/control/conffiles" ] || fail "the package has conffiles: $(cat "$tmp/control/conffiles")"
for script in postinst prerm postrm; do
    want "$tmp/control/$script" x
    sh -n "$tmp/control/$script" || fail "$script: syntax"
done
[ $failures -eq 0 ] && ok "cpack -G DEB: fields, Depends, files, maintainer scripts present"

# --- 3. the package in a throw-away root -------------------------------------------------------
root=$tmp/root
dpkg-deb -x "$deb" "$root"
# The installed (stripped) binary runs and accepts the example the package ships.
"$root/usr/bin/reglamentd" --version >"$tmp/version.out" 2>&1 ||
    { cat "$tmp/version.out"; fail "reglamentd --version"; }
"$root/usr/bin/reglamentd" check-config "$root/usr/share/doc/reglamentd/reglament.example.toml" \
    >"$tmp/check.out" 2>&1 || { cat "$tmp/check.out"; fail "check-config on the shipped example"; }
grep -q 'rules enabled' "$tmp/check.out" || { cat "$tmp/check.out"; fail "check-config said no summary"; }

# The maintainer scripts, as dpkg runs them installing into another root (DPKG_ROOT), with
# "systemd running" in that root and a stand-in systemctl that only logs.
mkdir -p "$root/run/systemd/system" "$root/etc" "$tmp/fakebin"
printf '#!/bin/sh\necho "$*" >>"%s"\n' "$tmp/systemctl.log" >"$tmp/fakebin/systemctl"
chmod 755 "$tmp/fakebin/systemctl"
run() { # SCRIPT ARGS...: runs a maintainer script of the package
    script=$1
    shift
    : >"$tmp/systemctl.log"
    env DPKG_ROOT="$root" PATH="$tmp/fakebin:$PATH" "$tmp/control/$script" "$@" \
        >"$tmp/script.out" 2>&1 || { cat "$tmp/script.out"; fail "$script $* exited non-zero"; }
}
called() { grep -qx "$1" "$tmp/systemctl.log"; }
run postinst configure
if command -v systemd-sysusers >/dev/null 2>&1; then
    grep -q '^reglamentd:' "$root/etc/passwd" || fail "postinst made no reglamentd user"
fi
if command -v systemd-tmpfiles >/dev/null 2>&1; then
    [ -d "$root/var/lib/reglamentd" ] || fail "postinst made no /var/lib/reglamentd"
    [ -d "$root/etc/reglamentd" ] || fail "postinst made no /etc/reglamentd"
    if [ "$(id -u)" -eq 0 ] && [ -d "$root/var/lib/reglamentd" ]; then
        owner=$(stat -c %u "$root/var/lib/reglamentd")
        [ "$owner" = "$(sed -n 's/^reglamentd:[^:]*:\([0-9]*\):.*/\1/p' "$root/etc/passwd")" ] ||
            fail "/var/lib/reglamentd is not the reglamentd user's"
    fi
fi
called daemon-reload || fail "postinst configure: no daemon-reload"
if grep -qE '^(start|restart|try-restart|enable|reload-or-restart)' "$tmp/systemctl.log"; then
    fail "a first install started or enabled the unconfigured service: $(cat "$tmp/systemctl.log")"
fi
run postinst configure 0.0.1
called "try-restart reglamentd.service" || fail "an upgrade does not restart a running service"
run prerm upgrade 0.0.2
if grep -q stop "$tmp/systemctl.log"; then fail "prerm upgrade stops the service"; fi
run prerm remove
called "stop reglamentd.service" || fail "prerm remove does not stop the service"
mkdir -p "$root/var/lib/reglamentd"
echo state >"$root/var/lib/reglamentd/reglament.db"
echo config >"$root/etc/reglamentd/reglament.toml"
run postrm remove
[ -f "$root/var/lib/reglamentd/reglament.db" ] || fail "postrm remove deleted the state"
called daemon-reload || fail "postrm remove: no daemon-reload"
run postrm purge
[ ! -e "$root/var/lib/reglamentd" ] || fail "postrm purge left /var/lib/reglamentd"
[ -f "$root/etc/reglamentd/reglament.toml" ] || fail "postrm purge deleted the admin's config"
[ $failures -eq 0 ] && ok "in a throw-away root: check-config on the example, maintainer scripts"

# As root, dpkg itself installs and purges the package in another throw-away root: maintainer
# scripts without chroot (DPKG_ROOT), the libraries not there (--force-depends).
if [ "$(id -u)" -eq 0 ]; then
    droot=$tmp/dpkg-root
    mkdir -p "$droot/var/lib/dpkg/info" "$droot/var/lib/dpkg/updates" "$droot/etc"
    : >"$droot/var/lib/dpkg/status"
    : >"$droot/var/lib/dpkg/available"
    dpkg_in_root() {
        dpkg --root="$droot" --force-script-chrootless --force-depends --log=/dev/null "$@" \
            >"$tmp/dpkg.out" 2>&1 || { cat "$tmp/dpkg.out"; fail "dpkg --root $*"; }
    }
    dpkg_in_root --install "$deb"
    [ -x "$droot/usr/bin/reglamentd" ] || fail "dpkg --install: no /usr/bin/reglamentd"
    if command -v systemd-tmpfiles >/dev/null 2>&1; then
        [ -d "$droot/var/lib/reglamentd" ] || fail "dpkg --install: no /var/lib/reglamentd"
    fi
    dpkg_in_root --purge reglamentd
    [ ! -e "$droot/usr/bin/reglamentd" ] || fail "dpkg --purge left /usr/bin/reglamentd"
    [ ! -e "$droot/var/lib/reglamentd" ] || fail "dpkg --purge left /var/lib/reglamentd"
    [ $failures -eq 0 ] && ok "dpkg --install and --purge in a throw-away root"
else
    echo "note: not root, so dpkg --root --install is not tried"
fi

if [ $failures -ne 0 ]; then
    echo "$failures check(s) failed"
    exit 1
fi
echo "packaging: ok"
