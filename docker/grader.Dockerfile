# The grader: this repository (harness, graders and their node_modules) on the runner image, with
# the docker CLI to start each run's containers beside it (compose.yaml mounts the engine's socket).
# The build context is staged by build-images.sh --grader: app/ (the repository) and bin/ (docker, pnpm).
ARG RUNNER
FROM ${RUNNER}
# ip and iptables: client addresses on each run's bridge, candidate ports forwarded to loopback.
RUN (command -v ip && command -v iptables) >/dev/null \
  || (apt-get update && apt-get install -y --no-install-recommends iproute2 iptables && rm -rf /var/lib/apt/lists/*)
COPY bin/ /usr/local/bin/
COPY pnpm/ /usr/local/lib/node_modules/pnpm/
COPY app/ /app/
WORKDIR /app
# Run dirs and the install cache at one path on the host and here: candidate containers bind-mount
# them from the host (compose.yaml mounts the same path).
ENV GRADE_RUN_DIR=/var/tmp/backend-challenges GRADE_CACHE_DIR=/var/tmp/backend-challenges/cache
# The commit the image holds (the image has no .git): results.json's provenance names it.
ARG GRADER_COMMIT=""
ENV BC_GRADER_COMMIT=${GRADER_COMMIT}
ENTRYPOINT ["node", "--import", "tsx", "shared/harness/src/cli.ts"]
