#!/usr/bin/env bash
# Builds Kubernetes' standalone apiextensions-apiserver v0.36.4 (Kubernetes 1.36.4): the
# CustomResourceDefinition server alone, which enforces CRD schemas and their CEL
# (x-kubernetes-validations) rules, so tests can create custom resources against the real
# validation code without a whole cluster. Also fetches etcd (fetch_etcd.sh) for its storage.
# How to run both: README-apiextensions.md.
#
# Everything comes from Debian sid's archive, offline otherwise (no Go module proxy, no GitHub):
#   - golang-k8s-apiextensions-apiserver-dev ships the server's sources, main.go included, under
#     /usr/share/gocode/src/k8s.io/apiextensions-apiserver;
#   - its Go library dependencies are Debian's golang-*-dev packages, laid out as a GOPATH
#     under /usr/share/gocode, so it is compiled in GOPATH mode (GO111MODULE=off);
#   - the compiler is sid's golang-1.26-go (the package's go.mod asks for go 1.26.0; in GOPATH
#     mode go.mod is ignored, so its `godebug default=go1.26` is also what Go 1.26 defaults to).
# Nothing is installed: the .debs are unpacked with dpkg-deb into the cache, using a private apt
# configuration there, the binary kept in $TWIN_CACHE/bin and the rest (about 2.5 GB) removed.
# A second run with the binary and its stamp present does nothing.
set -euo pipefail

export TWIN_CACHE=${TWIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/spark-platform-twin} # HOME changes below
# Pinned: sid replaces versions without notice and deb.debian.org serves only the current one,
# so a newer upload makes this script stop with a clear message instead of silently building
# something else. The library closure below is taken at sid's current versions (Debian keeps it
# consistent with the pinned package) and listed in $BIN/apiextensions-apiserver.debs.
AEA_DEB_VERSION=0.36.4-1
GO_DEB_VERSION=1.26.10-1
BIN=$TWIN_CACHE/bin
STAMP=$BIN/apiextensions-apiserver.version

here=$(cd "$(dirname "$0")" && pwd)
# The stamp reads "<pinned version> <version built>": a cache built for this pin is reused.
if [[ -x $BIN/apiextensions-apiserver && "$(cut -d' ' -f1 "$STAMP" 2>/dev/null)" == "$AEA_DEB_VERSION" ]]; then
  echo "apiextensions-apiserver $(cut -d' ' -f2 "$STAMP") already in $BIN (cached)"
  "$here/fetch_etcd.sh"
  exit 0
fi
started=$(date +%s)
phase_start=$started
phase() { # prints how long the previous phase took
  local now
  now=$(date +%s)
  echo "  $1: $((now - phase_start)) s"
  phase_start=$now
}
mkdir -p "$BIN"
WORK=$TWIN_CACHE/build-apiextensions
rm -rf "$WORK"
mkdir -p "$WORK"

# A private apt configuration under the cache: the machine's own sources stay untouched.
source "$here/private_apt.sh"
private_apt_init "$WORK/apt" \
  "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian sid main"
phase "apt update (sid lists)"

# sid replaces a version with the next upload and deb.debian.org keeps only the newest, so a
# fresh machine may no longer find the pinned one. Then the current upload of the same Go and
# Kubernetes minor is taken (Debian uploads the k8s library set together), with a warning, and
# the stamp records what was built; a different minor stops the build with what sid has.
has_version() { private_apt_cache madison "$1" | awk -F'|' -v v="$2" '{gsub(/ /, "", $2)} $2 == v {f = 1} END {exit !f}'; }
current_version() { private_apt_cache madison "$1" | awk -F'|' 'NR == 1 {gsub(/ /, "", $2); print $2}'; }
settle_version() { # package pinned-version minor-prefix -> prints the version to use
  if has_version "$1" "$2"; then echo "$2"; return; fi
  local now
  now=$(current_version "$1")
  if [[ $now == "$3"* ]]; then
    echo "warning: Debian sid no longer has $1=$2; using $now" >&2
    echo "$now"
  else
    echo "Debian sid has $1=${now:-nothing}, not the ${3}x line this script pins ($2); update $0." >&2
    exit 1
  fi
}
AEA_DEB_BUILT=$(settle_version golang-k8s-apiextensions-apiserver-dev "$AEA_DEB_VERSION" "${AEA_DEB_VERSION%.*}.")
GO_DEB_BUILT=$(settle_version golang-1.26-go "$GO_DEB_VERSION" 1.26.)
upstream=${AEA_DEB_BUILT%%-*} # 0.36.4: staging tag v0.36.4 is Kubernetes v1.36.4, for /version
minor=${upstream#0.}
minor=${minor%%.*}
AEA_VERSION=v1.${upstream#0.}

# The Go libraries it needs: every golang-*-dev package in the recursive dependency closure
# (test-only dependencies of those libraries included; harmless, GOPATH mode compiles only what
# is imported). Virtual packages (<...>) are dropped, apt-cache lists their providers as well;
# the toolchain (golang-go, golang-any...) is left out in favour of the pinned golang-1.26.
mapfile -t libs < <(private_apt_cache depends --recurse --no-recommends --no-suggests --no-conflicts \
  --no-breaks --no-replaces --no-enhances golang-k8s-apiextensions-apiserver-dev \
  | grep -E '^golang-.*-dev$' | grep -vx golang-k8s-apiextensions-apiserver-dev | sort -u)
if ((${#libs[@]} < 100)); then # about 300 in 0.36.4-1; fewer means apt-cache went wrong
  echo "only ${#libs[@]} golang-*-dev packages in the dependency closure: ${libs[*]}" >&2
  exit 1
fi
echo "  ${#libs[@]} golang-*-dev libraries in the closure"

mkdir "$WORK/debs"
cd "$WORK/debs"
private_apt download "golang-k8s-apiextensions-apiserver-dev=$AEA_DEB_BUILT" "${libs[@]}" \
  "golang-1.26-go=$GO_DEB_BUILT" "golang-1.26-src=$GO_DEB_BUILT"
phase "download $(ls | wc -l) .debs ($(du -sh . | cut -f1))"

for deb in *.deb; do dpkg-deb -x "$deb" "$WORK/root"; done
for deb in *.deb; do dpkg-deb -W --showformat='${Package}=${Version}\n' "$deb"; done >"$WORK/debs.list"
phase "unpack"

export GOROOT=$WORK/root/usr/lib/go-1.26 GOPATH=$WORK/root/usr/share/gocode
export GO111MODULE=off GOPROXY=off GOFLAGS= GOTOOLCHAIN=local GOENV=off
export GOCACHE=$WORK/gocache HOME=$WORK/home CGO_ENABLED=0 # static binary, no C compiler needed
mkdir -p "$HOME"
cd "$GOPATH/src/k8s.io/apiextensions-apiserver"
v=k8s.io/component-base/version
"$GOROOT/bin/go" build -trimpath -o "$WORK/apiextensions-apiserver" -ldflags "-s -w \
  -X $v.gitVersion=$AEA_VERSION -X $v.gitMajor=1 -X $v.gitMinor=$minor -X $v.gitTreeState=clean \
  -X $v.gitCommit=debian-$AEA_DEB_BUILT -X $v.buildDate=$(date -u +%Y-%m-%dT%H:%M:%SZ)" .
phase "go build"

mv "$WORK/apiextensions-apiserver" "$BIN/apiextensions-apiserver"
mv "$WORK/debs.list" "$BIN/apiextensions-apiserver.debs"
echo "$AEA_DEB_VERSION $AEA_DEB_BUILT" >"$STAMP"
cd /
rm -rf "$WORK"
phase "clean up"
echo "apiextensions-apiserver (Debian $AEA_DEB_BUILT, Go $GO_DEB_BUILT) built in $(($(date +%s) - started)) s into $BIN"
"$here/fetch_etcd.sh"
