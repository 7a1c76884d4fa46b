#!/usr/bin/env bash
# The harness's tests in two Vitest runs side by side: the files that grade in Docker (each one file
# at a time: their gradings are heavy and join the suite's load lock) and the rest (mostly asleep:
# hostile fixtures' timeouts, restarts, hangs). One after the other they took 709 s, the whole
# suite's wall clock (rehearsal at 986de3c: Docker files 309 s, the rest 400 s). Tried once before
# and reverted (7aa4de5): the local files' cold Go and Java builds ran beside a grader's
# measurement; set-up now warms the starters' caches and languages.test.ts joins the load lock.
# Each run writes its own JSON report.
set -uo pipefail
cd "$(dirname "$0")/.."
rm -f .vitest-results.json .vitest-results-docker.json
npx vitest run test/docker-sandbox.test.ts test/docker.test.ts \
  --reporter=default --reporter=json --outputFile=.vitest-results-docker.json &
docker=$!
npx vitest run --exclude 'test/docker-sandbox.test.ts' --exclude 'test/docker.test.ts' \
  --reporter=default --reporter=json --outputFile=.vitest-results.json
status=$?
wait "$docker" || status=1
exit "$status"
