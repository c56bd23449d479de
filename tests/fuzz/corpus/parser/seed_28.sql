DEFINE format = 'JSON'; UNDEFINE format;
