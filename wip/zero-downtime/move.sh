#!/usr/bin/env bash
# Moves this work in progress into the workspace (see STATUS.md), from the repository root:
#   bash wip/zero-downtime/move.sh && pnpm install
set -euo pipefail
W=wip/zero-downtime
mkdir -p challenges graders/zero-downtime/fixtures
git mv "$W/challenge" challenges/zero-downtime
for f in $(cd "$W/grader" && git ls-files); do
  mkdir -p "graders/zero-downtime/$(dirname "$f")"
  git mv "$W/grader/$f" "graders/zero-downtime/$f"
done
git mv "$W/reference" graders/zero-downtime/reference
git mv "$W/alternative" graders/zero-downtime/fixtures/alternative
git mv "$W/mutants" graders/zero-downtime/mutants
# The traffic's HTTP client, in the catalog beside the others.
grep -q '^  undici:' pnpm-workspace.yaml || sed -i 's/^  typescript: \(.*\)$/  typescript: \1\n  undici: ^7.30.2/' pnpm-workspace.yaml
echo "moved; now: pnpm install, and keep $W/STATUS.md as graders/zero-downtime's notes or drop it"
