#!/usr/bin/env bash
# test_quickstart.sh - runs examples/quickstart against a fresh server and checks its output.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
start_server || exit 1
out=$("$root/examples/quickstart/run.sh" "http://127.0.0.1:$PORT" 2>&1)
echo "$out"
BODY=$(tail -n1 <<<"$out")
expect "quickstart output is examples/quickstart/expected.json" ". == $(cat "$root/examples/quickstart/expected.json")"
finish
