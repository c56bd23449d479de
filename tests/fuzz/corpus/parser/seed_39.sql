-- comment
/* block
comment */ SELECT 1 FROM dual;
