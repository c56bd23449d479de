SET 'auto.offset.reset' = 'earliest'; UNSET 'auto.offset.reset'; ALTER SYSTEM 'ksql.x' = 'y';
