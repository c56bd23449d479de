CREATE STREAM s (h ARRAY<STRUCT<key STRING, value BYTES>> HEADERS, one BYTES HEADER('x-id'), v INT) WITH (kafka_topic='s', value_format='JSON');
