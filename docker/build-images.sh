#!/usr/bin/env bash
# Builds the images of images.env. The base comes from the public registry when one answers, else
# from Debian's archive: debootstrap a minimal rootfs with the servers in it and `docker import`
# it (these machines reach Debian's packages but no container registry). Idempotent: images that
# exist are kept. Needs a running Docker engine (and, for debootstrap, root).
set -euo pipefail
cd "$(dirname "$0")"
want_grader=0
languages=""
while (($#)); do
  case "$1" in
    --grader) want_grader=1 ;;
    --languages) languages="${2:-}"; shift ;;
    --languages=*) languages="${1#--languages=}" ;;
  esac
  shift
done
# shellcheck source=images.env
source ./images.env

have() { docker image inspect "$1" >/dev/null 2>&1; }
started=$(date +%s)

if ! have "$BC_BASE_IMAGE"; then
  if timeout 30 docker pull -q "$BC_PUBLIC_BASE" >/dev/null 2>&1; then
    echo "build-images: base from the registry ($BC_PUBLIC_BASE)" >&2
    docker tag "$BC_PUBLIC_BASE" "$BC_BASE_IMAGE"
  else
    command -v debootstrap >/dev/null || { echo "build-images: no registry, and debootstrap is missing: apt-get install debootstrap" >&2; exit 1; }
    echo "build-images: no registry; debootstrapping Debian $BC_DEBIAN_SUITE with postgresql-15, redis-server, iproute2 and iptables" >&2
    rootfs=$(mktemp -d /var/tmp/bc-rootfs.XXXXXX)
    trap 'rm -rf "$rootfs"' EXIT
    # iproute2 and iptables: the grader image (FROM runner FROM base) adds client addresses and
    # forwards candidate ports with them.
    debootstrap --variant=minbase --include=postgresql-15,redis-server,ca-certificates,iproute2,iptables \
      "$BC_DEBIAN_SUITE" "$rootfs" http://deb.debian.org/debian >/dev/null
    rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/archives/*.deb
    tar -C "$rootfs" -c . | docker import - "$BC_BASE_IMAGE" >/dev/null
  fi
fi
for svc in postgres redis; do
  var="BC_${svc^^}_IMAGE"
  if ! have "${!var}"; then
    # Quiet unless it fails (the legacy builder warns about itself on every build).
    if ! log=$(docker build -q --build-arg BASE="$BC_BASE_IMAGE" -t "${!var}" -f "$svc.Dockerfile" . 2>&1); then
      echo "$log" >&2
      exit 1
    fi
  fi
done
# The runner: the public Node image when a registry answers, else this machine's Node 20 (the one
# the harness itself runs on) copied onto the base.
if ! have "$BC_RUNNER_IMAGE"; then
  if timeout 30 docker pull -q "$BC_PUBLIC_NODE" >/dev/null 2>&1; then
    docker tag "$BC_PUBLIC_NODE" "$BC_RUNNER_IMAGE"
  else
    node_bin=$(command -v node)
    case "$("$node_bin" --version)" in
      v20.*) ;;
      *) echo "build-images: no registry, and this machine's node is not Node 20: cannot build $BC_RUNNER_IMAGE" >&2; exit 1 ;;
    esac
    npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")
    context=$(mktemp -d /var/tmp/bc-runner.XXXXXX)
    mkdir -p "$context/bin" "$context/lib/node_modules"
    cp "$(readlink -f "$node_bin")" "$context/bin/node"
    cp -r "$npm_dir" "$context/lib/node_modules/npm"
    if ! log=$(docker build -q --build-arg BASE="$BC_BASE_IMAGE" -t "$BC_RUNNER_IMAGE" -f runner.Dockerfile "$context" 2>&1); then
      rm -rf "$context"
      echo "$log" >&2
      exit 1
    fi
    rm -rf "$context"
  fi
fi
ready="$BC_POSTGRES_IMAGE, $BC_REDIS_IMAGE, $BC_RUNNER_IMAGE"
build() { # image dockerfile context [build args…]
  local image=$1 file=$2 context=$3 log
  shift 3
  if ! log=$(docker build -q --build-arg BASE="$BC_BASE_IMAGE" "$@" -t "$image" -f "$file" "$context" 2>&1); then
    echo "$log" >&2
    return 1
  fi
}
# Runners for other languages, on request (setup --languages … --docker).
case ",$languages," in
  *,python,*)
    have "$BC_RUNNER_PYTHON_IMAGE" || build "$BC_RUNNER_PYTHON_IMAGE" runner-python.Dockerfile .
    ready="$ready, $BC_RUNNER_PYTHON_IMAGE"
    ;;
esac
case ",$languages," in
  *,go,*)
    # The machine's own Go, the one installs compile dependencies with: rebuilt when it changes.
    go_version=$(/usr/local/go/bin/go env GOVERSION 2>/dev/null || true)
    if [ -z "$go_version" ]; then
      echo "build-images: no Go in /usr/local/go (bash scripts/setup.sh --languages go): $BC_RUNNER_GO_IMAGE not built" >&2
    else
      label=$(docker image inspect --format '{{index .Config.Labels "backend-challenges.go-version"}}' "$BC_RUNNER_GO_IMAGE" 2>/dev/null || true)
      if [ "$label" != "$go_version" ]; then
        context=$(mktemp -d /var/tmp/bc-runner-go.XXXXXX)
        cp -a /usr/local/go "$context/go"
        build "$BC_RUNNER_GO_IMAGE" runner-go.Dockerfile "$context" --build-arg GO_VERSION="$go_version" || { rm -rf "$context"; exit 1; }
        rm -rf "$context"
      fi
      ready="$ready, $BC_RUNNER_GO_IMAGE ($go_version)"
    fi
    ;;
esac
case ",$languages," in
  *,rust,*)
    # The machine's own Rust (setup --languages rust put it in /usr/local/lib/rust): rebuilt when it changes.
    rust_version=$(/usr/local/lib/rust/bin/rustc --version 2>/dev/null || true)
    if [ -z "$rust_version" ]; then
      echo "build-images: no Rust in /usr/local/lib/rust (bash scripts/setup.sh --languages rust): $BC_RUNNER_RUST_IMAGE not built" >&2
    else
      label=$(docker image inspect --format '{{index .Config.Labels "backend-challenges.rust-version"}}' "$BC_RUNNER_RUST_IMAGE" 2>/dev/null || true)
      if [ "$label" != "$rust_version" ]; then
        context=$(mktemp -d /var/tmp/bc-runner-rust.XXXXXX)
        cp -a /usr/local/lib/rust "$context/rust"
        build "$BC_RUNNER_RUST_IMAGE" runner-rust.Dockerfile "$context" --build-arg RUST_VERSION="$rust_version" || { rm -rf "$context"; exit 1; }
        rm -rf "$context"
      fi
      ready="$ready, $BC_RUNNER_RUST_IMAGE ($rust_version)"
    fi
    ;;
esac
case ",$languages," in
  *,java,*)
    have "$BC_RUNNER_JAVA_IMAGE" || build "$BC_RUNNER_JAVA_IMAGE" runner-java.Dockerfile .
    ready="$ready, $BC_RUNNER_JAVA_IMAGE"
    ;;
esac
echo "build-images: $ready ready ($(($(date +%s) - started)) s)" >&2

# The grader image holds this checkout, so it is rebuilt every time (Docker's layer cache keeps that
# quick when nothing changed): the repository without its history or outputs, plus docker and pnpm.
if ((want_grader)); then
  started=$(date +%s)
  context=$(mktemp -d /var/tmp/bc-grader.XXXXXX)
  trap 'rm -rf "$context"' EXIT
  mkdir -p "$context/app" "$context/bin"
  tar -C .. --exclude=./.git --exclude=./.grade --exclude=./.artifacts --exclude=.turbo --exclude=./.tools \
    -cf - . | tar -C "$context/app" -xf -
  cp "$(command -v docker)" "$context/bin/docker"
  cp -r "$(dirname "$(readlink -f "$(command -v pnpm)")")" "$context/pnpm"
  ln -s ../lib/node_modules/pnpm/pnpm "$context/bin/pnpm"
  commit=$(git -C .. rev-parse HEAD 2>/dev/null || true)
  [ -n "$commit" ] && [ -n "$(git -C .. status --porcelain 2>/dev/null)" ] && commit="$commit+dirty"
  if ! log=$(docker build -q --build-arg RUNNER="$BC_RUNNER_IMAGE" --build-arg GRADER_COMMIT="$commit" \
    -t "$BC_GRADER_IMAGE" -f grader.Dockerfile "$context" 2>&1); then
    echo "$log" >&2
    exit 1
  fi
  echo "build-images: $BC_GRADER_IMAGE ready ($(($(date +%s) - started)) s)" >&2
fi
