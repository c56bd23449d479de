CREATE SOURCE TABLE IF NOT EXISTS t1 (k INT PRIMARY KEY, d DECIMAL(10, 2), b BYTES, dt DATE, tm TIME, ts TIMESTAMP) WITH (kafka_topic='t1', value_format='DELIMITED', value_delimiter='|');
