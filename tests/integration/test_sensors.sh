#!/usr/bin/env bash
# test_sensors.sh - runs examples/sensors against a fresh server and checks its output topics and pull queries.
source "$(dirname "$0")/lib.sh"
root=$(cd "$(dirname "$0")/../.." && pwd)
expected=$(cat "$root/examples/sensors/expected.json")
STATUS="-"
start_server || exit 1

out=$("$root/examples/sensors/run.sh" "http://127.0.0.1:$PORT" 2>&1)
rc=$?
echo "$out"

# print_final TOPIC: the last value of every key in TOPIC, as a JSON object key text -> value
# (read with PRINT ... FROM BEGINNING for two seconds; windowed keys print with their window bytes,
# so each (device, window) is its own key).
print_final() {
  curl -s -m 2 -N "http://127.0.0.1:$PORT/query" \
    --data-binary "$(jq -cn --arg s "PRINT '$1' FROM BEGINNING;" '{ksql: $s}')" |
    sed -nE 's/^rowtime: .*, key: (.*), value: (\{.*\}), partition: [0-9]+$/\1\t\2/p' |
    jq -Rn '[inputs | split("\t") | {key: .[0], value: (.[1] | fromjson)}] | reduce .[] as $r ({}; .[$r.key] = $r.value)'
}

# 1. What the persistent queries wrote (no pull queries needed): ask until the totals are there.
want_hot=$(jq -c '[.overheating[] | {MAX_READING: .[3], READINGS: .[4]}] | sort' <<<"$expected")
want_dev=$(jq -c '[."sensor-007"[] | {AVG_READING: .[3], MAX_READING: .[4], READINGS: .[5]}] | sort' <<<"$expected")
for _ in $(seq 1 15); do
  hot=$(print_final OVERHEATING)
  dev=$(print_final READINGS_PER_MINUTE | jq -c 'with_entries(select(.key | startswith("sensor-007")))')
  [[ $(jq -c '[.[]] | sort' <<<"$hot") == "$want_hot" && $(jq -c '[.[]] | sort' <<<"$dev") == "$want_dev" ]] && break
done
BODY=$(jq -c '[.[]] | sort' <<<"$hot")
expect "topic OVERHEATING: the four overheating minutes (HAVING MAX(reading) > 80)" ". == $want_hot"
expect "topic OVERHEATING: one key per device and minute" "length == 4"
BODY=$(jq -c '[.[]] | sort' <<<"$dev")
expect "topic READINGS_PER_MINUTE: sensor-007's five minutes (avg, max, count)" ". == $want_dev"
BODY=$(print_final READINGS_PER_MINUTE)
expect "topic READINGS_PER_MINUTE: 100 devices x 5 minutes" "length == 500"
expect "topic READINGS_PER_MINUTE: every reading counted once" "[.[].READINGS] | add == 4000"

# 2. The example's own output: pull queries on the windowed tables (engine/pull.c).
BODY=$(tail -n1 <<<"$out")
if [[ $rc -ne 0 ]]; then
  not_ok "run.sh succeeds (pull queries on windowed tables)" "exit status $rc: $(tail -n3 <<<"$out")"
else
  ok "run.sh succeeds (pull queries on windowed tables)"
fi
expect "sensors output is examples/sensors/expected.json" ". == $expected"
finish
