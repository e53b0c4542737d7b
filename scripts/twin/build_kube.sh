#!/usr/bin/env bash
# Builds the Kubernetes control-plane pieces the job-run twin tests use, from Debian's own
# source package, offline except for Debian's archive:
#   kube-apiserver and kube-scheduler v1.20.2 (Debian bookworm's `kubernetes` source, which
#   keeps the upstream vendor/ tree), compiled with Go 1.15 (Debian bullseye's golang-1.15,
#   the Go release Kubernetes 1.20 was made with).
# Nothing is installed system-wide except rsync (Kubernetes' code generators need it): the
# sources and the toolchain are unpacked into the cache, built, and the binaries kept in
# $TWIN_CACHE/bin. A second run with the binaries present does nothing.
set -euo pipefail

TWIN_CACHE=${TWIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spark-platform-twin}
KUBE_DEB_VERSION=1.20.5+really1.20.2-1.1+deb12u1
KUBE_VERSION=v1.20.2
GO_DEB_VERSION=1.15.15-1~deb11u4
BIN=$TWIN_CACHE/bin
STAMP=$BIN/kube.version

if [[ -x $BIN/kube-apiserver && -x $BIN/kube-scheduler && "$(cat "$STAMP" 2>/dev/null)" == "$KUBE_DEB_VERSION" ]]; then
  exit 0
fi
started=$(date +%s)
mkdir -p "$BIN"
WORK=$TWIN_CACHE/build-kube
rm -rf "$WORK"
mkdir -p "$WORK"

# A private apt configuration: the machine's own sources stay untouched.
source "$(dirname "$0")/private_apt.sh"
private_apt_init "$WORK/apt" \
  "deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main" \
  "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bullseye main"

cd "$WORK"
private_apt source --download-only "kubernetes=$KUBE_DEB_VERSION"
private_apt download "golang-1.15-go=$GO_DEB_VERSION" "golang-1.15-src=$GO_DEB_VERSION"
mkdir go && for deb in golang-1.15-*.deb; do dpkg-deb -x "$deb" go; done
tar xzf kubernetes_*.orig.tar.gz
cd kubernetes-1.20.2

if ! command -v rsync >/dev/null; then
  echo "installing rsync (Kubernetes' code generation uses it)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq rsync >/dev/null
fi

export GOROOT=$WORK/go/usr/lib/go-1.15 GOCACHE=$WORK/gocache HOME=$WORK/home CGO_ENABLED=0
export PATH=$GOROOT/bin:$PATH GOPATH=$PWD/.go GOFLAGS=-mod=vendor GOPROXY=off
mkdir -p "$HOME" .go/src/k8s.io
ln -s ../../.. .go/src/k8s.io/kubernetes
make WHAT="cmd/kube-apiserver cmd/kube-scheduler" KUBE_GIT_VERSION=$KUBE_VERSION KUBE_GIT_TREE_STATE=clean >"$WORK/make.log" 2>&1 \
  || { tail -40 "$WORK/make.log"; exit 1; }
cp _output/bin/kube-apiserver _output/bin/kube-scheduler "$BIN/"
echo "$KUBE_DEB_VERSION" >"$STAMP"
cd /
rm -rf "$WORK"  # sources, toolchain and build cache: about 3 GB
echo "kube-apiserver and kube-scheduler $KUBE_VERSION built in $(($(date +%s) - started)) s into $BIN"
