#!/usr/bin/env bash
# test_aggregations.sh - windowed and non-windowed CTAS aggregations on a real server: their output topics,
# then SIGKILL mid-stream, restart, more input, and exact totals (no double counting, nothing lost).
#
# Input row i (counted from 0 over the whole test): key K = "k<i % 20>", group G = "g<i % 7>",
# V = i % 100 + 1, TS = T0 + 10 * i, T0 = the start of the test rounded down to 10 s (recent event
# times, so no topic retention applies), so a 10 s tumbling window holds 1,000 rows.
# Three persistent queries:
#   TOTALS     COUNT and SUM per K (grouped by the key: no repartition)
#   PER_WINDOW COUNT and SUM per K per 10 s TUMBLING window
#   BY_GROUP   COUNT and SUM per G (a value column: records go through the repartition topic)
# The totals are read from the output topics (PRINT, the last record of each key), which the queries
# write in the same transactions as their state; pull queries on the tables are checked at the end.
# The server is killed while rows are still being inserted and processed; what the totals must be
# after that is computed from the rows the source topic holds (read back with a pull query on the
# stream), so rows whose insert the kill interrupted count exactly when they were written.
source "$(dirname "$0")/lib.sh"
STATUS="-"
T0=$(( $(date +%s) / 10 * 10000 ))
# A short commit interval: many commits while the queries work, so the kill falls between some.
start_server -D ksql.streams.commit.interval.ms=200 || exit 1

props='{"streamsProperties":{"ksql.streams.auto.offset.reset":"earliest"}}'
ksql h1 "CREATE STREAM events (k VARCHAR KEY, g VARCHAR, v BIGINT, ts BIGINT)
           WITH (kafka_topic='events', partitions=2, value_format='JSON', timestamp='ts');
         CREATE TABLE totals AS SELECT k, COUNT(*) AS n, SUM(v) AS s FROM events GROUP BY k EMIT CHANGES;
         CREATE TABLE per_window AS SELECT k, COUNT(*) AS n, SUM(v) AS s FROM events
           WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY k EMIT CHANGES;
         CREATE TABLE by_group AS SELECT g, COUNT(*) AS n, SUM(v) AS s FROM events GROUP BY g EMIT CHANGES;" "$props"
expect "three aggregations started" '[.[].commandStatus.queryId | select(. != null)] | length == 3'

# rows FROM TO: the inserts-stream body for rows FROM .. TO-1.
rows() {
  echo '{"target":"events"}'
  awk -v a="$1" -v b="$2" -v t0="$T0" 'BEGIN { for (i = a; i < b; i++)
    printf "{\"K\":\"k%d\",\"G\":\"g%d\",\"V\":%d,\"TS\":%.0f}\n", i % 20, i % 7, i % 100 + 1, t0 + 10 * i }'
}

# insert FROM TO: inserts rows FROM .. TO-1 (in requests of 10,000) and checks every one was acknowledged.
insert() {
  local from=$1 to=$2 acks=0 a
  for ((c = from; c < to; c += 10000)); do
    a=$(rows "$c" $((c + 10000 < to ? c + 10000 : to)) |
          curl -s --http2-prior-knowledge -H 'Accept: application/json' --data-binary @- \
            "http://127.0.0.1:$PORT/inserts-stream" | jq '[.[] | select(.status == "ok")] | length')
    acks=$((acks + ${a:-0}))
  done
  if [[ $acks -eq $((to - from)) ]]; then ok "rows $from..$((to - 1)) inserted and acknowledged"
  else not_ok "rows $from..$((to - 1)) inserted and acknowledged" "$acks acks"; fi
}

# expected BY N: the exact totals of rows 0 .. N-1 as a sorted JSON array: [name, count, sum] for
# BY = k (per key) or g (per group); [key, window start, count, sum] for BY = w (per key and window).
expected() {
  awk -v by="$1" -v n="$2" -v t0="$T0" 'BEGIN {
    for (i = 0; i < n; i++) {
      if (by == "k") id = sprintf("\"k%d\"", i % 20)
      else if (by == "g") id = sprintf("\"g%d\"", i % 7)
      else id = sprintf("\"k%d\",%.0f", i % 20, t0 + int(i / 1000) * 10000)
      cnt[id]++; sum[id] += i % 100 + 1
    }
    printf "["; sep = ""
    for (id in cnt) { printf "%s[%s,%d,%.0f]", sep, id, cnt[id], sum[id]; sep = "," }
    printf "]\n"
  }' | jq -c 'sort'
}

# source_rows: every row of stream EVENTS as [[K, G, V, TS], ...] (a pull query on a stream reads it
# to the end).
source_rows() {
  curl -s -H 'Accept: application/json' --data-binary '{"sql":"SELECT * FROM events;"}' \
    "http://127.0.0.1:$PORT/query-stream" | jq -c '.[1:]'
}

# totals_of BY ROWS: expected's totals (same shapes) of the rows ROWS (source_rows' format).
totals_of() {
  jq -c --arg by "$1" '
    if $by == "k" then group_by(.[0]) | map([.[0][0], length, (map(.[2]) | add)])
    elif $by == "g" then group_by(.[1]) | map([.[0][1], length, (map(.[2]) | add)])
    else map(. + [.[3] - .[3] % 10000]) | group_by([.[0], .[4]]) | map([.[0][0], .[0][4], length, (map(.[2]) | add)])
    end | sort' <<<"$2"
}

# print_final TOPIC: the last record of each key of TOPIC (PRINT ... FROM BEGINNING, read for 1.5 s)
# as a JSON array of [key text, value].
print_final() {
  curl -s -m 1.5 -N "http://127.0.0.1:$PORT/query" \
    --data-binary "$(jq -cn --arg s "PRINT '$1' FROM BEGINNING;" '{ksql: $s}')" |
    sed -nE 's/^rowtime: .*, key: (.*), value: (\{.*\}), partition: [0-9]+$/\1\t\2/p' |
    jq -Rn '[inputs | split("\t") | {key: .[0], value: (.[1] | fromjson)}]
            | reduce .[] as $r ({}; .[$r.key] = $r.value) | to_entries | map([.key, .value])'
}

# jq programs turning print_final's output into expected's shape.  A windowed key prints as the key's
# bytes then the window start (8 bytes big-endian), unprintable bytes as \xNN.
plain='map([.[0], .[1].N, .[1].S]) | sort'
windowed='
  def byte: if startswith("\\x") then .[2:] | ascii_downcase | explode
            | map(if . >= 97 then . - 87 else . - 48 end) | .[0] * 16 + .[1] else explode[0] end;
  def wkey: [scan("\\\\x[0-9A-F]{2}|.")] | [(.[:-8] | join("")), (.[-8:] | map(byte) | reduce .[] as $b (0; . * 256 + $b))];
  map((.[0] | wkey) + [.[1].N, .[1].S]) | sort'

# topic_totals TOPIC SHAPE N: reads TOPIC until its records count N rows (or 60 s); sets BODY.
topic_totals() {
  for _ in $(seq 1 40); do
    BODY=$(print_final "$1" | jq -c "$2")
    [[ $(jq '[.[][-2]] | add // 0' <<<"$BODY") -ge $3 ]] && return
  done
}

# check N WHEN K G W: the three output topics hold exactly the totals K (per key), G (per group) and
# W (per key and window) of N rows.
check() {
  local n=$1 when=$2
  topic_totals TOTALS "$plain" "$n"
  expect "$when: topic TOTALS, last record per key = exact count and sum" ". == $3"
  topic_totals BY_GROUP "$plain" "$n"
  expect "$when: topic BY_GROUP (repartitioned), last record per group = exact count and sum" ". == $4"
  topic_totals PER_WINDOW "$windowed" "$n"
  expect "$when: topic PER_WINDOW, last record per key and window = exact count and sum" ". == $5"
}

# check_source WHEN: checks against the rows the source topic holds.
check_source() {
  local src
  src=$(source_rows)
  check "$(jq length <<<"$src")" "$1" "$(totals_of k "$src")" "$(totals_of g "$src")" "$(totals_of w "$src")"
}

# 1. A first batch, and what the queries made of it.
insert 0 2000
check 2000 "before the crash" "$(expected k 2000)" "$(expected g 2000)" "$(expected w 2000)"
BODY=$(totals_of k "$(source_rows)")
expect "the source topic holds exactly the inserted rows" ". == $(expected k 2000)"
# A push query on the table from the start sees the same totals (default delimited format: a line each).
BODY=$(curl -s -m 3 -N \
         --data-binary '{"sql":"SELECT * FROM totals EMIT CHANGES;","properties":{"ksql.streams.auto.offset.reset":"earliest"}}' \
         "http://127.0.0.1:$PORT/query-stream" | jq -sc '.[1:]')
expect "push query on TOTALS: the latest row per key = the totals" \
  "group_by(.[0]) | map(last) | sort == $(expected k 2000)"

# 2. Rows 2000..37999 from three inserters at once (requests of 2,000 rows), faster than the queries
# keep up, and SIGKILL once the queries have counted 8,000 rows: inserts and processing are both
# under way, and up to a commit interval of processed input is not committed yet.
inserters=()
for start in 2000 14000 26000; do
  (
    for ((c = start; c < start + 12000; c += 2000)); do
      a=$(rows "$c" $((c + 2000)) |
            curl -s --http2-prior-knowledge -H 'Accept: application/json' --data-binary @- \
              "http://127.0.0.1:$PORT/inserts-stream" | jq '[.[] | select(.status == "ok")] | length' 2>/dev/null)
      [[ $a == 2000 ]] || exit 0
    done
  ) &
  inserters+=($!)
done
seen=0
for _ in $(seq 1 600); do
  seen=$(curl -s -H 'Accept: application/json' --data-binary '{"sql":"SELECT * FROM totals;"}' \
           "http://127.0.0.1:$PORT/query-stream" | jq '[.[1:][][1]] | add // 0' 2>/dev/null || echo 0)
  [[ ${seen:-0} -ge 8000 ]] && break
  sleep 0.05
done
stop_server KILL
wait "${inserters[@]}" 2>/dev/null
start_server -D ksql.streams.commit.interval.ms=200 || exit 1
written=$(source_rows | jq length)
if [[ $written -lt 38000 && $seen -lt $written ]]; then
  ok "killed mid-stream: $written rows written, the queries had counted $seen"
else
  echo "note - not killed mid-stream ($written rows written, the queries had counted $seen)"
fi

# 3. After the restart the queries carry on from their committed state; more rows; exact totals.
insert 40000 45000
check_source "after SIGKILL and restart"

# 4. Once more with a clean stop and the server's default cache and commit interval: still exact.
stop_server
start_server || exit 1
insert 45000 46000
check_source "after a clean restart"

# 5. Pull queries read the tables' state (engine/pull.c): one row per key, the totals.
src=$(source_rows)
BODY=$(curl -s -H 'Accept: application/json' --data-binary '{"sql":"SELECT * FROM totals;"}' \
         "http://127.0.0.1:$PORT/query-stream" | jq -c 'if type == "array" then .[1:] | sort else . end')
expect "pull query on TOTALS (table scan) = one row per key with the totals" ". == $(totals_of k "$src")"
BODY=$(curl -s -H 'Accept: application/json' --data-binary '{"sql":"SELECT * FROM totals WHERE k = '"'"'k7'"'"';"}' \
         "http://127.0.0.1:$PORT/query-stream" | jq -c 'if type == "array" then .[1:] else . end')
expect "pull query on TOTALS for one key = its totals" \
  ". == $(totals_of k "$src" | jq -c 'map(select(.[0] == "k7"))')"
BODY=$(curl -s -H 'Accept: application/json' --data-binary '{"sql":"SELECT * FROM per_window WHERE k = '"'"'k7'"'"';"}' \
         "http://127.0.0.1:$PORT/query-stream" | jq -c 'if type == "array" then .[1:] | map([.[0], .[1], .[3], .[4]]) | sort else . end')
expect "pull query on PER_WINDOW for one key = its windows' totals" \
  ". == $(totals_of w "$src" | jq -c 'map(select(.[0] == "k7"))')"
finish
