#!/usr/bin/env bash
# Puts Debian's etcd server binary at $TWIN_CACHE/bin/etcd, as storage for the standalone
# apiextensions-apiserver (see README-apiextensions.md).
# Debian sid's etcd-server 3.5.x is used rather than bookworm's 3.4.23: Kubernetes 1.36 is
# developed against etcd 3.5/3.6, and sid's build (dynamically linked, but needing only
# glibc >= 2.34; bookworm has 2.36) runs here unchanged. The .deb is unpacked, never installed.
# A second run with the binary and its stamp present does nothing.
set -euo pipefail

TWIN_CACHE=${TWIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spark-platform-twin}
# Pinned so that every machine gets the same etcd; sid replaces versions without notice,
# and deb.debian.org only serves the current one, so a bump here is a deliberate edit.
ETCD_DEB_VERSION=3.5.30-2
BIN=$TWIN_CACHE/bin
STAMP=$BIN/etcd.version

if [[ -x $BIN/etcd && "$(cat "$STAMP" 2>/dev/null)" == "$ETCD_DEB_VERSION" ]]; then
  echo "etcd $ETCD_DEB_VERSION already in $BIN (cached)"
  exit 0
fi
started=$(date +%s)
mkdir -p "$BIN"
WORK=$TWIN_CACHE/build-etcd
rm -rf "$WORK"
mkdir -p "$WORK"

# A private apt configuration under the cache: the machine's own sources stay untouched.
source "$(dirname "$0")/private_apt.sh"
private_apt_init "$WORK/apt" \
  "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main"

# sid keeps only its newest upload: when the pin is gone, the current etcd 3.x is taken with a
# warning (the twin only needs etcd's v3 API), and the stamp keeps the pin so it is reused.
ETCD_DEB_BUILT=$ETCD_DEB_VERSION
if ! private_apt_cache madison etcd-server | awk -F'|' -v v="$ETCD_DEB_VERSION" '{gsub(/ /,"",$2)} $2==v {f=1} END {exit !f}'; then
  ETCD_DEB_BUILT=$(private_apt_cache madison etcd-server | awk -F'|' 'NR == 1 {gsub(/ /, "", $2); print $2}')
  if [[ $ETCD_DEB_BUILT != 3.* ]]; then
    echo "Debian sid has etcd-server=${ETCD_DEB_BUILT:-nothing}, not an etcd 3.x; update ETCD_DEB_VERSION in $0." >&2
    exit 1
  fi
  echo "warning: Debian sid no longer has etcd-server=$ETCD_DEB_VERSION; using $ETCD_DEB_BUILT" >&2
fi

cd "$WORK"
private_apt download "etcd-server=$ETCD_DEB_BUILT"
dpkg-deb -x etcd-server_*.deb root
# Fails here, not in a test, if this Debian's libc is too old for sid's binary.
root/usr/bin/etcd --version >/dev/null
cp root/usr/bin/etcd "$BIN/etcd"
echo "$ETCD_DEB_VERSION" >"$STAMP"
cd /
rm -rf "$WORK"
echo "etcd $ETCD_DEB_VERSION fetched in $(($(date +%s) - started)) s into $BIN"
