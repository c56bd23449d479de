#!/usr/bin/env bash
# test.sh - installs what is missing, builds everything and runs every test (ends with ctest's summary).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh --test
# The npm ksqlDB client for the integration test (kept out of git).
if [[ -f tests/integration/npm/package.json ]]; then
  (cd tests/integration/npm && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
cd build-test
ctest --output-on-failure -j2 --timeout 600
