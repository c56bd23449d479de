#!/usr/bin/env bash
# test_queries.sh - ksqlDB's query endpoints against `eddy serve` with curl: /inserts-stream, /query-stream
# (delimited and JSON, pull and push, HTTP/1.1 and HTTP/2), /close-query, /query (StreamedRow) and PRINT.
source "$(dirname "$0")/lib.sh"

start_server || exit 1
URL="http://127.0.0.1"

# post PROTO PATH ACCEPT BODY [max-time]: sets STATUS, BODY, CTYPE and CURL_RC.
post() {
  local proto=$1 path=$2 accept=$3 data=$4 max=${5:-20}
  local flags=(--http1.1)
  [[ $proto == h2 ]] && flags=(--http2-prior-knowledge)
  local hdrs=(-H 'Content-Type: application/json')
  [[ -n $accept ]] && hdrs+=(-H "Accept: $accept")
  curl -s "${flags[@]}" --max-time "$max" -X POST "${hdrs[@]}" --data-binary "$data" \
    -D "$WORK/headers" -o "$WORK/body" "$URL:$PORT$path"
  CURL_RC=$?
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

# oldq PROTO SQL [extra-json]: POST /query {"ksql": SQL, ...extra}.
oldq() {
  local body
  body=$(jq -cn --arg s "$2" '{ksql: $s}')
  [[ -n ${3:-} ]] && body=$(jq -c ". + $3" <<<"$body")
  post "$1" /query "" "$body"
}

# wait_for FILE PATTERN [tries]: polls until grep finds PATTERN in FILE.
wait_for() {
  for _ in $(seq 1 "${3:-100}"); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  return 1
}

EARLIEST='{"properties":{"auto.offset.reset":"earliest"}}'

# --- setup -------------------------------------------------------------------------------
ksql h1 "CREATE STREAM pageviews (userid VARCHAR KEY, viewtime BIGINT, pageid VARCHAR, price DECIMAL(10, 2), score DOUBLE) WITH (kafka_topic='pageviews', partitions=2, value_format='JSON');"
expect "CREATE STREAM" '.[0].commandStatus.status == "SUCCESS"'

# --- /inserts-stream ---------------------------------------------------------------------
post h1 /inserts-stream "" $'{"target":"pageviews"}\n{"USERID":"u1"}'
expect_status "/inserts-stream over HTTP/1.1 is 400" 400
expect "... with error 40004" '.error_code == 40004 and .message == "This endpoint is only available when using HTTP2"'

rows=$'{"target":"pageviews"}\n{"userid":"u1","viewtime":1,"pageid":"p1","price":4.50,"score":11}\n{"USERID":"u2","VIEWTIME":2,"PAGEID":"p2","PRICE":5.04,"SCORE":0.5}\n{"userid":"u1","viewtime":3,"pageid":"p3","price":1,"score":1.0E7}'
post h2 /inserts-stream application/json "$rows"
expect_status "/inserts-stream answers 200" 200
expect "acks as one JSON array (last row without a newline)" '. == [{"status":"ok","seq":0},{"status":"ok","seq":1},{"status":"ok","seq":2}]'
[[ $CTYPE == application/json* ]] && ok "JSON acks are application/json" || not_ok "JSON acks are application/json" "$CTYPE"

post h2 /inserts-stream "" $'{"target":"PAGEVIEWS"}\n{"userid":"u3","viewtime":4,"pageid":"p4","price":2.5,"score":-3}\n'
expect_status "delimited acks answer 200" 200
[[ $BODY == '{"status":"ok","seq":0}' ]] && ok "delimited acks, one per line" || not_ok "delimited acks, one per line" "$BODY"
[[ $CTYPE == application/vnd.ksqlapi.delimited.v1* ]] && ok "delimited content type" || not_ok "delimited content type" "$CTYPE"

post h2 /inserts-stream application/json $'{"target":"nosuchstream"}\n{"A":1}'
expect_status "unknown target is 400" 400
expect "unknown target error" '.error_code == 40001 and (.message | startswith("Cannot insert values into an unknown stream/table"))'

post h2 /inserts-stream application/json $'{"target":"pageviews"}\n{"userid":"u9","viewtime":9}\nnot json\n{"userid":"u9"}'
expect "a bad row gets an error ack and ends the stream" 'length == 2 and .[0].status == "ok" and .[1].status == "error" and .[1].seq == 1 and .[1].error_code == 40000 and .[1].message == "Invalid JSON in inserts stream"'

post h2 /inserts-stream application/json '{"target":"pageviews"}'
expect "no rows: []" '. == []'

post h2 /inserts-stream application/json 'nope'
expect_status "a first line that is not JSON is 400" 400

# --- /query-stream: pull queries on a stream ---------------------------------------------
qs h2 application/json "SELECT * FROM pageviews;"
expect_status "pull query answers 200" 200
expect "pull query: one JSON array, metadata first, queryId null" '.[0].queryId == null and .[0].columnNames == ["USERID","VIEWTIME","PAGEID","PRICE","SCORE"] and .[0].columnTypes == ["STRING","BIGINT","STRING","DECIMAL(10, 2)","DOUBLE"] and length == 6'
expect "pull query reads every row" '([.[1:][] | .[2]] | sort) == [null,"p1","p2","p3","p4"] and ([.[1:][] | .[0]] | sort) == ["u1","u1","u2","u3","u9"]'
[[ $BODY == *'"p1",4.50,11.0]'* ]] && ok "DECIMAL keeps its scale, DOUBLE as Java writes it" || not_ok "DECIMAL keeps its scale, DOUBLE as Java writes it" "$BODY"
[[ $BODY == *'1.0E7]'* && $BODY == *'-3.0]'* ]] && ok "DOUBLE exponent form" || not_ok "DOUBLE exponent form" "$BODY"

qs h1 "" "SELECT pageid, viewtime FROM pageviews WHERE userid = 'u1';"
first=$(head -n1 <<<"$BODY")
[[ $first == '{"queryId":null,"columnNames":["PAGEID","VIEWTIME"],"columnTypes":["STRING","BIGINT"]}' ]] \
  && ok "delimited pull query metadata line (HTTP/1.1)" || not_ok "delimited pull query metadata line (HTTP/1.1)" "$BODY"
[[ $(sed -n '2,$p' <<<"$BODY" | sort | tr '\n' ' ') == '["p1",1] ["p3",3] ' ]] \
  && ok "delimited rows, one per line" || not_ok "delimited rows, one per line" "$BODY"
[[ $CTYPE == application/vnd.ksqlapi.delimited.v1* ]] && ok "default format is delimited" || not_ok "default format is delimited" "$CTYPE"

# --- /query-stream: push queries with LIMIT ---------------------------------------------------
for proto in h1 h2; do
  qs "$proto" application/vnd.ksqlapi.delimited.v1 "SELECT userid, pageid FROM pageviews EMIT CHANGES LIMIT 2;" "$EARLIEST"
  expect_status "push query with LIMIT answers 200 ($proto)" 200
  [[ $CURL_RC == 0 ]] && ok "push query with LIMIT ends the response ($proto)" || not_ok "push query with LIMIT ends the response ($proto)" "curl rc $CURL_RC"
  meta=$(head -n1 <<<"$BODY")
  BODY=$meta
  expect "push metadata has a transient queryId ($proto)" '(.queryId | startswith("transient_PAGEVIEWS_")) and .columnNames == ["USERID","PAGEID"]'
  [[ $(wc -l <"$WORK/body") == 3 ]] && ok "metadata + LIMIT rows ($proto)" || not_ok "metadata + LIMIT rows ($proto)" "$(cat "$WORK/body")"
done

qs h2 application/json "SELECT pageid FROM pageviews EMIT CHANGES LIMIT 3;" "$EARLIEST"
expect "JSON push query closes its array at LIMIT" 'length == 4 and (.[0].queryId | startswith("transient_")) and (.[1] | length) == 1'

qs h2 application/json "SELECT \${col} FROM pageviews EMIT CHANGES LIMIT 1;" '{"properties":{"auto.offset.reset":"earliest"},"sessionVariables":{"col":"PAGEID"}}'
expect "sessionVariables are substituted" '.[0].columnNames == ["PAGEID"] and length == 2'

# --- /query-stream: errors before the response starts -------------------------------------
qs h2 application/json "SELECT * FROM;"
expect_status "syntax error is 400" 400
expect "syntax error is a statement_error 40001 with the statement" '.["@type"] == "statement_error" and .error_code == 40001 and (.message | contains("\nStatement: SELECT * FROM;")) and .statementText == "SELECT * FROM;"'
[[ $CTYPE == application/json* ]] && ok "error content type is application/json" || not_ok "error content type is application/json" "$CTYPE"
qs h2 "" "SELECT * FROM nosuchstream EMIT CHANGES;"
expect_status "unknown source is 400" 400
expect "unknown source error" '.error_code == 40001 and (.message | test("NOSUCHSTREAM"))'
qs h1 "" "SHOW STREAMS;"
expect "a non-SELECT statement is 400 40001" '.error_code == 40001'
post h1 /query-stream "" '{"ksql":"SELECT * FROM pageviews;"}'
expect "a body without sql is 400 40000" '.error_code == 40000 and (.message | startswith("Invalid JSON in request"))'
post h1 /query-stream "" '{"sql": '
expect "malformed JSON is 400 40000" '.error_code == 40000'

# --- push queries without LIMIT: /close-query and disconnects -----------------------------
for proto in h1 h2; do
  flag=--http1.1
  [[ $proto == h2 ]] && flag=--http2-prior-knowledge
  out="$WORK/push-$proto"
  curl -s -N $flag -X POST -H 'Accept: application/vnd.ksqlapi.delimited.v1' \
    --data-binary '{"sql":"SELECT pageid FROM pageviews EMIT CHANGES;"}' -o "$out" "$URL:$PORT/query-stream" &
  cpid=$!
  if wait_for "$out" queryId; then ok "push query streams its metadata at once ($proto)"; else not_ok "push query streams its metadata at once ($proto)"; fi
  post h2 /inserts-stream application/json "{\"target\":\"pageviews\"}"$'\n'"{\"userid\":\"u5\",\"pageid\":\"live-$proto\"}"
  if wait_for "$out" "live-$proto"; then ok "a new row reaches the push query ($proto)"; else not_ok "a new row reaches the push query ($proto)" "$(cat "$out")"; fi
  qid=$(head -n1 "$out" | jq -r .queryId)
  post h2 /close-query "" "{\"queryId\":\"$qid\"}"
  expect_status "/close-query answers 200 ($proto)" 200
  [[ -z $BODY ]] && ok "/close-query has an empty body" || not_ok "/close-query has an empty body" "$BODY"
  # the query's response ended (normally) before /close-query answered
  if kill -0 "$cpid" 2>/dev/null; then sleep 0.3; fi
  if kill -0 "$cpid" 2>/dev/null; then
    not_ok "the push response ended before /close-query answered ($proto)"
    kill "$cpid" 2>/dev/null
  else
    wait "$cpid"
    rc=$?
    [[ $rc == 0 ]] && ok "the push response ended normally ($proto)" || not_ok "the push response ended normally ($proto)" "curl rc $rc"
  fi
  post h2 /close-query "" "{\"queryId\":\"$qid\"}"
  expect_status "closing it again is 400 ($proto)" 400
done

post h2 /close-query "" '{"queryId":"WrongId"}'
expect_status "/close-query of an unknown id is 400" 400
expect "unknown id message" '.["@type"] == "generic_error" and .error_code == 40000 and .message == "No query with id WrongId"'
post h1 /close-query "" '{}'
expect "/close-query without queryId is 400 40000" '.error_code == 40000'

# a client that disconnects frees its query
curl -s -N --http2-prior-knowledge --max-time 1 -X POST --data-binary '{"sql":"SELECT * FROM pageviews EMIT CHANGES;"}' \
  -o "$WORK/gone" "$URL:$PORT/query-stream"
qid=$(head -n1 "$WORK/gone" | jq -r .queryId)
sleep 0.5
post h2 /close-query "" "{\"queryId\":\"$qid\"}"
expect_status "a disconnected client's query is gone" 400
curl -s -N --http1.1 --max-time 1 -X POST --data-binary '{"sql":"SELECT * FROM pageviews EMIT CHANGES;"}' \
  -o "$WORK/gone1" "$URL:$PORT/query-stream"
qid=$(head -n1 "$WORK/gone1" | jq -r .queryId)
sleep 1.5
post h2 /close-query "" "{\"queryId\":\"$qid\"}"
expect_status "a disconnected HTTP/1.1 client's query is gone" 400

# --- /query: the old StreamedRow API ----------------------------------------------------
oldq h1 "SELECT userid, price FROM pageviews EMIT CHANGES LIMIT 2;" '{"streamsProperties":{"auto.offset.reset":"earliest"}}'
expect_status "/query push answers 200" 200
BODY=$(tr -d '\n' <<<"$BODY")
expect "/query push: header, rows, finalMessage" '(.[0].header.queryId | startswith("transient_")) and .[0].header.schema == "`USERID` STRING, `PRICE` DECIMAL(10, 2)" and (.[1].row.columns | length) == 2 and .[3].finalMessage == "Limit Reached" and length == 4'
[[ $(head -c 12 "$WORK/body") == '[{"header":{' ]] && ok "/query starts with the header" || not_ok "/query starts with the header" "$(head -c 100 "$WORK/body")"
grep -q '^{"row":{"columns":\[' "$WORK/body" && ok "/query rows start on new lines" || not_ok "/query rows start on new lines" "$(cat "$WORK/body")"

oldq h2 "SELECT pageid FROM pageviews;"
BODY=$(tr -d '\n' <<<"$BODY")
expect "/query pull: header with query_ id, rows, no finalMessage" '(.[0].header.queryId | startswith("query_")) and (length >= 6) and ([.[] | select(.finalMessage)] | length) == 0'

oldq h1 "SELECT * FROM nosuchstream EMIT CHANGES;"
expect_status "/query unknown source is 400" 400
expect "/query error message has no Statement suffix" '.error_code == 40001 and (.message | contains("Statement:") | not)'

# an idle /query push query gets newline keep-alives; /close-query ends it with "Query Completed"
curl -s -N --http1.1 -X POST --data-binary '{"ksql":"SELECT pageid FROM pageviews EMIT CHANGES;"}' \
  -o "$WORK/old" "$URL:$PORT/query" &
cpid=$!
wait_for "$WORK/old" header
sleep 2.5
qid=$(head -n1 "$WORK/old" | sed 's/,$//; s/^\[//' | jq -r .header.queryId)
post h2 /close-query "" "{\"queryId\":\"$qid\"}"
wait "$cpid"
[[ $(grep -c '^$' "$WORK/old") -ge 1 ]] && ok "/query sends newline keep-alives while idle" || not_ok "/query sends newline keep-alives while idle" "$(od -c "$WORK/old" | head)"
BODY=$(tr -d '\n' <"$WORK/old")
expect "/query closed: the array ends with Query Completed" '.[0].header.queryId != null and .[-1].finalMessage == "Query Completed"'

# /close-query on a JSON-format /query-stream closes the array
curl -s -N --http2-prior-knowledge -X POST -H 'Accept: application/json' \
  --data-binary '{"sql":"SELECT pageid FROM pageviews EMIT CHANGES;","properties":{"auto.offset.reset":"earliest"}}' \
  -o "$WORK/jsonpush" "$URL:$PORT/query-stream" &
cpid=$!
wait_for "$WORK/jsonpush" '"p1"'
qid=$(sed 's/^\[//; s/},\[.*/}/' "$WORK/jsonpush" | jq -r .queryId)
post h2 /close-query "" "{\"queryId\":\"$qid\"}"
wait "$cpid"
BODY=$(cat "$WORK/jsonpush")
expect "a closed JSON push query is one complete array" '(.[0].queryId | startswith("transient_")) and length >= 6'

# --- PRINT ---------------------------------------------------------------------------------
oldq h1 "PRINT 'pageviews' FROM BEGINNING LIMIT 3;"
expect_status "PRINT answers 200" 200
[[ $CURL_RC == 0 ]] && ok "PRINT with LIMIT ends" || not_ok "PRINT with LIMIT ends" "curl rc $CURL_RC"
[[ $(grep -c '^rowtime: ' "$WORK/body") == 3 ]] && ok "PRINT LIMIT 3 prints 3 records" || not_ok "PRINT LIMIT 3 prints 3 records" "$BODY"
grep -Eq '^rowtime: [0-9]{4}/[0-9]{2}/[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} Z, key: u[0-9], value: \{.*"PAGEID":"p[0-9]".*\}, partition: [01]$' "$WORK/body" \
  && ok "PRINT line format" || not_ok "PRINT line format" "$BODY"
grep -q '^Key format: KAFKA_STRING$' "$WORK/body" && ok "PRINT guesses the key format" || not_ok "PRINT guesses the key format" "$BODY"
grep -q '^Value format: JSON or KAFKA_STRING$' "$WORK/body" && ok "PRINT guesses the value format" || not_ok "PRINT guesses the value format" "$BODY"

oldq h2 "PRINT PAGEVIEWS FROM BEGINNING INTERVAL 2 LIMIT 2;"
[[ $(grep -c '^rowtime: ' "$WORK/body") == 2 ]] && ok "PRINT with INTERVAL and an unquoted name (HTTP/2)" || not_ok "PRINT with INTERVAL and an unquoted name (HTTP/2)" "$BODY"

oldq h1 "PRINT 'nosuchtopic';"
expect_status "PRINT of an unknown topic is 400" 400
expect "PRINT unknown topic message" '.message | startswith("Could not find topic '"'"'nosuchtopic'"'"'")'

# PRINT without FROM BEGINNING waits for new records
curl -s -N --http1.1 -X POST --data-binary '{"ksql":"PRINT '"'"'pageviews'"'"' LIMIT 1;"}' -o "$WORK/print" "$URL:$PORT/query" &
ppid=$!
sleep 0.5
post h2 /inserts-stream application/json $'{"target":"pageviews"}\n{"userid":"u7","pageid":"printed"}'
if wait_for "$WORK/print" printed 50; then ok "PRINT shows new records"; else not_ok "PRINT shows new records" "$(cat "$WORK/print")"; fi
for _ in $(seq 1 50); do kill -0 "$ppid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$ppid" 2>/dev/null; then not_ok "PRINT LIMIT 1 ends after the new record"; kill "$ppid"; else ok "PRINT LIMIT 1 ends after the new record"; fi

# --- the server is still fine, and stops with queries and PRINTs open ------------------------
request h1 GET /info
expect "server still up" '.KsqlServerInfo.serverStatus == "RUNNING"'
curl -s -N --http2-prior-knowledge -X POST --data-binary '{"sql":"SELECT * FROM pageviews EMIT CHANGES;"}' \
  -o "$WORK/open1" "$URL:$PORT/query-stream" &
curl -s -N --http1.1 -X POST --data-binary '{"ksql":"SELECT * FROM pageviews EMIT CHANGES;"}' \
  -o "$WORK/open2" "$URL:$PORT/query" &
curl -s -N --http1.1 -X POST --data-binary '{"ksql":"PRINT '"'"'pageviews'"'"';"}' -o "$WORK/open3" "$URL:$PORT/query" &
wait_for "$WORK/open1" queryId
wait_for "$WORK/open2" header
sleep 0.5
t0=$(date +%s%N)
stop_server TERM
t1=$(date +%s%N)
(( (t1 - t0) / 1000000 < 5000 )) && ok "the server stops promptly with open queries" || not_ok "the server stops promptly with open queries" "$(( (t1 - t0) / 1000000 )) ms"
wait
if grep -q "ERROR: [A-Za-z]*Sanitizer\|runtime error:" "$WORK/server.log"; then
  not_ok "no sanitizer reports" "$(grep -A5 "Sanitizer\|runtime error" "$WORK/server.log" | head -40)"
else
  ok "no sanitizer reports"
fi

finish
