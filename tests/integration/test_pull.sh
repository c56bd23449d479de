#!/usr/bin/env bash
# test_pull.sh - pull queries on tables against `eddy serve`: a CTAS aggregation (plain and windowed) fed
# through /inserts-stream, then key lookups, IN, scans, LIMIT and errors over /query-stream (JSON and
# delimited, HTTP/1.1 and HTTP/2) and /query (StreamedRow header with KEY columns).
source "$(dirname "$0")/lib.sh"

start_server || exit 1
URL="http://127.0.0.1"

# post PROTO PATH ACCEPT BODY: sets STATUS, BODY and CTYPE.
post() {
  local flags=(--http1.1)
  [[ $1 == h2 ]] && flags=(--http2-prior-knowledge)
  local hdrs=(-H 'Content-Type: application/json')
  [[ -n $3 ]] && hdrs+=(-H "Accept: $3")
  curl -s "${flags[@]}" --max-time 20 -X POST "${hdrs[@]}" --data-binary "$4" \
    -D "$WORK/headers" -o "$WORK/body" "$URL:$PORT$2"
  BODY=$(cat "$WORK/body")
  STATUS=$(awk 'NR==1 {print $2}' "$WORK/headers")
  CTYPE=$(grep -i '^content-type:' "$WORK/headers" | head -1 | sed 's/^[^:]*: *//; s/\r$//')
}

# qs PROTO ACCEPT SQL [extra-json]: POST /query-stream {"sql": SQL, ...extra}.
qs() {
  local body
  body=$(jq -cn --arg s "$3" '{sql: $s}')
  [[ -n ${4:-} ]] && body=$(jq -c ". + $4" <<<"$body")
  post "$1" /query-stream "$2" "$body"
}

EARLIEST='{"streamsProperties":{"ksql.streams.auto.offset.reset":"earliest"}}'

# --- setup: a stream, two aggregations over it, and a table nothing materializes ------------------
ksql h1 "CREATE STREAM views (userid VARCHAR KEY, pageid VARCHAR, n INT)
           WITH (kafka_topic='views', partitions=2, value_format='JSON');
         CREATE TABLE counts AS SELECT userid, COUNT(*) AS c, SUM(n) AS total FROM views GROUP BY userid;
         CREATE TABLE per_second AS SELECT userid, COUNT(*) AS c FROM views
           WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY userid;
         CREATE TABLE plain (id VARCHAR PRIMARY KEY, v INT) WITH (kafka_topic='plain', partitions=1, value_format='JSON');" \
  "$EARLIEST"
expect "two aggregations and a table created" '[.[].commandStatus.status] == ["SUCCESS","SUCCESS","SUCCESS","SUCCESS"]'

rows=$'{"target":"views"}
{"USERID":"u1","PAGEID":"p1","N":1,"ROWTIME":1000}
{"USERID":"u2","PAGEID":"p2","N":2,"ROWTIME":1100}
{"USERID":"u1","PAGEID":"p3","N":4,"ROWTIME":2500}
{"USERID":"u3","PAGEID":"p1","N":8,"ROWTIME":2600}
{"USERID":"u1","PAGEID":"p2","N":16,"ROWTIME":2700}'
post h2 /inserts-stream application/json "$rows"
expect "five rows inserted" '[.[] | select(.status == "ok")] | length == 5'

# The aggregations run on the stream threads: poll the pull query until they caught up.
for _ in $(seq 1 100); do
  qs h2 application/json "SELECT * FROM counts WHERE userid = 'u1';"
  jq -e '.[1][1] == 3' >/dev/null 2>&1 <<<"$BODY" && break
  sleep 0.1
done

# --- key lookups ---------------------------------------------------------------------------------
expect_status "pull query by key answers 200" 200
expect "JSON: metadata (queryId null), then the row of the key" '.[0].queryId == null and .[0].columnNames == ["USERID","C","TOTAL"] and .[0].columnTypes == ["STRING","BIGINT","INTEGER"] and .[1] == ["u1",3,21] and length == 2'

qs h1 "" "SELECT total, userid FROM counts WHERE userid IN ('u2', 'u3', 'nobody');"
first=$(head -n1 <<<"$BODY")
[[ $first == '{"queryId":null,"columnNames":["TOTAL","USERID"],"columnTypes":["INTEGER","STRING"]}' ]] \
  && ok "delimited metadata of an IN lookup (HTTP/1.1)" || not_ok "delimited metadata of an IN lookup (HTTP/1.1)" "$BODY"
[[ $(sed -n '2,$p' <<<"$BODY" | sort | tr '\n' ' ') == '[2,"u2"] [8,"u3"] ' ]] \
  && ok "delimited rows of the keys found" || not_ok "delimited rows of the keys found" "$BODY"

qs h2 application/json "SELECT * FROM counts WHERE userid = 'nobody';"
expect "a missing key answers the metadata only" 'length == 1 and .[0].columnNames == ["USERID","C","TOTAL"]'

# --- scans, LIMIT, windows -----------------------------------------------------------------------
qs h2 application/json "SELECT userid FROM counts WHERE total > 1 AND c < 3;"
expect "a scan filters on value columns" '[.[1:][] | .[0]] | sort == ["u2","u3"]'

qs h2 application/json "SELECT * FROM counts LIMIT 1;"
expect "LIMIT 1 answers one row" 'length == 2 and (.[1] | length) == 3'

qs h2 application/json "SELECT * FROM per_second WHERE userid = 'u1' AND WINDOWSTART >= 2000;"
expect "windowed lookup: window bounds are key columns after the key" '.[0].columnNames == ["USERID","WINDOWSTART","WINDOWEND","C"] and .[1:] == [["u1",2000,3000,2]]'

qs h2 application/json "SELECT userid, c FROM per_second WHERE WINDOWEND <= '1970-01-01T00:00:02';"
expect "text timestamps bound windows; a scan finds every key" '[.[1:][]] | sort == [["u1",1],["u2",1]]'

post h1 /query "" "$(jq -cn '{ksql: "SELECT * FROM counts WHERE userid = '"'u3'"';"}')"
BODY=$(tr -d '\n' <<<"$BODY")
expect "/query: header marks the key column KEY" '.[0].header.schema == "`USERID` STRING KEY, `C` BIGINT, `TOTAL` INTEGER" and .[1].row.columns == ["u3",1,8] and length == 2'

# --- errors --------------------------------------------------------------------------------------
qs h2 application/json "SELECT * FROM plain WHERE id = 'a';"
expect_status "a table nothing materializes is 400" 400
expect "... isn't queryable" '.error_code == 40001 and (.message | startswith("The `PLAIN` table isn'"'"'t queryable."))'

qs h2 application/json "SELECT * FROM counts WHERE c > 1;" '{"properties":{"ksql.query.pull.table.scan.enabled":false}}'
expect_status "a scan with table scans disabled is 400" 400
expect "... names the disjunct without the key" '.message | startswith("WHERE clause missing key column for disjunct: (C > 1)")'

qs h2 application/json "SELECT * FROM counts WHERE userid = 'u1' GROUP BY userid;"
expect "GROUP BY is refused" '.message | startswith("Pull queries don'"'"'t support GROUP BY clauses.")'

qs h2 application/json "SELECT * FROM counts WHERE userid = 1;"
expect "a key compared with the wrong type is refused" '.message | startswith("Error in WHERE expression: Cannot compare USERID (STRING) to 1 (INTEGER) with EQUAL.")'

finish
