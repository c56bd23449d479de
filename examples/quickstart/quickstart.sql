-- quickstart.sql - a first pipeline: orders in, large orders out, with a computed column.
-- Run it with ./run.sh (it sends these statements to a running `eddy serve`).

CREATE STREAM orders (
    order_id  INT KEY,
    customer  VARCHAR,
    item      VARCHAR,
    amount    DOUBLE,
    placed_at BIGINT
) WITH (KAFKA_TOPIC='orders', PARTITIONS=2, VALUE_FORMAT='JSON', TIMESTAMP='placed_at');

-- A persistent query: runs until TERMINATE, survives restarts.
CREATE STREAM big_orders WITH (KAFKA_TOPIC='big_orders') AS
    SELECT order_id, UCASE(customer) AS customer, item, amount, amount * 0.2 AS vat
    FROM orders
    WHERE amount > 100
    EMIT CHANGES;

INSERT INTO orders (order_id, customer, item, amount, placed_at) VALUES (1, 'ada',   'keyboard',  49.5, 1700000000000);
INSERT INTO orders (order_id, customer, item, amount, placed_at) VALUES (2, 'grace', 'monitor',  320.0, 1700000001000);
INSERT INTO orders (order_id, customer, item, amount, placed_at) VALUES (3, 'linus', 'laptop',  1450.0, 1700000002000);
INSERT INTO orders (order_id, customer, item, amount, placed_at) VALUES (4, 'ada',   'mouse',     19.0, 1700000003000);
INSERT INTO orders (order_id, customer, item, amount, placed_at) VALUES (5, 'ken',   'desk',     250.0, 1700000004000);
