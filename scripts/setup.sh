#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine that has only Node 20 and npm: the system packages
# grading runs (Postgres and Redis server binaries, bubblewrap), pnpm, and the workspace's
# dependencies; with --test, also what the test suite needs (Chromium, the Python and Go
# toolchains); with --docker, a running Docker engine and the grading images
# (docker/build-images.sh); with --languages python,go,rust,java (or all), the toolchains that
# submissions in those languages need, system-wide. Quiet when there is nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0
want_docker=0
languages=""
while (($#)); do
  case "$1" in
    --test) want_test=1 ;;
    --docker) want_docker=1 ;;
    --languages) languages="${2:-}"; shift ;;
    --languages=*) languages="${1#--languages=}" ;;
    *) echo "setup: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
((want_test)) && languages="${languages:+$languages,}python,go,rust,java"
[ "$languages" = all ] && languages=python,go,rust,java

need=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || command -v postgres >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
# The candidate's network: a private namespace for the session (ip) and a firewall for its uid.
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
command -v git >/dev/null 2>&1 || need+=(git)
# Dolos's tree-sitter parsers (similarity across a batch) are native add-ons compiled on install.
{ command -v make && command -v g++; } >/dev/null 2>&1 || need+=(make g++)
# The test suite also renders the reviewer's report in a real browser (Debian's Chromium).
if ((want_test)); then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
if ((want_docker)); then
  command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
  command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
fi
# Toolchains for submissions in other languages, where the sandbox user can run them: on the
# system PATH, under /usr (scripts/../shared/harness/src/languages/toolchains.ts looks nowhere else).
# Debian bookworm's Go (1.19) and Rust (1.63) are too old for today's libraries: a newer Go in
# /usr/local/go, or a rustup toolchain copied to /usr/local/lib/rust, is preferred to them.
sys_has() { PATH=/usr/local/go/bin:/usr/local/bin:/usr/bin:/bin command -v "$1" >/dev/null 2>&1; }
# Go: the starters' go.mod asks for GO_VERSION's minor. A machine with an older Go of 1.21 or later
# (which knows GOTOOLCHAIN) has the go command fetch this one from the Go module proxy, checked
# against the checksum database, and it is copied to /usr/local/go; Debian's golang-go is too old
# to do even that, so without any such Go this says what to install and goes on.
GO_VERSION=1.26.8
go_minor() { "$1" version 2>/dev/null | sed -n 's/.* go1\.\([0-9]*\).*/\1/p'; }
go_new_enough() {
  local m
  m=$(go_minor "$(PATH=/usr/local/go/bin:/usr/local/bin:/usr/bin:/bin command -v go || echo none)")
  [ -n "$m" ] && ((m >= $(echo "$GO_VERSION" | cut -d. -f2)))
}
install_go() {
  local go_cmd m root tmp
  go_cmd=$(command -v go || true)
  m=$(go_minor "$go_cmd")
  if [ -z "$m" ] || ((m < 21)) || [ "$(id -u)" != 0 ]; then
    echo "setup: Go submissions need Go $GO_VERSION system-wide, in /usr/local/go (Debian bookworm's golang-go is 1.19, too old): install it there as root, or run this as root with any Go from 1.21 on the PATH" >&2
    return 0
  fi
  echo "setup: fetching Go $GO_VERSION through the Go module proxy into /usr/local/go" >&2
  tmp=$(mktemp -d)
  if root=$(GOPATH="$tmp" GOMODCACHE="$tmp/mod" GOTOOLCHAIN="go$GO_VERSION" "$go_cmd" env GOROOT); then
    rm -rf /usr/local/go.tmp && cp -a "$root" /usr/local/go.tmp && chmod -R a+rX,u+w /usr/local/go.tmp
    rm -rf /usr/local/go && mv /usr/local/go.tmp /usr/local/go
  fi
  chmod -R u+w "$tmp" && rm -rf "$tmp"
}
go_fetch=0
rust_from_rustup=""
for lang in ${languages//,/ }; do
  case "$lang" in
    python)
      sys_has python3 || need+=(python3)
      /usr/bin/python3 -m pip --version >/dev/null 2>&1 || need+=(python3-pip)
      ;;
    go) go_new_enough || go_fetch=1 ;;
    rust)
      if ! sys_has cargo; then
        rust_from_rustup=$(ls -d "${RUSTUP_HOME:-$HOME/.rustup}"/toolchains/stable-* 2>/dev/null | head -1 || true)
        [ -n "$rust_from_rustup" ] || need+=(rustc cargo)
      fi
      ;;
    java)
      sys_has java || need+=(default-jdk-headless)
      sys_has mvn || need+=(maven)
      ;;
    *) echo "setup: unknown language $lang (python, go, rust, java or all)" >&2; exit 2 ;;
  esac
done
if [ -n "$rust_from_rustup" ] && [ "$(id -u)" = 0 ]; then
  echo "setup: making $(basename "$rust_from_rustup") system-wide in /usr/local/lib/rust" >&2
  rm -rf /usr/local/lib/rust.tmp && cp -a "$rust_from_rustup" /usr/local/lib/rust.tmp
  # Its HTML documentation is most of it (800 MB) and no build reads it.
  rm -rf /usr/local/lib/rust.tmp/share/doc
  chmod -R a+rX /usr/local/lib/rust.tmp && rm -rf /usr/local/lib/rust && mv /usr/local/lib/rust.tmp /usr/local/lib/rust
  for b in cargo rustc; do ln -sf /usr/local/lib/rust/bin/$b /usr/local/bin/$b; done
fi

if ((${#need[@]})); then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${need[*]} (apt-get)" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "setup: missing ${need[*]}: run 'apt-get install ${need[*]}' as root, or set DATABASE_URL and REDIS_URL" >&2
  fi
fi

((go_fetch)) && install_go

if ! command -v pnpm >/dev/null 2>&1; then
  echo "setup: installing pnpm (npm)" >&2
  if ! npm install -g pnpm@12 --silent >/dev/null 2>&1; then
    # No write access to the global prefix: keep pnpm inside the repo instead.
    npm install --prefix .tools pnpm@12 --silent >/dev/null
    export PATH="$PWD/.tools/node_modules/.bin:$PATH"
  fi
fi

# node-gyp downloads Node's headers from nodejs.org unless told where they are: the running
# Node's own, when it has them (Debian's and NodeSource's packages do).
node_prefix=$(node -p 'require("node:path").resolve(process.execPath, "../..")')
[ -f "$node_prefix/include/node/node.h" ] && export npm_config_nodedir="$node_prefix"
pnpm install --frozen-lockfile --reporter=silent

# Each language's first grading on a machine would otherwise fetch (and, for Go, compile) what
# every grading in it starts from: Go's standard library, and each challenge's starter's
# dependencies (most candidates keep the starter's lockfile). Warmed here, once per toolchain and
# lockfile, by the graders' own installs; a failure is reported and grading still works.
if [ -n "$languages" ]; then
  npx tsx shared/harness/src/warm-cli.ts "$languages" || echo "setup: warming the language caches failed (above); the first gradings will fetch instead" >&2
fi

# Docker mode: an engine that answers, and the images. A machine that cannot run one still grades
# locally, so this part reports and goes on rather than failing the set-up.
if ((want_docker)); then
  if ! docker info >/dev/null 2>&1 && command -v dockerd >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    echo "setup: starting dockerd" >&2
    (setsid dockerd >/var/log/bc-dockerd.log 2>&1 &)
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  fi
  if ! docker info >/dev/null 2>&1; then
    echo "setup: no Docker engine answers (see /var/log/bc-dockerd.log): Docker mode is unavailable here" >&2
  elif ! bash docker/build-images.sh --languages "$languages"; then
    echo "setup: building the Docker images failed: Docker mode is unavailable here" >&2
  fi
fi

