CREATE STREAM pageviews (viewtime BIGINT, userid VARCHAR KEY, pageid VARCHAR) WITH (kafka_topic='pageviews', value_format='JSON', partitions=1);
