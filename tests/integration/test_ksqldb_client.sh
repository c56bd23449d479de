#!/usr/bin/env bash
# test_ksqldb_client.sh - starts `eddy serve` on loopback and runs npm/client_test.js (the real ksqldb-client).
source "$(dirname "$0")/lib.sh"
dir=$(cd "$(dirname "$0")" && pwd)
if [[ ! -d $dir/npm/node_modules/ksqldb-client ]]; then
  echo "ksqldb-client is not installed: run scripts/test.sh (it runs npm install in tests/integration/npm)"
  exit 1
fi
start_server || exit 1
node "$dir/npm/client_test.js" "$PORT"
