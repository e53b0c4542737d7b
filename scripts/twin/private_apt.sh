# Sourced by the twin's build scripts: apt-get and apt-cache against a private list of Debian
# sources kept under the cache, so fetching sources or packages from another Debian release
# never changes the machine's own apt configuration or installed packages.
private_apt_init() {
  PRIVATE_APT_DIR=$1
  shift
  mkdir -p "$PRIVATE_APT_DIR/lists/partial" "$PRIVATE_APT_DIR/cache/archives/partial"
  printf '%s\n' "$@" >"$PRIVATE_APT_DIR/sources.list"
  PRIVATE_APT_OPTS=(
    -o "Dir::Etc::SourceList=$PRIVATE_APT_DIR/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$PRIVATE_APT_DIR/lists" -o "Dir::Cache=$PRIVATE_APT_DIR/cache"
    -o Debug::NoLocking=1 -o APT::Sandbox::User=root -qq
  )
  apt-get "${PRIVATE_APT_OPTS[@]}" update
}
private_apt() { apt-get "${PRIVATE_APT_OPTS[@]}" "$@"; }
private_apt_cache() { apt-cache "${PRIVATE_APT_OPTS[@]}" "$@"; }
