#!/usr/bin/env bash
# The test suite on a busy machine: one process spinning on core 0 for the whole run, as a
# neighbour on a shared CI runner or a laptop's other work would. Every time bound in the graders,
# references and mutants must hold with it (issue: margins for a 2-core machine, one core busy).
set -euo pipefail
cd "$(dirname "$0")/.."
hog() { exec taskset -c 0 nice -n 0 node -e 'for (;;) {}'; }
hog &
HOG=$!
trap 'kill "$HOG" 2>/dev/null || true' EXIT INT TERM
echo "test:busy: a CPU hog (pid $HOG) spins on core 0 of $(nproc) for the whole suite"
npm test
