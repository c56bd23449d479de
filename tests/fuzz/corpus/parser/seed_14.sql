SELECT * FROM t WHERE k = 'x';
