#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian machine that has only Node 20 and npm: the system packages
# grading runs (Postgres and Redis server binaries, bubblewrap), pnpm, and the workspace's
# dependencies; with --test, also what the test suite needs (Chromium); with --docker, a running
# Docker engine and the grading images (docker/build-images.sh). Quiet when there is nothing to do.
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0
want_docker=0
for arg in "$@"; do
  case "$arg" in
    --test) want_test=1 ;;
    --docker) want_docker=1 ;;
    *) echo "setup: unknown option $arg" >&2; exit 2 ;;
  esac
done

need=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || command -v postgres >/dev/null 2>&1 || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
# The candidate's network: a private namespace for the session (ip) and a firewall for its uid.
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v iptables >/dev/null 2>&1 || need+=(iptables)
command -v git >/dev/null 2>&1 || need+=(git)
# The test suite also renders the reviewer's report in a real browser (Debian's Chromium).
if ((want_test)); then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
if ((want_docker)); then
  command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
  command -v docker-compose >/dev/null 2>&1 || need+=(docker-compose)
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

if ! command -v pnpm >/dev/null 2>&1; then
  echo "setup: installing pnpm (npm)" >&2
  if ! npm install -g pnpm@12 --silent >/dev/null 2>&1; then
    # No write access to the global prefix: keep pnpm inside the repo instead.
    npm install --prefix .tools pnpm@12 --silent >/dev/null
    export PATH="$PWD/.tools/node_modules/.bin:$PATH"
  fi
fi

pnpm install --frozen-lockfile --reporter=silent

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
  elif ! bash docker/build-images.sh; then
    echo "setup: building the Docker images failed: Docker mode is unavailable here" >&2
  fi
fi

