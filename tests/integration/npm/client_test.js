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

// Resolves like p, or rejects after ms (a hang fails the check instead of the whole run).
function within(ms, p, what) {
  let timer;
  const t = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms); });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
function deferred() {
  let resolve;
  const promise = new Promise(r => { resolve = r; });
  return { promise, resolve };
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


  // --- queries: insertInto, pull query, push query + terminatePushQuery, errors (rest-api.md 11.5) ---
  const ins1 = await within(5000, client.insertInto("test_stream_words", { word: "tree" }), "insertInto");
  check("insertInto (target case-insensitive, column word -> WORD)",
        ins1.status === 200 && ins1.data && ins1.data.rows[0].status === "ok" && ins1.data.rows[0].seq === 0, JSON.stringify(ins1));
  const ins2 = await within(5000, client.insertInto("TEST_STREAM_WORDS", { WORD: "wind" }), "insertInto");
  check("insertInto again", ins2.status === 200 && ins2.data.rows[0].status === "ok", JSON.stringify(ins2));

  const pull = await within(5000, client.query("SELECT * FROM test_stream_words;"), "pull query");
  check("pull query on a stream with query()",
        pull.status === 200 && pull.data.metadata.queryId === null &&
        JSON.stringify(pull.data.metadata.columnNames) === JSON.stringify(["WORD"]) &&
        pull.data.rows.map(r => r.WORD).sort().join(",") === "tree,wind", JSON.stringify(pull));
  const pullVars = await within(5000, client.query("SELECT * FROM ${STREAM} WHERE WORD = '${W}';",
                                                   { sessionVariables: { STREAM: "test_stream_words", W: "wind" } }), "pull query with variables");
  check("pull query with sessionVariables substituted inside quotes",
        pullVars.status === 200 && pullVars.data.rows.length === 1 && pullVars.data.rows[0].WORD === "wind", JSON.stringify(pullVars));

  // A push query: metadata first, then a row per DATA frame; the client parses each frame.
  const metaSeen = deferred(), rowSeen = deferred();
  const pushRows = [];
  let pushMeta = null, frames = 0;
  const push = client.streamQuery("SELECT * FROM test_stream_words EMIT CHANGES;", data => {
    frames++;
    if (data.status !== 200) return;
    if (!pushMeta && data.metadata) { pushMeta = data.metadata; metaSeen.resolve(); }
    if (data.rows && data.rows.length) { pushRows.push(...data.rows); rowSeen.resolve(); }
  }, { properties: { "auto.offset.reset": "earliest" } });
  await within(5000, metaSeen.promise, "push query metadata");
  check("streamQuery gets the metadata with a transient queryId",
        typeof pushMeta.queryId === "string" && pushMeta.queryId.startsWith("transient_"), JSON.stringify(pushMeta));
  await within(5000, rowSeen.promise, "push query rows");
  // A pull query on the same session while the push query runs.
  const concurrent = await within(5000, client.query("SELECT * FROM test_stream_words;"), "concurrent pull query");
  check("a pull query on the same session while a push query runs", concurrent.status === 200 && concurrent.data.rows.length === 2,
        JSON.stringify(concurrent));
  const ins3 = await within(5000, client.insertInto("test_stream_words", { word: "leaf" }), "insertInto during push");
  check("insertInto during a push query", ins3.status === 200, JSON.stringify(ins3));
  for (let i = 0; i < 50 && !pushRows.some(r => r.WORD === "leaf"); i++) await new Promise(r => setTimeout(r, 100));
  check("the push query sees old rows (earliest) and new ones, one per frame",
        ["tree", "wind", "leaf"].every(w => pushRows.some(r => r.WORD === w)) && frames === 1 + pushRows.length,
        JSON.stringify({ pushRows, frames }));
  const term = await within(5000, client.terminatePushQuery(pushMeta.queryId), "terminatePushQuery");
  check("terminatePushQuery answers 200", term.status === 200, JSON.stringify(term));
  const pushDone = await within(5000, push, "streamQuery end");
  check("streamQuery resolves with status 200 once the query is closed",
        pushDone.status === 200 && pushDone.data.metadata.queryId === pushMeta.queryId, JSON.stringify(pushDone));

  const wrongId = await within(5000, client.terminatePushQuery("WrongId"), "terminatePushQuery WrongId");
  check("terminatePushQuery of an unknown id is 400", wrongId.status === 400 && wrongId.error && wrongId.error.error_code === 40000,
        JSON.stringify(wrongId));
  const syntax = await within(5000, client.query("SELECT * FROM;"), "bad query");
  check("SELECT * FROM; -> error_code 40001", syntax.status === 400 && syntax.error && syntax.error.error_code === 40001,
        JSON.stringify(syntax));
  const missing = await within(5000, client.query("SELECT * FROM TEST_INVALID_TABLE_NOT_EXISTS_231555555555;"), "unknown source");
  check("a query on an unknown source is 400", missing.status === 400 && missing.error && missing.error.error_code === 40001,
        JSON.stringify(missing));
  const badPush = await within(5000, client.streamQuery("SELECT * FROM nowhere_stream EMIT CHANGES;", () => {}), "bad push query");
  check("streamQuery of an unknown source resolves with the 400 error body", badPush.status === 400 && badPush.error && badPush.error.error_code === 40001,
        JSON.stringify(badPush));

  // A push query with LIMIT ends by itself.
  const limited = [];
  const lim = await within(5000, client.streamQuery("SELECT word FROM test_stream_words EMIT CHANGES LIMIT 2;", d => {
    if (d.rows && d.rows.length) limited.push(...d.rows);
  }, { properties: { "auto.offset.reset": "earliest" } }), "push query with LIMIT");
  check("a push query with LIMIT ends by itself", lim.status === 200 && limited.length === 2, JSON.stringify({ lim, limited }));

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
