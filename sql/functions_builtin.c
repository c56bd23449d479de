/* functions_builtin.c - the table of eddy's built-in SQL functions (ksqlDB 0.29's set).
 *
 * One row per function: FN(name, kind, category, flags, description, variants).
 * The variant syntax is described at eddy_function_def in sql/functions.h; the
 * rows are parsed at start-up by sql/functions.c, which sorts them by name, so
 * rows here are grouped by category.  Adding a function is adding a row;
 * implementations are attached separately (eddy_function_attach).
 */
#include "sql/functions.h"

#define FN(name, kind, cat, flags, desc, variants) \
    {name, EDDY_FN_##kind, cat, flags, desc, variants}

#define CAT_MATH "MATHEMATICAL"
#define CAT_STR "STRING"
#define CAT_REGEX "REGULAR EXPRESSION"
#define CAT_JSON "JSON"
#define CAT_DATETIME "DATE / TIME"
#define CAT_ARRAY "ARRAY"
#define CAT_MAP "MAP"
#define CAT_COND "CONDITIONAL"
#define CAT_URL "URL"
#define CAT_LAMBDA "LAMBDA"
#define CAT_CONV "CONVERSIONS"
#define CAT_OTHER "OTHER"
#define CAT_AGG "AGGREGATE"
#define CAT_TABLE "TABLE"

#define NONDET EDDY_FN_NONDETERMINISTIC
#define ONNULL EDDY_FN_CALLED_ON_NULL
#define TABAGG EDDY_FN_TABLE_AGG
#define LAMBDAS EDDY_FN_LAMBDA
#define DEPRECATED EDDY_FN_DEPRECATED

/* Variant lists shared by several rows. */
#define NUM_TO_DOUBLE(arg)                                                   \
    "DOUBLE(INT " arg "); DOUBLE(BIGINT " arg "); DOUBLE(DOUBLE " arg ")"
#define SAME_NUMERIC(arg)                                                    \
    "INT(INT " arg "); BIGINT(BIGINT " arg "); DOUBLE(DOUBLE " arg "); DECIMAL(DECIMAL " arg ")"
#define ROUNDING                                                             \
    "BIGINT(BIGINT val); BIGINT(INT val); BIGINT(DOUBLE val);"              \
    " DOUBLE(DOUBLE val, INT decimalPlaces); DECIMAL(DECIMAL val);"         \
    " DECIMAL(DECIMAL val, INT decimalPlaces)"
#define COMPARABLE_VARARGS                                                   \
    "INT(INT val, INT... vals); BIGINT(BIGINT val, BIGINT... vals);"        \
    " DOUBLE(DOUBLE val, DOUBLE... vals); VARCHAR(VARCHAR val, VARCHAR... vals);" \
    " DECIMAL(DECIMAL val, DECIMAL... vals); BYTES(BYTES val, BYTES... vals);" \
    " DATE(DATE val, DATE... vals); TIME(TIME val, TIME... vals);"          \
    " TIMESTAMP(TIMESTAMP val, TIMESTAMP... vals)"
#define MASK_CHARS                                                           \
    "VARCHAR upper[Upper-case mask, or NULL to keep upper-case characters],"   \
    " VARCHAR lower[Lower-case mask, or NULL to keep lower-case characters],"  \
    " VARCHAR digit[Digit mask, or NULL to keep digits],"                    \
    " VARCHAR other[Mask for other characters, or NULL to keep them]"
#define MASK_N(what)                                                         \
    "VARCHAR(VARCHAR input[String to be masked], INT numChars[" what "]);"  \
    " VARCHAR(VARCHAR input[String to be masked], INT numChars[" what "], " MASK_CHARS ")"
#define FROM_BYTES_VARIANTS(T)                                               \
    T "(BYTES value[The BYTES value to convert]);"                           \
    " " T "(BYTES value[The BYTES value to convert],"                        \
    " VARCHAR byteOrder[BIG_ENDIAN (the default) or LITTLE_ENDIAN])"
#define URL_ARG "VARCHAR input[A valid URL]"
#define COMPARABLE_AGG                                           \
    "INT(INT val); BIGINT(BIGINT val); DOUBLE(DOUBLE val); DECIMAL(DECIMAL val);" \
    " DATE(DATE val); TIME(TIME val); TIMESTAMP(TIMESTAMP val);"            \
    " VARCHAR(VARCHAR val); BYTES(BYTES val)"
#define BY_OFFSET(n)                                                         \
    "T(T val); T(T val, BOOLEAN ignoreNulls[Whether NULL values are skipped (default true)]);" \
    " ARRAY<T>(T val, INT " n "[How many values to keep]);"                 \
    " ARRAY<T>(T val, INT " n "[How many values to keep]," \
    " BOOLEAN ignoreNulls[Whether NULL values are skipped (default true)])"
#define TOPK_VARIANTS                                                        \
    "ARRAY<INT>(INT val, INT k); ARRAY<BIGINT>(BIGINT val, INT k);"         \
    " ARRAY<DOUBLE>(DOUBLE val, INT k); ARRAY<VARCHAR>(VARCHAR val, INT k)"
#define TZ_ARG "VARCHAR timeZone[A java.util.TimeZone ID, e.g. UTC or America/Los_Angeles]"

const eddy_function_def eddy_functions_builtin[] = {
    /* ---- mathematical ---- */
    FN("ABS", SCALAR, CAT_MATH, 0,
       "Returns the absolute value of its argument.",
       SAME_NUMERIC("val")),
    FN("ACOS", SCALAR, CAT_MATH, 0,
       "Returns the inverse (arc) cosine of its argument, in radians; NaN outside [-1, 1].",
       NUM_TO_DOUBLE("value")),
    FN("ASIN", SCALAR, CAT_MATH, 0,
       "Returns the inverse (arc) sine of its argument, in radians; NaN outside [-1, 1].",
       NUM_TO_DOUBLE("value")),
    FN("ATAN", SCALAR, CAT_MATH, 0,
       "Returns the inverse (arc) tangent of its argument, in radians.",
       NUM_TO_DOUBLE("value")),
    FN("ATAN2", SCALAR, CAT_MATH, 0,
       "Returns the inverse (arc) tangent of y / x, in radians: the angle theta of the point (x, y) in polar coordinates.",
       "DOUBLE(INT y, INT x); DOUBLE(BIGINT y, BIGINT x); DOUBLE(DOUBLE y, DOUBLE x)"),
    FN("CBRT", SCALAR, CAT_MATH, 0,
       "Returns the cube root of its argument.",
       NUM_TO_DOUBLE("value")),
    FN("CEIL", SCALAR, CAT_MATH, 0,
       "Returns the smallest integer value greater than or equal to its argument.",
       SAME_NUMERIC("val")),
    FN("COS", SCALAR, CAT_MATH, 0,
       "Returns the cosine of its argument, given in radians.",
       NUM_TO_DOUBLE("value")),
    FN("COSH", SCALAR, CAT_MATH, 0,
       "Returns the hyperbolic cosine of its argument.",
       NUM_TO_DOUBLE("value")),
    FN("COT", SCALAR, CAT_MATH, 0,
       "Returns the cotangent of its argument, given in radians.",
       NUM_TO_DOUBLE("value")),
    FN("DEGREES", SCALAR, CAT_MATH, 0,
       "Converts an angle from radians to degrees.",
       NUM_TO_DOUBLE("value")),
    FN("EXP", SCALAR, CAT_MATH, 0,
       "Returns e raised to the power of its argument.",
       NUM_TO_DOUBLE("exponent")),
    FN("FLOOR", SCALAR, CAT_MATH, 0,
       "Returns the largest integer value less than or equal to its argument.",
       SAME_NUMERIC("val")),
    FN("GREATEST", SCALAR, CAT_MATH, ONNULL,
       "Returns the largest non-null value among a variable number of comparable columns.",
       COMPARABLE_VARARGS),
    FN("LEAST", SCALAR, CAT_MATH, ONNULL,
       "Returns the smallest non-null value among a variable number of comparable columns.",
       COMPARABLE_VARARGS),
    FN("LN", SCALAR, CAT_MATH, 0,
       "Returns the natural logarithm of its argument, which must be greater than 0.",
       NUM_TO_DOUBLE("value")),
    FN("LOG", SCALAR, CAT_MATH, 0,
       "Returns the natural logarithm of a value (as Java's Math.log), or its logarithm in the given base.",
       "DOUBLE(INT value); DOUBLE(BIGINT value); DOUBLE(DOUBLE value);"
       " DOUBLE(INT base, INT value); DOUBLE(BIGINT base, BIGINT value);"
       " DOUBLE(DOUBLE base, DOUBLE value)"),
    FN("PI", SCALAR, CAT_MATH, 0,
       "Returns an approximate value of pi.",
       "DOUBLE()"),
    FN("POWER", SCALAR, CAT_MATH, 0,
       "Returns base raised to the power of exponent; Infinity when the result overflows DOUBLE.",
       "DOUBLE(INT base, INT exponent); DOUBLE(BIGINT base, BIGINT exponent);"
       " DOUBLE(DOUBLE base, DOUBLE exponent)"),
    FN("RADIANS", SCALAR, CAT_MATH, 0,
       "Converts an angle from degrees to radians.",
       NUM_TO_DOUBLE("value")),
    FN("RANDOM", SCALAR, CAT_MATH, NONDET,
       "Returns a random DOUBLE value between 0.0 and 1.0.",
       "DOUBLE()"),
    FN("ROUND", SCALAR, CAT_MATH, 0,
       "Rounds a value to the given number of decimal places (default 0); halves round up, towards positive infinity.",
       ROUNDING),
    FN("SIGN", SCALAR, CAT_MATH, 0,
       "Returns the sign of its argument as an INT: -1, 0 or 1.",
       "INT(INT value); INT(BIGINT value); INT(DOUBLE value); INT(DECIMAL value)"),
    FN("SIN", SCALAR, CAT_MATH, 0,
       "Returns the sine of its argument, given in radians.",
       NUM_TO_DOUBLE("value")),
    FN("SINH", SCALAR, CAT_MATH, 0,
       "Returns the hyperbolic sine of its argument.",
       NUM_TO_DOUBLE("value")),
    FN("SQRT", SCALAR, CAT_MATH, 0,
       "Returns the square root of its argument.",
       NUM_TO_DOUBLE("value")),
    FN("TAN", SCALAR, CAT_MATH, 0,
       "Returns the tangent of its argument, given in radians.",
       NUM_TO_DOUBLE("value")),
    FN("TANH", SCALAR, CAT_MATH, 0,
       "Returns the hyperbolic tangent of its argument.",
       NUM_TO_DOUBLE("value")),
    FN("TRUNC", SCALAR, CAT_MATH, 0,
       "Truncates a value to the given number of decimal places (default 0), towards zero.",
       ROUNDING),

    /* ---- strings ---- */
    FN("CHR", SCALAR, CAT_STR, 0,
       "Returns the single-character string for a Unicode code point, given as a decimal code or as a '\\uXXXX' string.",
       "VARCHAR(INT decimalCode[The decimal code of a Unicode code point]);"
       " VARCHAR(VARCHAR utf16Code[A UTF-16 code such as '\\u004b'])"),
    FN("CONCAT", SCALAR, CAT_STR, ONNULL,
       "Concatenates two or more string or bytes values; NULL inputs count as empty.",
       "VARCHAR(VARCHAR... inputs[The strings to concatenate]);"
       " BYTES(BYTES... inputs[The bytes values to concatenate])"),
    FN("CONCAT_WS", SCALAR, CAT_STR, ONNULL,
       "Concatenates two or more string or bytes values with a separator between them; NULL inputs are skipped.",
       "VARCHAR(VARCHAR separator[Placed between the values; NULL gives NULL], VARCHAR... args);"
       " BYTES(BYTES separator[Placed between the values; NULL gives NULL], BYTES... args)"),
    FN("ELT", SCALAR, CAT_STR, ONNULL,
       "Returns the n-th (1-based) of the string arguments, or NULL if n is out of range.",
       "VARCHAR(INT n[The 1-based position], VARCHAR... args)"),
    FN("ENCODE", SCALAR, CAT_STR, 0,
       "Re-encodes a string from one encoding to another: hex, utf8, ascii or base64.",
       "VARCHAR(VARCHAR str, VARCHAR inputEncoding[hex, utf8, ascii or base64],"
       " VARCHAR outputEncoding[hex, utf8, ascii or base64])"),
    FN("FIELD", SCALAR, CAT_STR, ONNULL,
       "Returns the 1-based position of a string among the remaining arguments, or 0 if it is not there.",
       "INT(VARCHAR str[The string to find], VARCHAR... args)"),
    FN("FROM_BYTES", SCALAR, CAT_STR, 0,
       "Converts a BYTES value to a STRING in the given encoding: hex, utf8, ascii or base64.",
       "VARCHAR(BYTES bytes, VARCHAR encoding[hex, utf8, ascii or base64])"),
    FN("INITCAP", SCALAR, CAT_STR, 0,
       "Capitalizes the first letter of each whitespace-delimited word and lower-cases the rest.",
       "VARCHAR(VARCHAR str)"),
    FN("INSTR", SCALAR, CAT_STR, ONNULL,
       "Returns the 1-based position of a substring in a string, or 0 when it is not found.",
       "INT(VARCHAR str, VARCHAR substring);"
       " INT(VARCHAR str, VARCHAR substring, INT position[Where to start; negative counts from the end]);"
       " INT(VARCHAR str, VARCHAR substring, INT position[Where to start; negative counts from the end],"
       " INT occurrence[Which occurrence to find])"),
    FN("LCASE", SCALAR, CAT_STR, 0,
       "Converts a string to lower case.",
       "VARCHAR(VARCHAR input)"),
    FN("LEN", SCALAR, CAT_STR, 0,
       "Returns the length of a STRING, or the number of bytes in a BYTES value.",
       "INT(VARCHAR input); INT(BYTES input)"),
    FN("LPAD", SCALAR, CAT_STR, 0,
       "Pads a string or bytes value on the left with the padding until it has the target length; longer input is truncated.",
       "VARCHAR(VARCHAR input, INT targetLen, VARCHAR padding);"
       " BYTES(BYTES input, INT targetLen, BYTES padding)"),
    FN("MASK", SCALAR, CAT_STR, ONNULL,
       "Masks a string: upper-case letters become 'X', lower-case 'x', digits 'n' and other characters '-', unless other masks are given.",
       "VARCHAR(VARCHAR input[String to be masked]);"
       " VARCHAR(VARCHAR input[String to be masked], " MASK_CHARS ")"),
    FN("MASK_KEEP_LEFT", SCALAR, CAT_STR, ONNULL,
       "Masks a string like MASK, except for its first numChars characters.",
       MASK_N("Number of characters at the start to keep unmasked")),
    FN("MASK_KEEP_RIGHT", SCALAR, CAT_STR, ONNULL,
       "Masks a string like MASK, except for its last numChars characters.",
       MASK_N("Number of characters at the end to keep unmasked")),
    FN("MASK_LEFT", SCALAR, CAT_STR, ONNULL,
       "Masks only the first numChars characters of a string, like MASK.",
       MASK_N("Number of characters at the start to mask")),
    FN("MASK_RIGHT", SCALAR, CAT_STR, ONNULL,
       "Masks only the last numChars characters of a string, like MASK.",
       MASK_N("Number of characters at the end to mask")),
    FN("REPLACE", SCALAR, CAT_STR, 0,
       "Replaces every occurrence of a substring in a string with another string.",
       "VARCHAR(VARCHAR str, VARCHAR target, VARCHAR replacement)"),
    FN("RPAD", SCALAR, CAT_STR, 0,
       "Pads a string or bytes value on the right with the padding until it has the target length; longer input is truncated.",
       "VARCHAR(VARCHAR input, INT targetLen, VARCHAR padding);"
       " BYTES(BYTES input, INT targetLen, BYTES padding)"),
    FN("SPLIT", SCALAR, CAT_STR, 0,
       "Splits a string into an array of substrings, or bytes into an array of byte arrays, at a delimiter.",
       "ARRAY<VARCHAR>(VARCHAR string, VARCHAR delimiter[An empty delimiter splits every character]);"
       " ARRAY<BYTES>(BYTES bytes, BYTES delimiter[An empty delimiter splits every byte])"),
    FN("SPLIT_TO_MAP", SCALAR, CAT_STR, 0,
       "Splits a string into key-value pairs at entryDelimiter, and each pair at kvDelimiter, into a map.",
       "MAP<VARCHAR, VARCHAR>(VARCHAR input, VARCHAR entryDelimiter, VARCHAR kvDelimiter)"),
    FN("SUBSTRING", SCALAR, CAT_STR, 0,
       "Returns the portion of a string or bytes value that starts at pos (1-based) and has length len, or runs to the end.",
       "VARCHAR(VARCHAR str[The source string.], INT pos[The base-one position to start from.])"
       "{Returns the portion of str from pos to the end of str};"
       " VARCHAR(VARCHAR str[The source string.], INT pos[The base-one position to start from.],"
       " INT length[The length to extract.]){Returns the portion of str that starts at pos and is of length len};"
       " BYTES(BYTES bytes[The source bytes.], INT pos[The base-one position to start from.])"
       "{Returns the portion of the bytes value from pos to the end of the bytes value};"
       " BYTES(BYTES bytes[The source bytes.], INT pos[The base-one position to start from.],"
       " INT length[The length to extract.]){Returns the portion of the bytes value that starts at pos and is of length len}"),
    FN("TO_BYTES", SCALAR, CAT_STR, 0,
       "Converts a STRING in the given encoding (hex, utf8, ascii or base64) to BYTES.",
       "BYTES(VARCHAR string, VARCHAR encoding[hex, utf8, ascii or base64])"),
    FN("TRIM", SCALAR, CAT_STR, 0,
       "Removes the spaces from the beginning and end of a string.",
       "VARCHAR(VARCHAR input)"),
    FN("UCASE", SCALAR, CAT_STR, 0,
       "Converts a string to upper case.",
       "VARCHAR(VARCHAR input)"),
    FN("UUID", SCALAR, CAT_STR, NONDET,
       "Returns a random (version 4) RFC 4122 UUID as a 36-character string.",
       "VARCHAR()"),

    /* ---- regular expressions ---- */
    FN("REGEXP_EXTRACT", SCALAR, CAT_REGEX, 0,
       "Returns the first substring that matches a regular expression, or the given capturing group of it.",
       "VARCHAR(VARCHAR pattern, VARCHAR string);"
       " VARCHAR(VARCHAR pattern, VARCHAR string, INT group[The capturing group to return])"),
    FN("REGEXP_EXTRACT_ALL", SCALAR, CAT_REGEX, 0,
       "Returns every substring that matches a regular expression, or the given capturing group of each.",
       "ARRAY<VARCHAR>(VARCHAR pattern, VARCHAR string);"
       " ARRAY<VARCHAR>(VARCHAR pattern, VARCHAR string, INT group[The capturing group to return])"),
    FN("REGEXP_REPLACE", SCALAR, CAT_REGEX, 0,
       "Replaces every match of a regular expression in a string with a replacement string.",
       "VARCHAR(VARCHAR input, VARCHAR regex, VARCHAR replacement)"),
    FN("REGEXP_SPLIT_TO_ARRAY", SCALAR, CAT_REGEX, 0,
       "Splits a string into an array of substrings at the matches of a regular expression.",
       "ARRAY<VARCHAR>(VARCHAR string, VARCHAR regexp)"),

    /* ---- JSON ---- */
    FN("EXTRACTJSONFIELD", SCALAR, CAT_JSON, 0,
       "Returns the value at a JSONPath in a string of JSON, as a STRING; NULL when the path does not exist.",
       "VARCHAR(VARCHAR input[A string of JSON], VARCHAR path[A JSONPath such as '$.log.cloud'])"),
    FN("IS_JSON_STRING", SCALAR, CAT_JSON, ONNULL,
       "Returns true if the string parses as a JSON value, otherwise false.",
       "BOOLEAN(VARCHAR input)"),
    FN("JSON_ARRAY_CONTAINS", SCALAR, CAT_JSON, ONNULL,
       "Returns true if a string holding a JSON array contains the search value.",
       "BOOLEAN(VARCHAR jsonArray, BOOLEAN val); BOOLEAN(VARCHAR jsonArray, INT val);"
       " BOOLEAN(VARCHAR jsonArray, BIGINT val); BOOLEAN(VARCHAR jsonArray, DOUBLE val);"
       " BOOLEAN(VARCHAR jsonArray, VARCHAR val)"),
    FN("JSON_ARRAY_LENGTH", SCALAR, CAT_JSON, 0,
       "Returns the number of elements of the top-level JSON array in a string; NULL if it is not an array.",
       "INT(VARCHAR input)"),
    FN("JSON_CONCAT", SCALAR, CAT_JSON, ONNULL,
       "Merges strings of JSON: objects into one object, anything else into one array (as PostgreSQL's ||).",
       "VARCHAR(VARCHAR... inputs)"),
    FN("JSON_ITEMS", SCALAR, CAT_JSON, 0,
       "Converts a string holding a JSON array of objects into an array of strings, one JSON object each.",
       "ARRAY<VARCHAR>(VARCHAR jsonItems)"),
    FN("JSON_KEYS", SCALAR, CAT_JSON, 0,
       "Returns the top-level keys of the JSON object in a string; NULL if it is not an object.",
       "ARRAY<VARCHAR>(VARCHAR input)"),
    FN("JSON_RECORDS", SCALAR, CAT_JSON, 0,
       "Returns the top-level keys and values (as JSON text) of the JSON object in a string.",
       "MAP<VARCHAR, VARCHAR>(VARCHAR input)"),
    FN("TO_JSON_STRING", SCALAR, CAT_JSON, ONNULL,
       "Converts any value to its JSON text.",
       "VARCHAR(T input)"),

    /* ---- arrays ---- */
    FN("ARRAY_CONCAT", SCALAR, CAT_ARRAY, ONNULL,
       "Returns the concatenation of two arrays; a NULL input counts as empty unless both are NULL.",
       "ARRAY<T>(ARRAY<T> left, ARRAY<T> right)"),
    FN("ARRAY_CONTAINS", SCALAR, CAT_ARRAY, ONNULL,
       "Returns true if an array contains the search value.",
       "BOOLEAN(ARRAY<T> array, T val)"),
    FN("ARRAY_DISTINCT", SCALAR, CAT_ARRAY, 0,
       "Returns the distinct values of an array, in order of first occurrence.",
       "ARRAY<T>(ARRAY<T> input)"),
    FN("ARRAY_EXCEPT", SCALAR, CAT_ARRAY, 0,
       "Returns the distinct elements of the first array that are not in the second.",
       "ARRAY<T>(ARRAY<T> left, ARRAY<T> right)"),
    FN("ARRAY_INTERSECT", SCALAR, CAT_ARRAY, 0,
       "Returns the distinct elements present in both arrays, in the order of the first.",
       "ARRAY<T>(ARRAY<T> left, ARRAY<T> right)"),
    FN("ARRAY_JOIN", SCALAR, CAT_ARRAY, ONNULL,
       "Joins the elements of an array of primitives into one string with a delimiter (default ',').",
       "VARCHAR(ARRAY<T> array); VARCHAR(ARRAY<T> array, VARCHAR delimiter)"),
    FN("ARRAY_LENGTH", SCALAR, CAT_ARRAY, 0,
       "Returns the number of elements in an array.",
       "INT(ARRAY<T> array)"),
    FN("ARRAY_MAX", SCALAR, CAT_ARRAY, 0,
       "Returns the largest non-null element of an array of primitives.",
       "T(ARRAY<T> input)"),
    FN("ARRAY_MIN", SCALAR, CAT_ARRAY, 0,
       "Returns the smallest non-null element of an array of primitives.",
       "T(ARRAY<T> input)"),
    FN("ARRAY_REMOVE", SCALAR, CAT_ARRAY, ONNULL,
       "Removes every element equal to the given value from an array.",
       "ARRAY<T>(ARRAY<T> array, T victim)"),
    FN("ARRAY_SORT", SCALAR, CAT_ARRAY, 0,
       "Sorts an array of primitives in natural order, ascending (default) or descending; NULLs go last.",
       "ARRAY<T>(ARRAY<T> input); ARRAY<T>(ARRAY<T> input, VARCHAR direction[ASC or DESC])"),
    FN("ARRAY_UNION", SCALAR, CAT_ARRAY, 0,
       "Returns the distinct elements of both arrays, in the order they are met.",
       "ARRAY<T>(ARRAY<T> left, ARRAY<T> right)"),
    FN("GENERATE_SERIES", SCALAR, CAT_ARRAY, 0,
       "Constructs an array of the values from start to end inclusive, with an optional step.",
       "ARRAY<INT>(INT start[The beginning of the series], INT end[Marks the end of the series (inclusive)]);"
       " ARRAY<INT>(INT start[The beginning of the series], INT end[Marks the end of the series (inclusive)],"
       " INT step[Difference between each value in the series]);"
       " ARRAY<BIGINT>(BIGINT start[The beginning of the series], BIGINT end[Marks the end of the series (inclusive)]);"
       " ARRAY<BIGINT>(BIGINT start[The beginning of the series], BIGINT end[Marks the end of the series (inclusive)],"
       " INT step[Difference between each value in the series])"),
    FN("SLICE", SCALAR, CAT_ARRAY, ONNULL,
       "Returns the elements of an array from index from to index to, 1-based and inclusive.",
       "ARRAY<T>(ARRAY<T> list, INT from, INT to)"),

    /* ---- maps ---- */
    FN("AS_MAP", SCALAR, CAT_MAP, 0,
       "Constructs a map from an array of keys and an array of values.",
       "MAP<VARCHAR, T>(ARRAY<VARCHAR> keys, ARRAY<T> values)"),
    FN("ENTRIES", SCALAR, CAT_MAP, 0,
       "Constructs an array of structs with fields K (the key) and V (the value) from the entries of a map, optionally sorted by key.",
       "ARRAY<STRUCT<K VARCHAR, V INT>>(MAP<VARCHAR, INT> map, BOOLEAN sorted);"
       " ARRAY<STRUCT<K VARCHAR, V BIGINT>>(MAP<VARCHAR, BIGINT> map, BOOLEAN sorted);"
       " ARRAY<STRUCT<K VARCHAR, V DOUBLE>>(MAP<VARCHAR, DOUBLE> map, BOOLEAN sorted);"
       " ARRAY<STRUCT<K VARCHAR, V BOOLEAN>>(MAP<VARCHAR, BOOLEAN> map, BOOLEAN sorted);"
       " ARRAY<STRUCT<K VARCHAR, V VARCHAR>>(MAP<VARCHAR, VARCHAR> map, BOOLEAN sorted);"
       " ARRAY<STRUCT<K VARCHAR, V STRUCT<>>>(MAP<VARCHAR, STRUCT<>> map, BOOLEAN sorted)"),
    FN("MAP_KEYS", SCALAR, CAT_MAP, 0,
       "Returns an array of the keys of a map.",
       "ARRAY<VARCHAR>(MAP<VARCHAR, T> input)"),
    FN("MAP_UNION", SCALAR, CAT_MAP, ONNULL,
       "Returns the union of two maps; for a key in both, the value of the second wins.",
       "MAP<VARCHAR, T>(MAP<VARCHAR, T> map1, MAP<VARCHAR, T> map2)"),
    FN("MAP_VALUES", SCALAR, CAT_MAP, 0,
       "Returns an array of the values of a map.",
       "ARRAY<T>(MAP<VARCHAR, T> input)"),

    /* ---- lambdas ---- */
    FN("FILTER", SCALAR, CAT_LAMBDA, LAMBDAS,
       "Keeps the elements of an array, or the entries of a map, for which a lambda function returns true.",
       "ARRAY<T>(ARRAY<T> array, LAMBDA (T) -> BOOLEAN function);"
       " MAP<K, V>(MAP<K, V> map, LAMBDA (K, V) -> BOOLEAN function)"),
    FN("REDUCE", SCALAR, CAT_LAMBDA, LAMBDAS | ONNULL,
       "Reduces an array or map to one value, starting from an initial state and applying a lambda function to each element.",
       "S(ARRAY<T> array, S initialState, LAMBDA (S, T) -> S function)"
       "{The lambda takes the state and the element};"
       " S(MAP<K, V> map, S initialState, LAMBDA (S, K, V) -> S function)"
       "{The lambda takes the state, the key and the value}"),
    FN("TRANSFORM", SCALAR, CAT_LAMBDA, LAMBDAS,
       "Applies a lambda function to each element of an array, or to the keys and values of a map.",
       "ARRAY<R>(ARRAY<T> array, LAMBDA (T) -> R function);"
       " MAP<R, U>(MAP<K, V> map, LAMBDA (K, V) -> R keyFunction, LAMBDA (K, V) -> U valueFunction)"),

    /* ---- conditional (NULL handling) ---- */
    FN("COALESCE", SCALAR, CAT_COND, ONNULL,
       "Returns the first argument that is not NULL; all arguments must have the same type.",
       "T(T first, T... others)"),
    FN("IFNULL", SCALAR, CAT_COND, ONNULL,
       "Returns the second argument if the first is NULL, otherwise the first.",
       "T(T expression, T altValue)"),
    FN("NULLIF", SCALAR, CAT_COND, ONNULL,
       "Returns NULL if the two arguments are equal, otherwise the first.",
       "T(T expression1, T expression2)"),

    /* ---- conversions ---- */
    FN("BIGINT_FROM_BYTES", SCALAR, CAT_CONV, 0,
       "Converts an 8-byte BYTES value to a BIGINT in the given byte order.",
       FROM_BYTES_VARIANTS("BIGINT")),
    FN("DOUBLE_FROM_BYTES", SCALAR, CAT_CONV, 0,
       "Converts an 8-byte BYTES value to a DOUBLE in the given byte order.",
       FROM_BYTES_VARIANTS("DOUBLE")),
    FN("INT_FROM_BYTES", SCALAR, CAT_CONV, 0,
       "Converts a 4-byte BYTES value to an INT in the given byte order.",
       FROM_BYTES_VARIANTS("INT")),

    /* ---- date and time ---- */
    FN("CONVERT_TZ", SCALAR, CAT_DATETIME, 0,
       "Converts a TIMESTAMP from one time zone to another.",
       "TIMESTAMP(TIMESTAMP timestamp, VARCHAR fromTimeZone, VARCHAR toTimeZone)"),
    FN("DATEADD", SCALAR, CAT_DATETIME, 0,
       "Adds an interval, a number of time units, to a DATE.",
       "DATE(INTERVAL UNIT unit, INT interval, DATE date)"),
    FN("DATESUB", SCALAR, CAT_DATETIME, 0,
       "Subtracts an interval, a number of time units, from a DATE.",
       "DATE(INTERVAL UNIT unit, INT interval, DATE date)"),
    FN("DATETOSTRING", SCALAR, CAT_DATETIME, DEPRECATED,
       "Deprecated (use FORMAT_DATE): formats a number of days since the epoch as a date string.",
       "VARCHAR(INT epochDays, VARCHAR formatPattern)"),
    FN("FORMAT_DATE", SCALAR, CAT_DATETIME, 0,
       "Formats a DATE as a string in the given format, e.g. 'yyyy-MM-dd'.",
       "VARCHAR(DATE date, VARCHAR formatPattern)"),
    FN("FORMAT_TIME", SCALAR, CAT_DATETIME, 0,
       "Formats a TIME as a string in the given format, e.g. 'HH:mm:ss.SSS'.",
       "VARCHAR(TIME time, VARCHAR formatPattern)"),
    FN("FORMAT_TIMESTAMP", SCALAR, CAT_DATETIME, 0,
       "Formats a TIMESTAMP as a string in the given format, optionally in a time zone.",
       "VARCHAR(TIMESTAMP timestamp, VARCHAR formatPattern);"
       " VARCHAR(TIMESTAMP timestamp, VARCHAR formatPattern, " TZ_ARG ")"),
    FN("FROM_DAYS", SCALAR, CAT_DATETIME, 0,
       "Converts a number of days since the epoch to a DATE.",
       "DATE(INT days)"),
    FN("FROM_UNIXTIME", SCALAR, CAT_DATETIME, 0,
       "Converts milliseconds since the epoch to a TIMESTAMP.",
       "TIMESTAMP(BIGINT epochMilli)"),
    FN("PARSE_DATE", SCALAR, CAT_DATETIME, 0,
       "Parses a string in the given format into a DATE.",
       "DATE(VARCHAR formattedDate, VARCHAR formatPattern)"),
    FN("PARSE_TIME", SCALAR, CAT_DATETIME, 0,
       "Parses a string in the given format into a TIME.",
       "TIME(VARCHAR formattedTime, VARCHAR formatPattern)"),
    FN("PARSE_TIMESTAMP", SCALAR, CAT_DATETIME, 0,
       "Parses a string in the given format, optionally in a time zone, into a TIMESTAMP.",
       "TIMESTAMP(VARCHAR formattedTimestamp, VARCHAR formatPattern);"
       " TIMESTAMP(VARCHAR formattedTimestamp, VARCHAR formatPattern, " TZ_ARG ")"),
    FN("STRINGTODATE", SCALAR, CAT_DATETIME, DEPRECATED,
       "Deprecated (use PARSE_DATE): parses a date string into a number of days since the epoch.",
       "INT(VARCHAR formattedDate, VARCHAR formatPattern)"),
    FN("STRINGTOTIMESTAMP", SCALAR, CAT_DATETIME, DEPRECATED,
       "Deprecated (use PARSE_TIMESTAMP): parses a timestamp string into milliseconds since the epoch.",
       "BIGINT(VARCHAR formattedTimestamp, VARCHAR formatPattern);"
       " BIGINT(VARCHAR formattedTimestamp, VARCHAR formatPattern, " TZ_ARG ")"),
    FN("TIMEADD", SCALAR, CAT_DATETIME, 0,
       "Adds an interval, a number of time units, to a TIME.",
       "TIME(INTERVAL UNIT unit, INT interval, TIME time)"),
    FN("TIMESTAMPADD", SCALAR, CAT_DATETIME, 0,
       "Adds an interval, a number of time units, to a TIMESTAMP.",
       "TIMESTAMP(INTERVAL UNIT unit, INT interval, TIMESTAMP timestamp)"),
    FN("TIMESTAMPSUB", SCALAR, CAT_DATETIME, 0,
       "Subtracts an interval, a number of time units, from a TIMESTAMP.",
       "TIMESTAMP(INTERVAL UNIT unit, INT interval, TIMESTAMP timestamp)"),
    FN("TIMESTAMPTOSTRING", SCALAR, CAT_DATETIME, DEPRECATED,
       "Deprecated (use FORMAT_TIMESTAMP): formats milliseconds since the epoch as a timestamp string.",
       "VARCHAR(BIGINT epochMilli, VARCHAR formatPattern);"
       " VARCHAR(BIGINT epochMilli, VARCHAR formatPattern, " TZ_ARG ")"),
    FN("TIMESUB", SCALAR, CAT_DATETIME, 0,
       "Subtracts an interval, a number of time units, from a TIME.",
       "TIME(INTERVAL UNIT unit, INT interval, TIME time)"),
    FN("UNIX_DATE", SCALAR, CAT_DATETIME, NONDET,
       "Returns a DATE, or today, as the number of days since 1970-01-01.",
       "INT(){Today, in days since the epoch}; INT(DATE date)"),
    FN("UNIX_TIMESTAMP", SCALAR, CAT_DATETIME, NONDET,
       "Returns a TIMESTAMP, or now, as milliseconds since 1970-01-01T00:00:00 UTC.",
       "BIGINT(){Now, in milliseconds since the epoch}; BIGINT(TIMESTAMP timestamp)"),

    /* ---- URLs ---- */
    FN("URL_DECODE_PARAM", SCALAR, CAT_URL, 0,
       "Decodes an application/x-www-form-urlencoded value.",
       "VARCHAR(VARCHAR input[The value to decode])"),
    FN("URL_ENCODE_PARAM", SCALAR, CAT_URL, 0,
       "Encodes a value for use in a URL query parameter (application/x-www-form-urlencoded).",
       "VARCHAR(VARCHAR input[The value to encode])"),
    FN("URL_EXTRACT_FRAGMENT", SCALAR, CAT_URL, 0,
       "Returns the decoded fragment of a URL, or NULL.",
       "VARCHAR(" URL_ARG ")"),
    FN("URL_EXTRACT_HOST", SCALAR, CAT_URL, 0,
       "Returns the host name of a URL, or NULL.",
       "VARCHAR(" URL_ARG ")"),
    FN("URL_EXTRACT_PARAMETER", SCALAR, CAT_URL, 0,
       "Returns the decoded value of a query parameter of a URL, or NULL.",
       "VARCHAR(" URL_ARG ", VARCHAR paramToFind[The name of the parameter])"),
    FN("URL_EXTRACT_PATH", SCALAR, CAT_URL, 0,
       "Returns the decoded path of a URL, or NULL.",
       "VARCHAR(" URL_ARG ")"),
    FN("URL_EXTRACT_PORT", SCALAR, CAT_URL, 0,
       "Returns the explicit port of a URL, or NULL.",
       "INT(" URL_ARG ")"),
    FN("URL_EXTRACT_PROTOCOL", SCALAR, CAT_URL, 0,
       "Returns the protocol (scheme) of a URL, or NULL.",
       "VARCHAR(" URL_ARG ")"),
    FN("URL_EXTRACT_QUERY", SCALAR, CAT_URL, 0,
       "Returns the decoded query string of a URL, or NULL.",
       "VARCHAR(" URL_ARG ")"),

    /* ---- other ---- */
    FN("AS_VALUE", SCALAR, CAT_OTHER, ONNULL,
       "Copies a key column into the value of the row.",
       "T(T keyColumn)"),
    FN("GEO_DISTANCE", SCALAR, CAT_OTHER, ONNULL,
       "Returns the great-circle distance between two latitude/longitude points in decimal degrees, in km (default) or miles.",
       "DOUBLE(DOUBLE lat1, DOUBLE lon1, DOUBLE lat2, DOUBLE lon2, VARCHAR units[KM (the default) or MILES]);"
       " DOUBLE(DOUBLE lat1, DOUBLE lon1, DOUBLE lat2, DOUBLE lon2){The distance in kilometers}"),

    /* ---- aggregates ---- */
    FN("ATTR", AGGREGATE, CAT_AGG, TABAGG,
       "Returns the single value of a column in a group, or NULL if the group holds more than one distinct value.",
       "T(T val)"),
    FN("AVG", AGGREGATE, CAT_AGG, TABAGG,
       "Returns the average of the non-null values of a numeric column.",
       "DOUBLE(INT val); DOUBLE(BIGINT val); DOUBLE(DOUBLE val)"),
    FN("COLLECT_LIST", AGGREGATE, CAT_AGG, TABAGG,
       "Returns an array of all the values of a column in a group, up to ksql.functions.collect_list.limit.",
       "ARRAY<T>(T val)"),
    FN("COLLECT_SET", AGGREGATE, CAT_AGG, 0,
       "Returns an array of the distinct values of a column in a group, up to ksql.functions.collect_set.limit.",
       "ARRAY<T>(T val)"),
    FN("CORRELATION", AGGREGATE, CAT_AGG, TABAGG,
       "Returns the Pearson correlation coefficient of two DOUBLE columns.",
       "DOUBLE(DOUBLE x, DOUBLE y)"),
    FN("COUNT", AGGREGATE, CAT_AGG, TABAGG,
       "Counts the rows of a group, or with an argument its non-null values; COUNT(*) counts all rows.",
       "BIGINT(T val)"),
    FN("COUNT_DISTINCT", AGGREGATE, CAT_AGG, 0,
       "Returns the approximate number of distinct values of a column (HyperLogLog).",
       "BIGINT(T val)"),
    FN("EARLIEST_BY_OFFSET", AGGREGATE, CAT_AGG, 0,
       "Returns the earliest value of a column by offset, or the earliest N values as an array.",
       BY_OFFSET("earliestN")),
    FN("HISTOGRAM", AGGREGATE, CAT_AGG, TABAGG,
       "Returns a map from each distinct string value of a column to how often it occurs (up to 1000 values).",
       "MAP<VARCHAR, BIGINT>(VARCHAR val)"),
    FN("LATEST_BY_OFFSET", AGGREGATE, CAT_AGG, 0,
       "Returns the latest value of a column by offset, or the latest N values as an array.",
       BY_OFFSET("latestN")),
    FN("MAX", AGGREGATE, CAT_AGG, 0,
       "Returns the largest non-null value of a column.",
       COMPARABLE_AGG),
    FN("MIN", AGGREGATE, CAT_AGG, 0,
       "Returns the smallest non-null value of a column.",
       COMPARABLE_AGG),
    FN("STDDEV_SAMP", AGGREGATE, CAT_AGG, TABAGG,
       "Returns the sample standard deviation of a numeric column.",
       "DOUBLE(INT val); DOUBLE(BIGINT val); DOUBLE(DOUBLE val)"),
    FN("SUM", AGGREGATE, CAT_AGG, TABAGG,
       "Returns the sum of the non-null values of a numeric column.",
       SAME_NUMERIC("val")),
    FN("SUM_LIST", AGGREGATE, CAT_AGG, TABAGG,
       "Returns the sum of the elements of an array column, summed over the group.",
       "INT(ARRAY<INT> list); BIGINT(ARRAY<BIGINT> list); DOUBLE(ARRAY<DOUBLE> list)"),
    FN("TOPK", AGGREGATE, CAT_AGG, 0,
       "Returns the K largest non-null values of a column, in descending order.",
       TOPK_VARIANTS),
    FN("TOPKDISTINCT", AGGREGATE, CAT_AGG, 0,
       "Returns the K largest distinct non-null values of a column, in descending order.",
       TOPK_VARIANTS),

    /* ---- table functions ---- */
    FN("CUBE_EXPLODE", TABLE, CAT_TABLE, ONNULL,
       "Outputs every combination of the given columns with NULLs in place of some of them: 2^d rows for d columns.",
       "ARRAY<T>(ARRAY<T> columns)"),
    FN("EXPLODE", TABLE, CAT_TABLE, 0,
       "Outputs one row for each element of an array.",
       "T(ARRAY<T> list)"),
};

const int eddy_functions_builtin_count =
    (int)(sizeof eddy_functions_builtin / sizeof eddy_functions_builtin[0]);
