INSERT INTO out WITH (query_id='q1') SELECT * FROM s3;
