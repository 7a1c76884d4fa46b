#!/usr/bin/env bash
# The whole test suite: Biome and typecheck, then the harness's tests beside the graders'
# self-tests, two graders at a time with two gradings each. Most of a grading is waiting (outages,
# windows, restarts), so they share the machine; every grading names one load lock, so a load
# measurement still runs alone on it (the others finish first, none starts meanwhile). Ends with
# the time per package, the wall time against the budget, and a "tests: N passed, N failed" line.
set -uo pipefail
cd "$(dirname "$0")/.."
GRADE_LOAD_LOCK="$(mktemp -d "${TMPDIR:-/tmp}/bc-load-lock.XXXXXX")"
export GRADE_LOAD_LOCK
trap 'rm -rf "$GRADE_LOAD_LOCK"' EXIT
rm -f shared/*/.vitest-results.json graders/*/.vitest-results.json challenges/*/.vitest-results.json
status=0
npx turbo run lint typecheck --continue || status=1
npx turbo run test --only --filter=@bc/harness --continue &
harness=$!
BC_SELFTEST_WIDTH=2 npx turbo run test --only --filter='!@bc/harness' --concurrency=2 --continue || status=1
wait "$harness" || status=1
node scripts/ci-summary.mjs || status=1
exit "$status"
