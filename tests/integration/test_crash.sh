#!/usr/bin/env bash
# test_crash.sh - kills the server with SIGKILL while a persistent query streams, restarts it, and checks
# that every committed output is there exactly once (outputs and input positions commit together).
source "$(dirname "$0")/lib.sh"
start_server || exit 1

ksql h1 "CREATE STREAM src (id INT KEY, v INT) WITH (kafka_topic='src', partitions=2, value_format='JSON'); CREATE STREAM evens AS SELECT id, v FROM src WHERE v % 2 = 0;" '{"streamsProperties":{"ksql.streams.auto.offset.reset":"earliest"}}'
expect "query started" '.[1].commandStatus.queryId | startswith("CSAS_EVENS_")'

# 20,000 rows in 10 requests on /inserts-stream (HTTP/2), then SIGKILL while the query works through them.
total=20000
for chunk in $(seq 0 9); do
  {
    echo '{"target":"SRC"}'
    seq $((chunk * 2000)) $((chunk * 2000 + 1999)) | awk '{printf "{\"ID\":%d,\"V\":%d}\n", $1, $1}'
  } > "$WORK/rows.jsonl"
  acks=$(curl -s --http2-prior-knowledge -H 'Accept: application/json' --data-binary @"$WORK/rows.jsonl" \
           "http://127.0.0.1:$PORT/inserts-stream" | jq '[.[] | select(.status == "ok")] | length')
  [[ $acks == 2000 ]] || { not_ok "inserts acknowledged (chunk $chunk)" "got $acks acks"; }
done
ok "20000 rows inserted and acknowledged"
stop_server KILL

start_server || exit 1
count=0
for _ in $(seq 1 150); do
  BODY=$(curl -s -H 'Accept: application/json' --data-binary '{"sql":"SELECT * FROM evens;"}' \
           "http://127.0.0.1:$PORT/query-stream")
  count=$(jq '.[1:] | length' <<<"$BODY" 2>/dev/null || echo 0)
  [[ $count -ge $((total / 2)) ]] && break
  sleep 0.2
done
expect "after SIGKILL and restart every even row is there" "(.[1:] | length) == $((total / 2))"
expect "...exactly once" "(.[1:] | map(.[0]) | unique | length) == $((total / 2))"
expect "...and nothing else" "(.[1:] | map(select(.[1] % 2 != 0)) | length) == 0"
finish
