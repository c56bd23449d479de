#!/usr/bin/env bash
# test_kafka_faults.sh - the mock's fault injection (slow round trips, request errors, a broker down)
# does not make eddy lose or corrupt output.  One server on `eddy kafka-mock` (3 brokers, topic
# events with 4 partitions) runs a stateless CSAS (ALL_EVENTS: every record, all columns) and a CTAS
# (PER_KEY: COUNT(*) per key).  Records go in with kcat in waves of 300 (batches of 30), each wave
# under one fault, injected through the control port as it starts:
#   1 none   2 RTT all 300 (then 0)   3 ERRORS Produce (NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT)
#   4 ERRORS Fetch (NOT_LEADER_FOR_PARTITION)   5 ERRORS OffsetCommit (COORDINATOR_NOT_AVAILABLE)
#   6 ERRORS Heartbeat (REBALANCE_IN_PROGRESS: the group rebalances)
#   7 BROKER DOWN 2 for a few seconds, then UP   8 none (after CLEAR)
# At the end: every input record is in ALL_EVENTS at least once (at-least-once: duplicates allowed
# and counted), every output value is valid JSON equal to an input record's (nothing corrupt),
# PER_KEY's last value per key >= the key's input count, the server is healthy and the queries
# RUNNING.  Record i: key k<i % 20>, {"ID": i, "P": "p<i>", "C": (i * 7919) % 100003}.
source "$(dirname "$0")/kafka_lib.sh"

KEYS=20
WAVE=300
start_mock --brokers 3 --topic events:4 || exit 1
# A test-sized session timeout: the mock completes a rebalance of a running group only after
# session.timeout.ms - 1 s (44 s by default), and the Heartbeat fault below makes one.
start_node A -D ksql.streams.auto.offset.reset=earliest -D ksql.streams.commit.interval.ms=500 \
  -D consumer.session.timeout.ms=6000 -D consumer.heartbeat.interval.ms=1000 || exit 1
on A

ksql h1 "CREATE STREAM events (k VARCHAR KEY, id BIGINT, p VARCHAR, c BIGINT) WITH (kafka_topic='events', value_format='JSON');
         CREATE STREAM all_events AS SELECT * FROM events EMIT CHANGES;
         CREATE TABLE per_key AS SELECT k, COUNT(*) AS n FROM events GROUP BY k EMIT CHANGES;"
expect "a CSAS and a CTAS created" '[.[].commandStatus.queryId | select(. != null)] | length == 2'

records() {
  awk -v a="$1" -v b="$2" -v k="$KEYS" 'BEGIN { for (i = a; i < b; i++)
    printf "k%d:{\"ID\":%d,\"P\":\"p%d\",\"C\":%d}\n", i % k, i, i, (i * 7919) % 100003 }'
}
# A first record through both queries, so that every client of the server is connected before the
# faults start.
records 0 1 | produce events
first() { [[ $(consume ALL_EVENTS | wc -l) -ge 1 ]]; }
if wait_for 60 first; then ok "the queries run (a first record went through)"; else not_ok "the queries run"; fi

# Which broker leads what (the mock does not move leaders when a broker goes down).
md=$("${KCAT[@]}" -L -b "$BS" 2>&1)
echo "     (broker 2 leads $(grep -c 'leader 2,' <<<"$md") partitions: $(awk '/topic "/ { t = $2 } /leader 2,/ { printf "%s[%s] ", t, $2 }' <<<"$md" | tr -d '",'))"

INJECTED=()
inject() {
  if ctl "$1"; then INJECTED+=("$1"); else not_ok "control port: $1" "$REPLY"; fi
}

NEXT=1
# wave: produces the next WAVE records in the background (batches of 30, a little apart); sets
# WAVE_PID.
wave() {
  local from=$NEXT to=$((NEXT + WAVE))
  NEXT=$to
  (
    for ((c = from; c < to; c += 30)); do
      records "$c" $((c + 30 < to ? c + 30 : to)) | produce events || exit 1
      sleep 0.1
    done
  ) &
  WAVE_PID=$!
  WAVE_FROM=$from
}
wave_done() {
  if wait "$WAVE_PID"; then ok "wave $1: kcat produced records $WAVE_FROM..$((NEXT - 1))"
  else not_ok "wave $1: kcat produced records $WAVE_FROM..$((NEXT - 1))" "$(tail -n 3 "$WORK/kcat.err")"; fi
}

wave 1; wave_done "1 (no fault)"

inject "RTT all 300"
wave 2; sleep 3; inject "RTT all 0"; wave_done "2 (RTT all 300 ms)"

inject "ERRORS Produce 5 NOT_LEADER_FOR_PARTITION"
inject "ERRORS Produce 5 REQUEST_TIMED_OUT"
wave 3; wave_done "3 (Produce errors)"

inject "ERRORS Fetch 20 NOT_LEADER_FOR_PARTITION"
wave 4; wave_done "4 (Fetch errors)"

inject "ERRORS OffsetCommit 5 COORDINATOR_NOT_AVAILABLE"
wave 5; wave_done "5 (OffsetCommit errors)"

inject "ERRORS Heartbeat 2 REBALANCE_IN_PROGRESS"
wave 6; wave_done "6 (Heartbeat errors: a rebalance)"

inject "BROKER DOWN 2"
wave 7; sleep 4; inject "BROKER UP 2"; wave_done "7 (broker 2 down for 4 s)"

inject "CLEAR"
wave 8; wave_done "8 (no fault, after CLEAR)"
N=$NEXT # records 0 .. N-1

echo "     (injected: $(printf '%s; ' "${INJECTED[@]}"))"

# --- the input as the cluster holds it ---------------------------------------------------------------------
consume events '%k|%s\n' >"$WORK/input"
missing=$(jq -Rr 'split("|")[1] | fromjson | .ID' "$WORK/input" | sort -n -u | awk -v n="$N" '{ seen[$1] = 1 } END { m = 0; for (i = 0; i < n; i++) if (!(i in seen)) m++; print m }')
in_dups=$(( $(wc -l <"$WORK/input") - N + missing ))
if [[ $missing == 0 ]]; then ok "events holds all $N records (kcat's own duplicates: $in_dups)"
else not_ok "events holds all $N records" "$missing missing"; fi

# --- ALL_EVENTS: every input at least once, nothing corrupt ----------------------------------------------
# out_ids: the IDs in ALL_EVENTS of well-formed records (a line each); sets BAD to the others.
all_in() {
  consume ALL_EVENTS '%k|%p|%o|%s\n' >"$WORK/out_po"
  cut -d'|' -f1,4- "$WORK/out_po" >"$WORK/out"
  [[ $(cut -d'|' -f2- "$WORK/out" | jq -Rr 'fromjson? | .ID // empty' | sort -n -u | wc -l) -ge $N ]]
}
wait_for 90 all_in
total=$(wc -l <"$WORK/out")
# A record is good when its key and value are exactly what record ID's are.
bad=$(awk -F'|' -v k="$KEYS" '{ v = substr($0, length($1) + 2)
        if (!match(v, /^\{"ID":[0-9]+,/)) { print; next }
        id = substr(v, 7, RLENGTH - 7)
        want = sprintf("{\"ID\":%d,\"P\":\"p%d\",\"C\":%d}", id, id, (id * 7919) % 100003)
        if (v != want || $1 != "k" id % k) print }' "$WORK/out")
if [[ -z $bad ]]; then ok "ALL_EVENTS: all $total records are well-formed copies of input records"
else not_ok "ALL_EVENTS: no corrupt records" "$(head -n 3 <<<"$bad")"; fi
jq -Rr 'split("|")[1] | fromjson? | .ID // empty' "$WORK/out" | sort -n | uniq -c | awk '{ print $2, $1 }' >"$WORK/out_ids"
distinct=$(wc -l <"$WORK/out_ids")
lost=$(awk -v n="$N" '{ seen[$1] = 1 } END { m = 0; for (i = 0; i < n; i++) if (!(i in seen)) m++; print m }' "$WORK/out_ids")
if [[ $lost == 0 ]]; then ok "ALL_EVENTS: every one of the $N input records is there"
else not_ok "ALL_EVENTS: every input record is there" "$lost of $N missing, e.g. $(awk -v n="$N" '{ s[$1] = 1 } END { for (i = 0; i < n; i++) if (!(i in s)) printf "%d ", i }' "$WORK/out_ids" | head -c 200)"; fi
dups=$((total - distinct))
echo "     (ALL_EVENTS: $total records, $distinct distinct, $dups duplicates)"
if [[ $dups -gt 0 ]]; then
  # Where the copies are: partition, offset range and ID range of each run of duplicated records.
  jq -Rr 'split("|") | "\(.[1]) \(.[2]) \(.[3:] | join("|") | fromjson? | .ID)"' "$WORK/out_po" |
    awk 'NR == FNR { n[$1] = $2; next } n[$3] > 1 { print }' "$WORK/out_ids" - |
    awk '{ if ($1 == p && $2 == o + 1) { o = $2; last = $3; next }
           if (p != "") printf "     (  partition %s offsets %s..%s: IDs %s..%s)\n", p, o0, o, id0, last
           p = $1; o0 = o = $2; id0 = last = $3 }
         END { if (p != "") printf "     (  partition %s offsets %s..%s: IDs %s..%s)\n", p, o0, o, id0, last }' | head -n 12
fi

# --- PER_KEY: at least the input count per key ------------------------------------------------------------
WANT=$(cut -d'|' -f1 "$WORK/input" | sort | uniq -c | awk '{ print $2, $1 }' |
       jq -Rn '[inputs | split(" ") | {(.[0]): (.[1] | tonumber)}] | add')
counts_reach() {
  BODY=$(last_per_key PER_KEY)
  jq -e --argjson w "$WANT" '. as $g | $w | to_entries | all(($g[.key].N // 0) >= .value)' >/dev/null <<<"$BODY"
}
wait_for 60 counts_reach
if jq -e --argjson w "$WANT" '. as $g | ($w | keys) == keys and ($w | to_entries | all($g[.key].N >= .value))' >/dev/null <<<"$BODY"; then
  ok "PER_KEY: every key's count >= its input count ($KEYS keys)"
else
  not_ok "PER_KEY: every key's count >= its input count" "got ${BODY:0:300} want ${WANT:0:300}"
fi
echo "     (PER_KEY: counted $(jq '[.[].N] | add' <<<"$BODY") for $(wc -l <"$WORK/input") input records)"

# --- the server is still well ---------------------------------------------------------------------------------
request h1 GET /healthcheck
expect "/healthcheck: healthy" '.isHealthy == true'
ksql h1 "SHOW QUERIES;"
expect "SHOW QUERIES: both queries RUNNING" '[.[0].queries[] | select(.state == "RUNNING")] | length == 2'
grep -v AUTOCREATE "$WORK/A.log" | grep -E 'eddy: |%[0-3]\|' | sed -E 's/^[0-9:.]+ //; s/\|[0-9]+\.[0-9]+\|/|/; s/\[[0-9]+\]/[i]/g; s/127\.0\.0\.1:[0-9]+/HOST/g' |
  sort | uniq -c | sort -rn | head -n 8 | sed 's/^/     (log) /'
stop_node A
if [[ $STOP_RC == 0 ]]; then ok "SIGTERM: the server exits 0 ($STOP_SECS s)"; else not_ok "SIGTERM: exit 0" "rc=$STOP_RC after $STOP_SECS s"; fi

finish
