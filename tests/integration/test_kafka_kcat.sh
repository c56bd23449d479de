#!/usr/bin/env bash
# test_kafka_kcat.sh - kcat produces the input and consumes the output of running queries on eddy's
# Kafka path (`eddy kafka-mock`, 3 brokers, topic pageviews with 4 partitions):
#   LONG_VIEWS  CSAS with a WHERE, a computed column and a HEADER('src') column
#   STAMPED     CSAS over a second stream on the same topic whose event time is its TS column
#   PER_USER    CTAS COUNT(*) per key
# 200 keyed JSON records in 4 kcat runs (header src=web, src=app, src=web, none).  Checks: the
# filtered records and their values; every output key is in the partition Kafka's default (Java
# murmur2) partitioner picks (kcat -X partitioner=murmur2_random into a scratch topic); the output
# records keep the input's timestamp (STAMPED: the TS column); per key the order is kept; the
# table's last value per key is the count; PRINT and a push query over REST see the records; SHOW
# TOPICS lists the topics.  Also: an unreachable bootstrap server makes `eddy serve` exit non-zero
# soon, naming it; CREATE STREAM over a missing topic without PARTITIONS is a 400 statement error.
source "$(dirname "$0")/kafka_lib.sh"

# --- nothing listens at bootstrap.servers: eddy serve gives up, naming the servers ----------------
t0=$(now_ms)
timeout 60 "$EDDY" serve -D "listeners=http://127.0.0.1:$(free_port)" -D "ksql.streams.state.dir=$WORK/bad.state" \
  -D bootstrap.servers=127.0.0.1:1 >"$WORK/bad.out" 2>&1
rc=$?
secs=$(( ($(now_ms) - t0) / 1000 ))
if [[ $rc -ne 0 && $rc -ne 124 ]]; then ok "unreachable bootstrap.servers: exit status $rc"; else not_ok "unreachable bootstrap.servers: non-zero exit" "rc=$rc"; fi
if [[ $secs -le 20 ]]; then ok "... within 20 s ($secs s)"; else not_ok "... within 20 s" "took $secs s"; fi
if grep -q 'bootstrap servers 127.0.0.1:1' "$WORK/bad.out"; then ok "... and the message names the bootstrap servers"
else not_ok "... message names the bootstrap servers" "$(tail -n 3 "$WORK/bad.out")"; fi

# --- the mock and one server ------------------------------------------------------------------------
start_mock --brokers 3 --topic pageviews:4 || exit 1
start_node A -D ksql.streams.auto.offset.reset=earliest -D ksql.streams.commit.interval.ms=500 || exit 1
on A

ksql h1 "CREATE STREAM pageviews (user VARCHAR KEY, id INT, page VARCHAR, dur INT, ts BIGINT, src BYTES HEADER('src'))
           WITH (kafka_topic='pageviews', value_format='JSON');
         CREATE STREAM pageviews_t (user VARCHAR KEY, id INT, ts BIGINT)
           WITH (kafka_topic='pageviews', value_format='JSON', timestamp='ts');
         CREATE STREAM long_views AS SELECT user, id, page, dur * 2 AS dur2, src FROM pageviews WHERE dur >= 50 EMIT CHANGES;
         CREATE STREAM stamped AS SELECT user, id FROM pageviews_t EMIT CHANGES;
         CREATE TABLE per_user AS SELECT user, COUNT(*) AS n FROM pageviews GROUP BY user EMIT CHANGES;"
expect "streams, two CSAS and a CTAS created" '[.[].commandStatus.queryId | select(. != null)] | length == 3'

# --- a missing topic without PARTITIONS --------------------------------------------------------------
ksql h1 "CREATE STREAM ghost (a INT) WITH (kafka_topic='no_such_topic', value_format='JSON');"
expect_status "CREATE STREAM over a missing topic: HTTP 400" 400
expect "... a statement_error saying Topic 'no_such_topic' does not exist (and asking for PARTITIONS)" \
  '.["@type"] == "statement_error" and .error_code == 40001
   and (.message | startswith("Topic '"'"'no_such_topic'"'"' does not exist") and contains("PARTITIONS"))'

# --- 200 records in 4 kcat runs -------------------------------------------------------------------------
# Record i: key u<i % 13>, {"ID": i, "PAGE": "p<i>", "DUR": i % 100, "TS": T0 + 1000 * i}.
T0=$(( $(date +%s) * 1000 - 3600 * 1000 ))
records() {
  awk -v a="$1" -v b="$2" -v t0="$T0" 'BEGIN { for (i = a; i < b; i++)
    printf "u%d:{\"ID\":%d,\"PAGE\":\"p%d\",\"DUR\":%d,\"TS\":%.0f}\n", i % 13, i, i, i % 100, t0 + 1000 * i }'
}
prod_ok=0
records 0 50 | produce pageviews -H src=web && prod_ok=$((prod_ok + 1))
sleep 0.2 # (so that the runs have different producer timestamps: not an assertion)
records 50 100 | produce pageviews -H src=app && prod_ok=$((prod_ok + 1))
sleep 0.2
records 100 150 | produce pageviews -H src=web && prod_ok=$((prod_ok + 1))
sleep 0.2
records 150 200 | produce pageviews && prod_ok=$((prod_ok + 1))
if [[ $prod_ok == 4 ]]; then ok "kcat produced 200 records in 4 runs"; else not_ok "kcat produced" "$(tail -n 5 "$WORK/kcat.err")"; fi

# The input as the cluster holds it: ID|key|producer timestamp|header|partition.
consume pageviews '%k|%T|%h|%p|%s\n' | awk -F'|' '{ match($5, /"ID":[0-9]+/); print substr($5, RSTART + 5, RLENGTH - 5) "|" $1 "|" $2 "|" $3 "|" $4 }' \
  | sort -n >"$WORK/input"
n=$(wc -l <"$WORK/input")
if [[ $n == 200 ]]; then ok "pageviews holds the 200 records"; else not_ok "pageviews holds 200 records" "got $n"; fi
ts_kinds=$(cut -d'|' -f3 "$WORK/input" | sort -u | wc -l)
echo "     (the input has $ts_kinds distinct producer timestamps)"

# --- the key -> partition map of Kafka's default partitioner ---------------------------------------------
ctl "CREATE keymap 4 3" || not_ok "CREATE keymap through the control port" "$REPLY"
seq 0 12 | sed 's/.*/u&:x/' | produce keymap -X partitioner=murmur2_random
consume keymap '%k %p\n' | sort >"$WORK/keymap"
n=$(wc -l <"$WORK/keymap")
if [[ $n == 13 && $(cut -d' ' -f2 "$WORK/keymap" | sort -u | wc -l) -gt 1 ]]; then
  ok "murmur2 key map: 13 keys over $(cut -d' ' -f2 "$WORK/keymap" | sort -u | wc -l) partitions"
else
  not_ok "murmur2 key map" "$(cat "$WORK/keymap")"
fi

# kcat's default partitioner (consistent_random: CRC32) put the input elsewhere for some keys, so the
# outputs' partitions say which hash eddy used.
differ=$(awk -F'|' 'NR == FNR { split($0, a, " "); p[a[1]] = a[2]; next } p[$2] != $5 { print $2 }' "$WORK/keymap" "$WORK/input" | sort -u | wc -l)
if [[ $differ -gt 0 ]]; then ok "murmur2 and kcat's CRC32 partitioner differ for $differ of 13 keys"
else not_ok "murmur2 and CRC32 differ for some key (else the partition checks prove nothing)"; fi

# partitions_ok NAME FILE: every "key|...|partition|..." line of FILE (partition in field 3) has its
# key in the partition that keymap gives.
partitions_ok() {
  local bad
  bad=$(awk -F'|' 'NR == FNR { split($0, a, " "); p[a[1]] = a[2]; next }
                   { if (!($1 in p) || p[$1] != $3) print $1 " in " $3 " (murmur2: " p[$1] ")" }' "$WORK/keymap" "$2" | sort -u)
  if [[ -z $bad ]]; then ok "$1: each key is in the partition murmur2 picks"; else not_ok "$1: murmur2 partitions" "$bad"; fi
}

# --- LONG_VIEWS: the CSAS with a WHERE ------------------------------------------------------------------
count_lines_ge() { consume "$1" >"$WORK/$1.out"; [[ $(wc -l <"$WORK/$1.out") -ge $2 ]]; }
wait_for 60 count_lines_ge LONG_VIEWS 100
n=$(wc -l <"$WORK/LONG_VIEWS.out")
if [[ $n == 100 ]]; then ok "LONG_VIEWS: 100 records (DUR >= 50)"; else not_ok "LONG_VIEWS: 100 records" "got $n"; fi
# Expected line per ID: key|ID|PAGE|DUR2|SRC (SRC: the header base64-encoded, or null).
awk 'BEGIN { for (i = 0; i < 200; i++) if (i % 100 >= 50) {
       src = (i < 50 || (i >= 100 && i < 150)) ? "\"d2Vi\"" : (i < 100 ? "\"YXBw\"" : "null")
       printf "u%d|%d|\"p%d\"|%d|%s\n", i % 13, i, i, 2 * (i % 100), src } }' | sort >"$WORK/lv.want"
awk -F'|' '{ print $1 "|" $2 }' "$WORK/LONG_VIEWS.out" |
  jq -Rr 'split("|") | . as [$k, $v] | ($v | fromjson) | "\($k)|\(.ID)|\(.PAGE | tojson)|\(.DUR2)|\(.SRC | tojson)"' \
  | sort >"$WORK/lv.got"
if cmp -s "$WORK/lv.want" "$WORK/lv.got"; then
  ok "LONG_VIEWS: keys, IDs, PAGE, DUR2 = 2 * DUR and the src header are right"
else
  not_ok "LONG_VIEWS values" "$(diff "$WORK/lv.want" "$WORK/lv.got" | head -n 8)"
fi
if [[ $(head -c 200 "$WORK/LONG_VIEWS.out") == *'"USER"'* ]]; then not_ok "LONG_VIEWS: the key column is not in the value"
else ok "LONG_VIEWS: the key column is in the key, not the value"; fi
partitions_ok LONG_VIEWS "$WORK/LONG_VIEWS.out"
# Timestamps: each output record's = its input record's.
bad=$(awk -F'|' 'NR == FNR { ts[$1] = $3; next }
                 { match($2, /"ID":[0-9]+/); id = substr($2, RSTART + 5, RLENGTH - 5); if (ts[id] != $4) print id ": " $4 " vs " ts[id] }' \
      "$WORK/input" "$WORK/LONG_VIEWS.out" | head -n 5)
if [[ -z $bad ]]; then ok "LONG_VIEWS: every record keeps its input's timestamp"; else not_ok "LONG_VIEWS timestamps" "$bad"; fi
# Order within a key (one key, one partition) is the input's.
bad=$(jq -Rr 'split("|") | "\(.[0]) \(.[1] | fromjson | .ID)"' "$WORK/LONG_VIEWS.out" |
      awk '{ if (($1 in last) && last[$1] > $2) print $1 ": " last[$1] " before " $2; last[$1] = $2 }')
if [[ -z $bad ]]; then ok "LONG_VIEWS: per key, records in input order"; else not_ok "LONG_VIEWS order" "$bad"; fi

# --- STAMPED: event time from the TS column -------------------------------------------------------------
wait_for 60 count_lines_ge STAMPED 200
n=$(wc -l <"$WORK/STAMPED.out")
if [[ $n == 200 ]]; then ok "STAMPED: 200 records"; else not_ok "STAMPED: 200 records" "got $n"; fi
bad=$(awk -F'|' -v t0="$T0" '{ match($2, /"ID":[0-9]+/); id = substr($2, RSTART + 5, RLENGTH - 5)
                               if ($4 != t0 + 1000 * id) print id ": " $4 " want " t0 + 1000 * id }' "$WORK/STAMPED.out" | head -n 5)
if [[ -z $bad ]]; then ok "STAMPED: each record's timestamp = its TS column"; else not_ok "STAMPED timestamps" "$bad"; fi
partitions_ok STAMPED "$WORK/STAMPED.out"

# --- PER_USER: the CTAS count ----------------------------------------------------------------------------
want=$(awk 'BEGIN { for (i = 0; i < 200; i++) c["u" i % 13]++; for (k in c) print k " " c[k] }' |
       jq -Rn '[inputs | split(" ") | {(.[0]): {N: (.[1] | tonumber)}}] | add')
counts_match() { BODY=$(last_per_key PER_USER); jq -e --argjson w "$want" '. == $w' >/dev/null <<<"$BODY"; }
wait_for 60 counts_match
expect "PER_USER: the last record of each key = its count (13 keys, 200 records)" ". == $want"
consume PER_USER >"$WORK/PER_USER.out"
partitions_ok PER_USER "$WORK/PER_USER.out"
echo "     (PER_USER holds $(wc -l <"$WORK/PER_USER.out") records for 13 keys)"

# --- REST sees the same records ---------------------------------------------------------------------------
out=$(curl -s -m 30 -N "http://127.0.0.1:$PORT/query" \
        --data-binary "$(jq -cn '{ksql: "PRINT '"'"'LONG_VIEWS'"'"' FROM BEGINNING LIMIT 100;"}')")
n=$(grep -c '^rowtime: .*, key: u[0-9]*, value: {.*"DUR2":.*}, partition: [0-3]$' <<<"$out")
if [[ $n == 100 ]]; then ok "PRINT 'LONG_VIEWS' FROM BEGINNING LIMIT 100: 100 records"; else not_ok "PRINT: 100 records" "got $n: ${out:0:400}"; fi
ids=$(sed -nE 's/.*"ID":([0-9]+).*/\1/p' <<<"$out" | sort -n | tr '\n' ' ')
want_ids=$(awk 'BEGIN { for (i = 0; i < 200; i++) if (i % 100 >= 50) print i }' | sort -n | tr '\n' ' ')
if [[ $ids == "$want_ids" ]]; then ok "PRINT: the IDs of the filtered records"; else not_ok "PRINT IDs" "${ids:0:300}"; fi

BODY=$(curl -s -m 30 -N "http://127.0.0.1:$PORT/query-stream" \
         --data-binary '{"sql":"SELECT * FROM long_views EMIT CHANGES LIMIT 100;","properties":{"ksql.streams.auto.offset.reset":"earliest"}}' |
       jq -sc '.')
expect "push query on LONG_VIEWS (earliest, LIMIT 100): header then 100 rows" \
  '(.[0].columnNames == ["USER","ID","PAGE","DUR2","SRC"]) and (.[1:] | length == 100)'
expect "... the rows' IDs are the filtered ones" \
  "[.[1:][] | .[1]] | sort == ($(tr ' ' '\n' <<<"$want_ids" | grep . | jq -sc .))"

ksql h1 "SHOW TOPICS;"
expect "SHOW TOPICS lists pageviews (4 partitions of 3 replicas), the outputs and keymap" \
  '.[0].topics as $t | ($t | map(.name)) as $n
   | ($t[] | select(.name == "pageviews") | .replicaInfo == [3,3,3,3])
     and ([("LONG_VIEWS", "STAMPED", "PER_USER", "keymap")] - $n == [])
     and ($n | index("no_such_topic") == null)'

ksql h1 "SHOW QUERIES;"
expect "SHOW QUERIES: the three queries are RUNNING" '[.[0].queries[] | select(.state == "RUNNING")] | length == 3'

stop_node A
if [[ $STOP_RC == 0 ]]; then ok "SIGTERM: the server exits 0 ($STOP_SECS s)"; else not_ok "SIGTERM: exit 0" "rc=$STOP_RC after $STOP_SECS s"; fi

finish
