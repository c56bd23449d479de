#!/usr/bin/env bash
# test_rest.sh - starts `eddy serve` on loopback and drives ksqlDB's REST API over HTTP/1.1 and HTTP/2,
# restarts it, and checks that the catalog survived and that bad input gets clear 4xx errors.
source "$(dirname "$0")/lib.sh"

start_server || exit 1

# --- /info, /healthcheck over each protocol ---------------------------------------------
for proto in h1 h2 h2u; do
  request "$proto" GET /info
  expect "GET /info ($proto)" '.KsqlServerInfo.serverStatus == "RUNNING" and .KsqlServerInfo.ksqlServiceId == "default_"'
  request "$proto" GET /healthcheck
  expect "GET /healthcheck ($proto)" '.isHealthy == true and .details.metastore.isHealthy == true'
done
request h2 GET /info
[[ $VERSION == 2 ]] && ok "prior knowledge speaks HTTP/2" || not_ok "prior knowledge speaks HTTP/2" "got $VERSION"
request h2u GET /info
[[ $VERSION == 2 ]] && ok "Upgrade: h2c switches to HTTP/2" || not_ok "Upgrade: h2c switches to HTTP/2" "got $VERSION"

# --- DDL over HTTP/1.1 and HTTP/2 --------------------------------------------------------
ksql h1 "CREATE STREAM pageviews (viewtime BIGINT, userid VARCHAR KEY, pageid VARCHAR) WITH (kafka_topic='pageviews', partitions=3, value_format='JSON');"
expect_status "CREATE STREAM answers 200" 200
expect "CREATE STREAM returns currentStatus" '.[0]["@type"] == "currentStatus" and .[0].commandStatus.status == "SUCCESS" and .[0].commandStatus.message == "Stream created" and .[0].commandId == "stream/`PAGEVIEWS`/create"'

ksql h2 "CREATE TABLE users (id VARCHAR PRIMARY KEY, region STRING, tags ARRAY<STRING>, price DECIMAL(10, 2)) WITH (kafka_topic='users', partitions=2, format='JSON'); CREATE TYPE address AS STRUCT<street STRING, zip INT>;"
expect "two statements in one request (HTTP/2)" 'length == 2 and .[0].commandStatus.message == "Table created" and (.[1].commandStatus.message | startswith("Registered custom type with name '"'"'ADDRESS'"'"'"))'
[[ $VERSION == 2 ]] && ok "request went over HTTP/2" || not_ok "request went over HTTP/2" "$VERSION"

ksql h2u "CREATE STREAM orders (id INT KEY, addr ADDRESS) WITH (kafka_topic='orders', partitions=1, value_format='JSON');"
expect "custom type used in CREATE (h2c upgrade)" '.[0].commandStatus.status == "SUCCESS"'

ksql h1 "SHOW STREAMS;"
expect "SHOW STREAMS lists both streams" '.[0]["@type"] == "streams" and ([.[0].streams[].name] == ["ORDERS", "PAGEVIEWS"]) and .[0].streams[1].topic == "pageviews"'
ksql h2 "LIST TABLES;"
expect "LIST TABLES" '.[0]["@type"] == "tables" and .[0].tables[0].name == "USERS" and .[0].tables[0].keyFormat == "JSON"'
ksql h1 "SHOW TOPICS;"
expect "SHOW TOPICS hides internal topics" '.[0]["@type"] == "kafka_topics" and ([.[0].topics[].name] == ["default_ksql_processing_log", "orders", "pageviews", "users"]) and (.[0].topics[2].replicaInfo | length) == 3'
ksql h1 "SHOW ALL TOPICS;"
expect "SHOW ALL TOPICS shows the command topic" '[.[0].topics[].name] | index("_confluent-ksql-default__command_topic") != null'
ksql h1 "DESCRIBE pageviews;"
expect "DESCRIBE" '.[0]["@type"] == "sourceDescription" and .[0].sourceDescription.fields[0] == {"name":"USERID","schema":{"type":"STRING","fields":null,"memberSchema":null},"type":"KEY"} and .[0].sourceDescription.partitions == 3'
ksql h1 "DESCRIBE users EXTENDED;"
expect "DESCRIBE EXTENDED with DECIMAL parameters" '.[0].sourceDescription.extended == true and (.[0].sourceDescription.fields[] | select(.name == "PRICE") | .schema.parameters) == {"precision":10,"scale":2}'
ksql h1 "SHOW TYPES;"
expect "SHOW TYPES" '.[0]["@type"] == "type_list" and .[0].types.ADDRESS.type == "STRUCT"'
ksql h1 "SHOW FUNCTIONS;"
expect "SHOW FUNCTIONS" '.[0]["@type"] == "function_names" and ([.[0].functions[].name] | index("SUBSTRING") != null)'
ksql h1 "DESCRIBE FUNCTION substring;"
expect "DESCRIBE FUNCTION" '.[0]["@type"] == "describe_function" and .[0].name == "SUBSTRING" and (.[0].functions | length) >= 1'
ksql h1 "SHOW PROPERTIES;" '{"streamsProperties":{"ksql.streams.auto.offset.reset":"earliest"}}'
expect "SHOW PROPERTIES with an override" '.[0]["@type"] == "properties" and (.[0].properties[] | select(.name == "ksql.streams.auto.offset.reset") | .value) == "earliest"'
ksql h1 "DEFINE t = 'pageviews'; SHOW VARIABLES; DESCRIBE \${t};" '{"sessionVariables":{"who":"me"}}'
expect "DEFINE, SHOW VARIABLES and substitution" 'length == 2 and .[0]["@type"] == "variables" and ([.[0].variables[].name] | sort) == ["T", "WHO"] and .[1].sourceDescription.name == "PAGEVIEWS"'
ksql h1 "SET 'auto.offset.reset'='earliest'; UNSET 'auto.offset.reset';"
expect "SET and UNSET return no entity" '. == []'
ksql h1 "SHOW QUERIES;"
expect "SHOW QUERIES" '.[0]["@type"] == "queries" and .[0].queries == []'
ksql h1 "CREATE STREAM IF NOT EXISTS pageviews (x INT) WITH (kafka_topic='pageviews', value_format='JSON');"
expect "IF NOT EXISTS on an existing stream warns" '.[0]["@type"] == "warning_entity"'
request h1 GET /status
expect "GET /status" '.commandStatuses["stream/`PAGEVIEWS`/create"] == "SUCCESS"'
request h1 GET "/status/stream/%60PAGEVIEWS%60/create"
expect "GET /status/<command id>" '.status == "SUCCESS" and .message == "Stream created"'

# --- statement errors ------------------------------------------------------------------
ksql h1 "SELECT * FORM pageviews;"
expect_status "syntax error is 400" 400
expect "syntax error names the position" '.["@type"] == "statement_error" and .error_code == 40001 and (.message | startswith("line 1:10: Syntax Error"))'
ksql h1 "SHOW STREAMS"
expect "a statement must end with ;" '.error_code == 40001 and (.message | contains("missing '"';'"'"))'
ksql h1 "DESCRIBE nope;"
expect "unknown source is named" '.error_code == 40001 and .message == "Could not find STREAM/TABLE '"'"'NOPE'"'"' in the Metastore"'
ksql h1 "CREATE STREAM s2 (a INT) WITH (kafka_topic='missing', value_format='JSON');"
expect "missing topic without PARTITIONS" '.error_code == 40001 and (.message | startswith("Topic '"'"'missing'"'"' does not exist."))'
ksql h1 "CREATE STREAM ok1 (a INT) WITH (kafka_topic='ok1', partitions=1, value_format='JSON'); CREATE STREAM pageviews (a INT) WITH (kafka_topic='pageviews', value_format='JSON');"
expect "a failing statement fails the whole request" '.error_code == 40001 and (.message | contains("already exists")) and .entities == []'
ksql h1 "DESCRIBE ok1;"
expect "...and the statements before it did not run" '.error_code == 40001'
ksql h1 "SELECT * FROM pageviews EMIT CHANGES;"
expect "SELECT on /ksql goes to the query endpoint" '.error_code == 40002'
ksql h1 "CREATE STREAM out AS SELECT * FROM pageviews p JOIN users u ON p.userid = u.id;"
expect "a join is refused as not supported yet" '.error_code == 40001 and (.message | contains("not supported yet"))'

# --- bad requests ----------------------------------------------------------------------
request h1 POST /ksql '{"ksql": '
expect_status "malformed JSON body is 400" 400
expect "malformed JSON body error" '.["@type"] == "generic_error" and .error_code == 40000'
request h1 POST /ksql '[1,2]'
expect_status "a body that is not an object is 400" 400
request h2 GET /nope
expect_status "unknown route is 404" 404
expect "unknown route JSON" '.error_code == 40400'
request h1 GET /ksql
expect_status "wrong method is 405" 405
big=$(head -c 17000000 /dev/zero | tr '\0' 'a')
out=$(printf '{"ksql":"%s"}' "$big" | curl -s --http1.1 -o /dev/null -w '%{http_code}' -X POST --data-binary @- "http://127.0.0.1:$PORT/ksql")
[[ $out == 413 ]] && ok "oversized body is 413" || not_ok "oversized body is 413" "got $out"
request h1 GET /info
expect "server still up after bad input" '.KsqlServerInfo.serverStatus == "RUNNING"'

# --- restart: the catalog comes back from the command log -------------------------------
ksql h1 "DROP STREAM orders;"
expect "DROP STREAM" '.[0].commandStatus.message == "Source `ORDERS` (topic: orders) was dropped." and .[0].commandId == "stream/ORDERS/drop"'
stop_server TERM
start_server || exit 1
ksql h2 "SHOW STREAMS; SHOW TABLES; SHOW TYPES;"
expect "catalog survived a restart" '([.[0].streams[].name] == ["PAGEVIEWS"]) and .[1].tables[0].name == "USERS" and .[2].types.ADDRESS.type == "STRUCT"'
ksql h1 "DESCRIBE users;"
expect "restored table keeps its schema" '[.[0].sourceDescription.fields[].name] == ["ID", "REGION", "TAGS", "PRICE"]'
stop_server KILL
start_server || exit 1
ksql h1 "SHOW STREAMS;"
expect "catalog survived SIGKILL" '[.[0].streams[].name] == ["PAGEVIEWS"]'

finish
