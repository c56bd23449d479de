#!/usr/bin/env bash
# run.sh - runs the sensors example against a running eddy (default http://localhost:8088) and prints the results.
# Usage: examples/sensors/run.sh [http://host:port]
# Needs curl (with HTTP/2, for /inserts-stream), jq and awk.  Starts nothing itself.
set -euo pipefail
url=${1:-http://localhost:8088}
dir=$(cd "$(dirname "$0")" && pwd)
device=sensor-007

# 1. Declare the stream and start the two aggregations.
jq -Rs '{ksql: ., streamsProperties: {"ksql.streams.auto.offset.reset": "earliest"}}' "$dir/sensors.sql" |
  curl -sf "$url/ksql" --data-binary @- | jq -c '.[] | {type: .["@type"], status: .commandStatus.message}'

# 2. Insert the 4,000 readings in one /inserts-stream request (HTTP/2): a first line naming the
#    target, then one JSON row per line.  Each row gets an ack; count the good ones.
acks=$( { echo '{"target":"readings"}'; awk -f "$dir/readings.awk"; } |
  curl -sf --http2-prior-knowledge "$url/inserts-stream" --data-binary @- | grep -c '"status":"ok"' || true)
echo "inserted $acks readings"
if [[ $acks -ne 4000 ]]; then
  echo "expected 4000 acks from /inserts-stream" >&2
  exit 1
fi

# pull SQL: runs a pull query on /query-stream; prints the rows (without the header) as a JSON array,
# or the error and returns 1.
pull() {
  local out
  out=$(curl -s "$url/query-stream" -H 'Accept: application/json' \
          --data-binary "$(jq -cn --arg s "$1" '{sql: $s}')")
  if ! jq -e 'type == "array"' >/dev/null 2>&1 <<<"$out"; then
    echo "pull query failed: $1" >&2
    echo "$out" >&2
    return 1
  fi
  jq -c '.[1:]' <<<"$out"
}

# 3. The queries run in the background; ask until every reading is counted: 8 per minute for
#    5 minutes for the device, and the four overheating minutes.
per_minute="SELECT * FROM readings_per_minute WHERE device_id = '$device';"
alerts="SELECT * FROM overheating;"
for _ in $(seq 1 100); do
  rows=$(pull "$per_minute" | jq -c 'sort_by(.[1])')
  hot=$(pull "$alerts" | jq -c 'sort_by(.[0], .[1])')
  [[ $(jq '[.[][5]] | add // 0' <<<"$rows") -ge 40 && $(jq 'length' <<<"$hot") -ge 4 ]] && break
  sleep 0.2
done

echo "$per_minute"
jq -r '.[] | "  \(.[0])  minute from \(.[1] / 1000 | todate)  avg \(.[3])  max \(.[4])  readings \(.[5])"' <<<"$rows"
echo "$alerts"
jq -r '.[] | "  \(.[0])  minute from \(.[1] / 1000 | todate)  max \(.[3])  readings \(.[4])"' <<<"$hot"
# The last line is what expected.json holds.
jq -cn --argjson r "$rows" --argjson h "$hot" --arg d "$device" '{($d): $r, overheating: $h}'
