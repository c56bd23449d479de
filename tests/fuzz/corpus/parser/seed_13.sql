INSERT INTO s VALUES (ARRAY[1, 2], MAP('a' := 1), STRUCT(x := 'y', `Z` := NULL));
