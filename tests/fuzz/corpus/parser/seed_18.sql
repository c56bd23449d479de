SELECT a->b->c, arr[1], m['k'], -x, +y, NOT z, a || b, 1.5E3, .5, 1e-3, 'it''s' FROM s EMIT CHANGES;
