CREATE STREAM out WITH (kafka_topic='out', value_format='AVRO') AS SELECT a, b * 2 AS b2 FROM s WHERE a IS NOT NULL EMIT CHANGES;
