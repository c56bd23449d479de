SELECT ((((a)))) + (b - (c * (d / e))) FROM s WHERE a = 1 OR b = 2 AND NOT c = 3;
