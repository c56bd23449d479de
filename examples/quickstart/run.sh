#!/usr/bin/env bash
# run.sh - runs the quickstart against a running eddy (default http://localhost:8088) and prints the result.
# Usage: examples/quickstart/run.sh [http://host:port]
set -euo pipefail
url=${1:-http://localhost:8088}
dir=$(cd "$(dirname "$0")" && pwd)

# 1. Declare the stream, start the query, insert five orders.
jq -Rs '{ksql: ., streamsProperties: {"ksql.streams.auto.offset.reset": "earliest"}}' "$dir/quickstart.sql" |
  curl -sf "$url/ksql" --data-binary @- | jq -c '.[] | {type: .["@type"], status: .commandStatus.message}'

# 2. Read what the query wrote: a pull query on the output stream reads it to the end.
#    The query runs in the background, so ask until the three large orders are there.
for _ in $(seq 1 50); do
  rows=$(curl -sf "$url/query-stream" -H 'Accept: application/json' \
           --data-binary '{"sql": "SELECT * FROM big_orders;"}' | jq -c '.[1:] | sort_by(.[0])')
  [[ $(jq length <<<"$rows") -ge 3 ]] && break
  sleep 0.2
done
echo "$rows"
