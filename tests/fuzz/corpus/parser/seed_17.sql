SELECT TRANSFORM(arr, x => x + 1), REDUCE(m, 0, (s, k, v) => s + v), FILTER(arr, (x) => x % 2 = 0) FROM t EMIT CHANGES;
