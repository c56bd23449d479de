-- sensors.sql - IoT sensor readings: per-device statistics per minute, and an alert table for overheating devices.
-- Run it with ./run.sh (it sends these statements to a running `eddy serve`, then inserts the readings).

-- Every reading is one event, keyed by its device; event time is the device's own clock (ts).
CREATE STREAM readings (
    device_id VARCHAR KEY,
    reading   DOUBLE,
    ts        BIGINT
) WITH (KAFKA_TOPIC='readings', PARTITIONS=2, VALUE_FORMAT='JSON', TIMESTAMP='ts');

-- Average and maximum per device per minute: a windowed table, kept up to date as readings arrive.
CREATE TABLE readings_per_minute AS
    SELECT device_id,
           AVG(reading) AS avg_reading,
           MAX(reading) AS max_reading,
           COUNT(*)     AS readings
    FROM readings
    WINDOW TUMBLING (SIZE 1 MINUTE)
    GROUP BY device_id
    EMIT CHANGES;

-- Alerts: the minutes in which a device went over 80 degrees.  HAVING keeps only those groups.
CREATE TABLE overheating AS
    SELECT device_id,
           MAX(reading) AS max_reading,
           COUNT(*)     AS readings
    FROM readings
    WINDOW TUMBLING (SIZE 1 MINUTE)
    GROUP BY device_id
    HAVING MAX(reading) > 80
    EMIT CHANGES;
