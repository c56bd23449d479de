// client_test.js - drives a running eddy with the real ksqlDB npm client (ksqldb-client, HTTP/2).
// Usage: node client_test.js PORT.  Prints one line per check and "N passed, N failed".
"use strict";
const KsqldbClient = require("ksqldb-client");

const port = Number(process.argv[2]);
let passed = 0, failed = 0;
function check(name, cond, detail) {
  if (cond) { passed++; console.log(`ok   - ${name}`); }
  else { failed++; console.log(`FAIL - ${name}${detail ? ": " + detail : ""}`); }
}

(async () => {
  const client = new KsqldbClient({ host: "http://127.0.0.1", port });
  await client.connect();
  check("connects over HTTP/2", client.connected === true);

  const created = await client.executeStatement(
    "CREATE STREAM IF NOT EXISTS ${STREAM_NAME} (word VARCHAR) WITH (KAFKA_TOPIC='${TOPIC_NAME}', PARTITIONS=1, REPLICAS=1, VALUE_FORMAT='JSON');",
    { sessionVariables: { STREAM_NAME: "test_stream_words", TOPIC_NAME: "test_topic_words" } });
  check("executeStatement CREATE STREAM", created.status === 200 && created.data.rows.length === 1 && !!created.data.rows[0].commandId,
        JSON.stringify(created));

  const table = await client.executeStatement(
    "CREATE TABLE users (id VARCHAR PRIMARY KEY, name VARCHAR) WITH (KAFKA_TOPIC='users', PARTITIONS=2, FORMAT='JSON');");
  check("executeStatement CREATE TABLE", table.status === 200 && table.data.rows[0].commandStatus.message === "Table created",
        JSON.stringify(table));

  const streams = await client.listStreams();
  check("listStreams", Array.isArray(streams) && streams.some(s => s.name === "TEST_STREAM_WORDS"), JSON.stringify(streams));
  const tables = await client.listTables();
  check("listTables", Array.isArray(tables) && tables.some(t => t.name === "USERS"), JSON.stringify(tables));
  const topics = await client.listTopics();
  check("listTopics", Array.isArray(topics) && topics.some(t => t.name === "test_topic_words"), JSON.stringify(topics));
  const queries = await client.listQueries();
  check("listQueries", Array.isArray(queries), JSON.stringify(queries));
  const desc = await client.describeSource("test_stream_words");
  check("describeSource", JSON.stringify(desc).includes("TEST_STREAM_WORDS"), JSON.stringify(desc));

  const bad = await client.executeStatement("CREATE STREAM broken (x INT) WITH (KAFKA_TOPIC='nowhere', VALUE_FORMAT='JSON');");
  check("a failing statement comes back as a 400 statement_error", bad.status === 400 && bad.error && bad.error.error_code === 40001,
        JSON.stringify(bad));

  const dropped = await client.executeStatement("DROP STREAM IF EXISTS test_stream_words;");
  check("executeStatement DROP STREAM", dropped.status === 200 && !!dropped.data.rows[0].commandId, JSON.stringify(dropped));

  await client.disconnect();
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
})().catch(e => {
  console.log(`FAIL - unexpected error: ${e && e.stack || e}`);
  console.log(`${passed} passed, ${failed + 1} failed`);
  process.exit(1);
});
