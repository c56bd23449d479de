CREATE OR REPLACE TABLE users (id STRING PRIMARY KEY, regionid STRING, interests ARRAY<STRING>, contact MAP<STRING, STRUCT<`Email` STRING, phone BIGINT>>) WITH (kafka_topic='users', format='AVRO');
