#!/usr/bin/env bash
# serve.sh - installs what is missing, builds, and starts `eddy serve` on port 8088 with the embedded log.
# Extra arguments go to `eddy serve` (e.g. -D ksql.streams.state.dir=/var/lib/eddy).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
exec ./build/eddy serve "$@"
