#!/usr/bin/env bash
# test_kafka_failover.sh - two servers with one ksql.service.id split a 4-partition aggregation
# between them (consumer group of the query) and fail over without losing input:
#   1. A and B on `eddy kafka-mock` (topic readings, 4 partitions); the CTAS is created on A, B
#      picks it up from the command topic; both run some partitions; 2,000 readings -> exact totals.
#   2. B stops (SIGTERM): A runs all four partitions; 2,000 more -> exact totals.
#   3. B starts again and runs partitions; SIGKILL while readings are produced and processed; A
#      takes over; more readings -> every total at least the exact one (at-least-once: the crashed
#      server's uncommitted work may be counted twice; the excess is printed).
#   4. The crash again on a fresh mock with processing.guarantee=exactly_once_v2 on both servers:
#      at least the exact totals; the excess is printed, not failed on (the mock's transactions
#      cannot abort, see docs/kafka.md).
# Reading i: key k<i % 40>, {"V": i % 97 + 1}.  Totals are read from the output topic TOTALS (the
# last record of each key).  Short session timeouts make the group notice a killed server soon.
source "$(dirname "$0")/kafka_lib.sh"

KEYS=40
# Options of every server here; a test-sized session timeout (the default, 45 s, makes a crash
# take minutes to notice).
common_opts() {
  COMMON=(-D "ksql.service.id=$1" -D ksql.streams.auto.offset.reset=earliest
          -D ksql.streams.commit.interval.ms=500
          -D consumer.session.timeout.ms=6000 -D consumer.heartbeat.interval.ms=1000)
}

# readings FROM TO: kcat -K: lines of readings FROM .. TO-1.
readings() {
  awk -v a="$1" -v b="$2" -v k="$KEYS" 'BEGIN { for (i = a; i < b; i++) printf "k%d:{\"V\":%d}\n", i % k, i % 97 + 1 }'
}

# expected N: the exact totals of readings 0 .. N-1 as {key: {N, S}}.
expected() {
  awk -v n="$1" -v k="$KEYS" 'BEGIN { for (i = 0; i < n; i++) { c["k" i % k]++; s["k" i % k] += i % 97 + 1 }
                                      for (x in c) print x, c[x], s[x] }' |
    jq -Rn '[inputs | split(" ") | {(.[0]): {N: (.[1] | tonumber), S: (.[2] | tonumber)}}] | add'
}

# owned NAME: the partitions of readings that server NAME's current run says it runs (from its
# log: "runs readings[i] here" / "no longer runs readings[i] here"), e.g. "0 1 ".
owned() {
  awk '/==== start/ { split("", p); next }
       /query CTAS_TOTALS_[0-9]+: no longer runs readings\[[0-9]+\] here/ {
         match($0, /readings\[[0-9]+\]/); delete p[substr($0, RSTART + 9, RLENGTH - 10)]; next }
       /query CTAS_TOTALS_[0-9]+: runs readings\[[0-9]+\] here/ {
         match($0, /readings\[[0-9]+\]/); p[substr($0, RSTART + 9, RLENGTH - 10)] = 1 }
       END { for (x in p) print x }' "$WORK/$1.log" | sort -n | tr '\n' ' '
}
split_between() { # NAME1 NAME2: each runs some partitions, together all four
  local a b
  a=$(owned "$1") b=$(owned "$2")
  [[ -n $a && -n $b && $(printf '%s' "$a$b" | tr ' ' '\n' | sort -n | tr '\n' ' ') == "0 1 2 3 " ]]
}
runs_all() { [[ $(owned "$1") == "0 1 2 3 " ]]; }
runs_some() { [[ -n $(owned "$1") ]]; }

# totals_reach N: TOTALS' last record of every key has at least the count of N readings (sets BODY
# to the totals and WANT to the exact ones).
totals_reach() {
  BODY=$(last_per_key TOTALS)
  jq -e --argjson w "$WANT" '. as $g | $w | to_entries | all(($g[.key].N // 0) >= .value.N)' >/dev/null <<<"$BODY"
}
# check_exact N WHEN: TOTALS reaches exactly the totals of readings 0 .. N-1.
check_exact() {
  WANT=$(expected "$1")
  wait_for 60 totals_reach
  expect "$2: TOTALS = the exact count and sum of $1 readings per key" ". == $WANT"
}
# check_at_least N WHEN: TOTALS reaches at least the totals of N readings; prints the excess.
check_at_least() {
  WANT=$(expected "$1")
  wait_for 90 totals_reach
  expect "$2: TOTALS has at least the count and sum of $1 readings for each of the $KEYS keys (nothing lost)" \
    "keys == ($WANT | keys) and (to_entries | all(.value.N >= \$w[.key].N and .value.S >= \$w[.key].S))"
  local excess
  excess=$(jq -c --argjson w "$WANT" '{N: (([.[].N] | add) - ([$w[].N] | add)), S: (([.[].S] | add) - ([$w[].S] | add)),
                                        keys_over: [to_entries[] | select(.value.N > $w[.key].N) | .key] | length}' <<<"$BODY")
  echo "     ($2: excess over the exact totals: $excess)"
}
# expect with $w bound to WANT (check_at_least's expression uses it).
expect() {
  if jq -e --argjson w "${WANT:-null}" "$2" >/dev/null 2>&1 <<<"$BODY"; then ok "$1"; else not_ok "$1" "status ${STATUS:-} body: ${BODY:0:600}"; fi
}

# produce_ok FROM TO: produces readings FROM .. TO-1 with kcat.
produce_ok() {
  if readings "$1" "$2" | produce readings; then ok "kcat produced readings $1..$(($2 - 1))"
  else not_ok "kcat produced readings $1..$(($2 - 1))" "$(tail -n 3 "$WORK/kcat.err")"; fi
}

# sees_totals NAME: server NAME has caught up from the command topic: its SHOW QUERIES lists the
# CTAS RUNNING and LIST TABLES lists TOTALS.
sees_totals() {
  on "$1"
  ksql h1 "SHOW QUERIES;"
  jq -e '[.[0].queries[] | select((.id | startswith("CTAS_TOTALS_")) and .state == "RUNNING")] | length == 1' >/dev/null <<<"$BODY" || return 1
  ksql h1 "LIST TABLES;"
  jq -e '[.[0].tables[].name] | index("TOTALS") != null' >/dev/null <<<"$BODY"
}

# setup SERVICE X Y [extra -D args]: servers X and Y on the mock, the stream and the CTAS created on
# X, Y caught up, both running partitions.
setup() {
  local svc=$1 x=$2 y=$3
  shift 3
  common_opts "$svc"
  start_node "$x" "${COMMON[@]}" "$@" || exit 1
  start_node "$y" "${COMMON[@]}" "$@" || exit 1
  on "$x"
  ksql h1 "CREATE STREAM readings (id VARCHAR KEY, v BIGINT) WITH (kafka_topic='readings', value_format='JSON');
           CREATE TABLE totals AS SELECT id, COUNT(*) AS n, SUM(v) AS s FROM readings GROUP BY id EMIT CHANGES;"
  expect "$x: stream and CTAS created" '.[1].commandStatus.queryId | startswith("CTAS_TOTALS_")'
  if wait_for 30 sees_totals "$y"; then ok "$y has the table and the query from the command topic"
  else not_ok "$y has the table and the query" "${BODY:0:400}"; fi
  on "$x"
  if wait_for 45 split_between "$x" "$y"; then ok "$x and $y split the partitions: $x runs [$(owned "$x")], $y runs [$(owned "$y")]"
  else not_ok "$x and $y split the partitions" "$x: [$(owned "$x")] $y: [$(owned "$y")]"; fi
}

# crash X Y FROM MID TO: readings FROM .. MID-1 produced in batches of 50 (a few seconds in all) while
# Y is killed (SIGKILL) once TOTALS counts a third of them; X must take over all partitions; then
# MID .. TO-1.
crash() {
  local x=$1 y=$2 from=$3 mid=$4 to=$5
  (
    for ((c = from; c < mid; c += 50)); do
      readings "$c" $((c + 50)) | produce readings || exit 1
      sleep 0.15
    done
  ) &
  local prod=$!
  WANT=$(expected $(( from + (mid - from) / 3 )))
  wait_for 60 totals_reach
  stop_node "$y" KILL
  ok "$y killed (SIGKILL) while TOTALS counted $(jq '[.[].N] | add' <<<"$BODY") of $mid readings"
  if wait "$prod"; then ok "kcat produced readings $from..$((mid - 1)) meanwhile"; else not_ok "kcat produced readings $from..$((mid - 1))"; fi
  local t0
  t0=$(date +%s)
  if wait_for 60 runs_all "$x"; then ok "$x took over all four partitions ($(( $(date +%s) - t0 )) s after the kill)"
  else not_ok "$x took over all four partitions" "$x runs [$(owned "$x")]"; fi
  produce_ok "$mid" "$to"
}

# --- at-least-once --------------------------------------------------------------------------------------
start_mock --brokers 3 --topic readings:4 || exit 1
setup failover_ A B
produce_ok 0 2000
check_exact 2000 "A and B"

# 2. B stops gracefully.
b_had=$(owned B)
stop_node B
if [[ $STOP_RC == 0 ]]; then ok "B stopped by SIGTERM: exit 0 ($STOP_SECS s)"; else not_ok "B: SIGTERM exits 0" "rc=$STOP_RC after $STOP_SECS s"; fi
if [[ -z $(owned B) ]]; then ok "B gave back [$b_had] before it exited (log)"; else not_ok "B gave its partitions back" "still [$(owned B)]"; fi
if wait_for 45 runs_all A; then ok "A runs all four partitions after B left"; else not_ok "A runs all four partitions" "A: [$(owned A)]"; fi
produce_ok 2000 4000
check_exact 4000 "A alone after B left"

# 3. B again, then SIGKILL mid-stream.
start_node B "${COMMON[@]}" || exit 1
if wait_for 45 split_between A B; then ok "B back: A runs [$(owned A)], B runs [$(owned B)]"
else not_ok "B back and running partitions" "A: [$(owned A)] B: [$(owned B)]"; fi
check_exact 4000 "after B came back (its restored state changed nothing)"
crash A B 4000 6000 7000
check_at_least 7000 "at-least-once, after the crash of B"
on A
request h1 GET /healthcheck
expect "A healthy" '.isHealthy == true'
stop_node A
if [[ $STOP_RC == 0 ]]; then ok "A stopped by SIGTERM: exit 0 ($STOP_SECS s)"; else not_ok "A: SIGTERM exits 0" "rc=$STOP_RC after $STOP_SECS s"; fi
grep -h 'will retry\|error\|ERROR' "$WORK/A.log" "$WORK/B.log" | grep -v AUTOCREATE | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/     (log) /'
stop_mock

# --- exactly_once_v2 --------------------------------------------------------------------------------------
start_mock --brokers 3 --topic readings:4 || exit 1
setup failover_eos_ C D -D ksql.streams.processing.guarantee=exactly_once_v2
produce_ok 0 2000
check_exact 2000 "exactly_once_v2: C and D"
crash C D 2000 4000 5000
check_at_least 5000 "exactly_once_v2, after the crash of D"
grep -h 'will retry\|error\|ERROR' "$WORK/C.log" "$WORK/D.log" | grep -v AUTOCREATE | sort | uniq -c | sort -rn | head -n 5 | sed 's/^/     (log) /'

finish
