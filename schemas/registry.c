/* registry.c - the embedded schema registry: subjects, versions and ids in memory, every change a record in `_schemas`.
 *
 * The in-memory state is rebuilt by replaying the topic (apply_record); a
 * registration first appends its record to the log, then applies it, so what
 * is in memory is always what a restart would read back.  Schemas are
 * compared by a canonical text (compact JSON with sorted keys).
 */
#include "schemas/registry.h"

#include "schemas/serde_avro_int.h"

#include <avro.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct reg_schema {
    int32_t id;
    char *text;                  /* as registered (compact) */
    char *canon;                 /* for comparisons */
    eddy_avro_schema *parsed;    /* made on first use */
} reg_schema;

typedef struct reg_version {
    int32_t version;
    int32_t id;
    bool deleted;
} reg_version;

typedef struct reg_subject {
    char *name;
    int n, cap;
    reg_version *v;              /* ascending versions */
} reg_subject;

struct eddy_registry {
    pthread_mutex_t mu;
    eddy_log *log;               /* borrowed; NULL: memory only */
    int64_t next_offset;         /* replayed up to here */
    int nschemas, cap_schemas;
    reg_schema **schemas;        /* by ascending id */
    int nsubjects, cap_subjects;
    reg_subject *subjects;
    int32_t max_id;
};

static _Atomic(eddy_registry *) g_default;

void eddy_registry_set_default(eddy_registry *r) { atomic_store(&g_default, r); }
eddy_registry *eddy_registry_default(void) { return atomic_load(&g_default); }

char *eddy_registry_subject(const char *topic, bool is_key) {
    char *s = NULL;
    if (asprintf(&s, "%s-%s", topic ? topic : "", is_key ? "key" : "value") < 0) return NULL;
    return s;
}

/* ---- in memory ------------------------------------------------------------------ */

/* Compact JSON with sorted keys, or NULL when text is not JSON. */
static char *canonical(const char *text) {
    json_t *j = json_loads(text, JSON_DECODE_ANY, NULL);
    if (!j) return NULL;
    char *c = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    json_decref(j);
    return c;
}

static reg_schema *find_id(eddy_registry *r, int32_t id) {
    int lo = 0, hi = r->nschemas - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (r->schemas[mid]->id == id) return r->schemas[mid];
        if (r->schemas[mid]->id < id) lo = mid + 1;
        else hi = mid - 1;
    }
    return NULL;
}

static reg_schema *find_canon(eddy_registry *r, const char *canon) {
    for (int i = 0; i < r->nschemas; i++)
        if (strcmp(r->schemas[i]->canon, canon) == 0) return r->schemas[i];
    return NULL;
}

static reg_subject *find_subject(eddy_registry *r, const char *name) {
    for (int i = 0; i < r->nsubjects; i++)
        if (strcmp(r->subjects[i].name, name) == 0) return &r->subjects[i];
    return NULL;
}

static void schema_free(reg_schema *s) {
    if (!s) return;
    free(s->text);
    free(s->canon);
    eddy_avro_schema_destroy(s->parsed);
    free(s);
}

/* Adds (or keeps) schema id with text.  0 or EDDY_NOMEM / EDDY_INVAL. */
static int put_schema(eddy_registry *r, int32_t id, const char *text) {
    if (find_id(r, id)) return 0;
    reg_schema *s = calloc(1, sizeof *s);
    if (!s) return EDDY_NOMEM;
    s->id = id;
    s->text = strdup(text);
    s->canon = canonical(text);
    if (!s->text || !s->canon) {
        int rc = s->text ? EDDY_INVAL : EDDY_NOMEM;
        schema_free(s);
        return rc;
    }
    if (r->nschemas == r->cap_schemas) {
        int cap = r->cap_schemas ? r->cap_schemas * 2 : 16;
        reg_schema **v = realloc(r->schemas, (size_t)cap * sizeof *v);
        if (!v) {
            schema_free(s);
            return EDDY_NOMEM;
        }
        r->schemas = v;
        r->cap_schemas = cap;
    }
    int at = r->nschemas;
    while (at > 0 && r->schemas[at - 1]->id > id) at--;
    memmove(&r->schemas[at + 1], &r->schemas[at], (size_t)(r->nschemas - at) * sizeof *r->schemas);
    r->schemas[at] = s;
    r->nschemas++;
    if (id > r->max_id) r->max_id = id;
    return 0;
}

static int put_version(eddy_registry *r, const char *subject, int32_t version, int32_t id, bool deleted) {
    reg_subject *s = find_subject(r, subject);
    if (!s) {
        if (r->nsubjects == r->cap_subjects) {
            int cap = r->cap_subjects ? r->cap_subjects * 2 : 16;
            reg_subject *v = realloc(r->subjects, (size_t)cap * sizeof *v);
            if (!v) return EDDY_NOMEM;
            r->subjects = v;
            r->cap_subjects = cap;
        }
        s = &r->subjects[r->nsubjects];
        memset(s, 0, sizeof *s);
        if (!(s->name = strdup(subject))) return EDDY_NOMEM;
        r->nsubjects++;
    }
    for (int i = 0; i < s->n; i++)
        if (s->v[i].version == version) {
            s->v[i].id = id;
            s->v[i].deleted = deleted;
            return 0;
        }
    if (s->n == s->cap) {
        int cap = s->cap ? s->cap * 2 : 4;
        reg_version *v = realloc(s->v, (size_t)cap * sizeof *v);
        if (!v) return EDDY_NOMEM;
        s->v = v;
        s->cap = cap;
    }
    int at = s->n;
    while (at > 0 && s->v[at - 1].version > version) at--;
    memmove(&s->v[at + 1], &s->v[at], (size_t)(s->n - at) * sizeof *s->v);
    s->v[at] = (reg_version){version, id, deleted};
    s->n++;
    return 0;
}

/* Applies one record of `_schemas` (a record eddy does not understand is
 * skipped, as Confluent skips other key types). */
static int apply_record(eddy_registry *r, const void *key, size_t klen, const void *value, size_t vlen) {
    json_t *k = key ? json_loadb(key, klen, 0, NULL) : NULL;
    json_t *v = value ? json_loadb(value, vlen, 0, NULL) : NULL;
    int rc = 0;
    const char *keytype = json_string_value(json_object_get(k, "keytype"));
    if (!keytype) goto done;
    if (strcmp(keytype, "SCHEMA") == 0) {
        const char *subject = json_string_value(json_object_get(k, "subject"));
        json_t *ver = json_object_get(k, "version");
        if (!subject || !json_is_integer(ver)) goto done;
        if (!v) {
            /* A tombstone: the version is gone for good. */
            reg_subject *s = find_subject(r, subject);
            for (int i = 0; s && i < s->n; i++)
                if (s->v[i].version == json_integer_value(ver)) s->v[i].deleted = true;
            goto done;
        }
        json_t *id = json_object_get(v, "id");
        const char *text = json_string_value(json_object_get(v, "schema"));
        if (!json_is_integer(id) || !text) goto done;
        if ((rc = put_schema(r, (int32_t)json_integer_value(id), text)) == EDDY_INVAL) rc = 0;
        if (!rc)
            rc = put_version(r, subject, (int32_t)json_integer_value(ver), (int32_t)json_integer_value(id),
                             json_is_true(json_object_get(v, "deleted")));
    } else if (strcmp(keytype, "ID") == 0) {
        json_t *id = json_object_get(v, "id");
        const char *text = json_string_value(json_object_get(v, "schema"));
        if (json_is_integer(id) && text && (rc = put_schema(r, (int32_t)json_integer_value(id), text)) == EDDY_INVAL)
            rc = 0;
    }
done:
    json_decref(k);
    json_decref(v);
    return rc;
}

/* Reads what `_schemas` got since the last call.  Caller holds mu. */
static int catch_up(eddy_registry *r, eddy_err *err) {
    int64_t start = 0, end = 0;
    int rc;
    if (!r->log || !eddy_log_topic_exists(r->log, EDDY_REGISTRY_TOPIC)) return 0;
    if ((rc = eddy_log_partition_offsets(r->log, EDDY_REGISTRY_TOPIC, 0, &start, &end, err))) return rc;
    if (r->next_offset < start) r->next_offset = start;
    if (r->next_offset >= end) return 0;
    eddy_log_batch b;
    eddy_log_batch_init(&b);
    while (r->next_offset < end) {
        if ((rc = eddy_log_fetch(r->log, EDDY_REGISTRY_TOPIC, 0, r->next_offset, 500, 0, &b, err))) break;
        if (b.count == 0) break;
        for (size_t i = 0; i < b.count && rc == 0; i++)
            rc = apply_record(r, b.records[i].key, b.records[i].key_len, b.records[i].value, b.records[i].value_len);
        if (rc) {
            eddy_err_set(err, rc, "out of memory");
            break;
        }
        r->next_offset = b.next_offset;
    }
    eddy_log_batch_fini(&b);
    return rc;
}

/* Appends a record to `_schemas` (creating it) and applies it.  Caller holds mu. */
static int write_record(eddy_registry *r, json_t *key, json_t *value, eddy_err *err) {
    char *k = json_dumps(key, JSON_COMPACT), *v = json_dumps(value, JSON_COMPACT);
    int rc = 0;
    if (!k || !v) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto done;
    }
    if (r->log) {
        if (!eddy_log_topic_exists(r->log, EDDY_REGISTRY_TOPIC)) {
            eddy_log_topic_config cfg;
            eddy_log_topic_config_init(&cfg);
            cfg.cleanup = EDDY_LOG_CLEANUP_COMPACT;
            cfg.retention_ms = EDDY_LOG_RETENTION_FOREVER;
            rc = eddy_log_topic_create(r->log, EDDY_REGISTRY_TOPIC, &cfg, err);
            if (rc == EDDY_EXISTS) rc = 0;
            if (rc) goto done;
        }
        /* Records others wrote first, so that versions and ids stay dense. */
        if ((rc = catch_up(r, err))) goto done;
        eddy_log_record rec = {0};
        rec.timestamp = -1;
        rec.key = k;
        rec.key_len = strlen(k);
        rec.value = v;
        rec.value_len = strlen(v);
        int64_t off;
        if ((rc = eddy_log_produce(r->log, EDDY_REGISTRY_TOPIC, 0, &rec, 0, NULL, &off, err))) goto done;
        /* Ours is the next record: no need to read it back. */
        if (off == r->next_offset) r->next_offset = off + 1;
    }
    rc = apply_record(r, k, strlen(k), v, strlen(v));
    if (rc) eddy_err_set(err, rc, "out of memory");
done:
    free(k);
    free(v);
    return rc;
}

/* ---- open / close ----------------------------------------------------------------- */

int eddy_registry_open(eddy_log *log, eddy_registry **out, eddy_err *err) {
    eddy_registry *r = calloc(1, sizeof *r);
    int rc;
    *out = NULL;
    if (!r) return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    pthread_mutex_init(&r->mu, NULL);
    r->log = log;
    if ((rc = catch_up(r, err))) {
        eddy_registry_destroy(r);
        return rc;
    }
    *out = r;
    return 0;
}

void eddy_registry_destroy(eddy_registry *r) {
    if (!r) return;
    eddy_registry *expected = r;
    atomic_compare_exchange_strong(&g_default, &expected, NULL);
    for (int i = 0; i < r->nschemas; i++) schema_free(r->schemas[i]);
    free(r->schemas);
    for (int i = 0; i < r->nsubjects; i++) {
        free(r->subjects[i].name);
        free(r->subjects[i].v);
    }
    free(r->subjects);
    pthread_mutex_destroy(&r->mu);
    free(r);
}

/* ---- registering ------------------------------------------------------------------- */

/* Checks that text is an Avro schema: eddy's parser, then avro-c's. */
static int validate(const char *text, eddy_err *err) {
    eddy_avro_schema *s = NULL;
    int rc = eddy_avro_schema_parse(text, strlen(text), &s, err);
    eddy_avro_schema_destroy(s);
    if (rc) return rc;
    avro_schema_t as = NULL;
    if (avro_schema_from_json_length(text, strlen(text), &as) != 0)
        return eddy_err_set(err, EDDY_INVAL, "Invalid schema: %s", avro_strerror());
    avro_schema_decref(as);
    return 0;
}

static const reg_version *latest_live(const reg_subject *s) {
    for (int i = s ? s->n - 1 : -1; i >= 0; i--)
        if (!s->v[i].deleted) return &s->v[i];
    return NULL;
}

int eddy_registry_register(eddy_registry *r, const char *subject, const char *schema, int32_t want_id, int32_t *id,
                           int32_t *version, eddy_err *err) {
    int rc;
    char *canon = NULL, *text = NULL;
    json_t *key = NULL, *value = NULL;
    if (!schema) return eddy_err_set(err, EDDY_INVAL, "No schema given");
    if ((rc = validate(schema, err))) return rc;
    canon = canonical(schema);
    json_t *parsed = json_loads(schema, JSON_DECODE_ANY, NULL);
    text = parsed ? json_dumps(parsed, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
    json_decref(parsed);
    if (!canon || !text) {
        free(canon);
        free(text);
        return eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    pthread_mutex_lock(&r->mu);
    if ((rc = catch_up(r, err))) goto done;
    reg_schema *same = find_canon(r, canon);
    reg_subject *s = subject ? find_subject(r, subject) : NULL;
    if (want_id > 0) {
        reg_schema *held = find_id(r, want_id);
        if (held && strcmp(held->canon, canon) != 0) {
            rc = eddy_err_set(err, EDDY_EXISTS, "Schema with id %d already exists with a different schema", want_id);
            goto done;
        }
        if (held) same = held;
    }
    /* Already under the subject (with the id asked for, if any)? */
    for (int i = s ? s->n - 1 : -1; i >= 0; i--) {
        reg_schema *x = find_id(r, s->v[i].id);
        if (!s->v[i].deleted && x && strcmp(x->canon, canon) == 0 && (want_id <= 0 || x->id == want_id)) {
            if (id) *id = x->id;
            if (version) *version = s->v[i].version;
            goto done;
        }
    }
    int32_t new_id = same ? same->id : want_id > 0 ? want_id : r->max_id + 1;
    if (!subject) {
        if (!same) {
            key = json_pack("{s:s, s:i, s:i}", "keytype", "ID", "id", new_id, "magic", 1);
            value = json_pack("{s:i, s:s}", "id", new_id, "schema", text);
            if (!key || !value) rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
            else rc = write_record(r, key, value, err);
        }
        if (!rc && id) *id = new_id;
        if (!rc && version) *version = 0;
        goto done;
    }
    int32_t new_version = s && s->n ? s->v[s->n - 1].version + 1 : 1;
    key = json_pack("{s:s, s:s, s:i, s:i}", "keytype", "SCHEMA", "subject", subject, "version", new_version, "magic", 1);
    value = json_pack("{s:s, s:i, s:i, s:s, s:b}", "subject", subject, "version", new_version, "id", new_id, "schema",
                      text, "deleted", 0);
    if (!key || !value) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        goto done;
    }
    if ((rc = write_record(r, key, value, err))) goto done;
    if (id) *id = new_id;
    if (version) *version = new_version;
done:
    pthread_mutex_unlock(&r->mu);
    json_decref(key);
    json_decref(value);
    free(canon);
    free(text);
    return rc;
}

/* ---- lookups ------------------------------------------------------------------------ */

static int not_found_subject(const char *subject, eddy_err *err) {
    return eddy_err_set(err, EDDY_NOTFOUND, "Subject '%s' not found.", subject);
}

int eddy_registry_version(eddy_registry *r, const char *subject, int32_t version, int32_t *id, char **schema,
                          eddy_err *err) {
    int rc = 0;
    if (schema) *schema = NULL;
    pthread_mutex_lock(&r->mu);
    const reg_version *v = NULL;
    for (int pass = 0; pass < 2 && !v && rc == 0; pass++) {
        if (pass && (rc = catch_up(r, err))) break;
        reg_subject *s = find_subject(r, subject);
        if (version < 0) {
            v = latest_live(s);
        } else {
            for (int i = 0; s && i < s->n; i++)
                if (s->v[i].version == version && !s->v[i].deleted) v = &s->v[i];
        }
    }
    if (!rc && !v) rc = version < 0 ? not_found_subject(subject, err)
                                    : eddy_err_set(err, EDDY_NOTFOUND, "Version %d not found.", version);
    if (!rc) {
        reg_schema *x = find_id(r, v->id);
        if (id) *id = v->id;
        if (schema && !(*schema = strdup(x ? x->text : ""))) rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

int eddy_registry_latest(eddy_registry *r, const char *subject, int32_t *id, int32_t *version, char **schema,
                         eddy_err *err) {
    int32_t vid = 0;
    int rc = eddy_registry_version(r, subject, -1, &vid, schema, err);
    if (rc) return rc;
    if (id) *id = vid;
    if (version) {
        pthread_mutex_lock(&r->mu);
        const reg_version *v = latest_live(find_subject(r, subject));
        *version = v ? v->version : 0;
        pthread_mutex_unlock(&r->mu);
    }
    return 0;
}

bool eddy_registry_subject_exists(eddy_registry *r, const char *subject) {
    return eddy_registry_version(r, subject, -1, NULL, NULL, NULL) == 0;
}

/* The schema of id, reading new records on a miss.  Caller holds mu. */
static int lookup_id(eddy_registry *r, int32_t id, reg_schema **out, eddy_err *err) {
    int rc;
    *out = find_id(r, id);
    if (*out) return 0;
    if ((rc = catch_up(r, err))) return rc;
    *out = find_id(r, id);
    return *out ? 0 : eddy_err_set(err, EDDY_NOTFOUND, "Schema %d not found", id);
}

int eddy_registry_schema_text(eddy_registry *r, int32_t id, char **schema, eddy_err *err) {
    int rc = 0;
    *schema = NULL;
    pthread_mutex_lock(&r->mu);
    reg_schema *x = NULL;
    if (!(rc = lookup_id(r, id, &x, err)) && !(*schema = strdup(x->text)))
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
    pthread_mutex_unlock(&r->mu);
    return rc;
}

int eddy_registry_avro(eddy_registry *r, int32_t id, const eddy_avro_schema **out, eddy_err *err) {
    int rc = 0;
    *out = NULL;
    pthread_mutex_lock(&r->mu);
    reg_schema *x = NULL;
    if (!(rc = lookup_id(r, id, &x, err)) && !x->parsed)
        rc = eddy_avro_schema_parse(x->text, strlen(x->text), &x->parsed, err);
    if (!rc) *out = x->parsed;
    pthread_mutex_unlock(&r->mu);
    return rc;
}

int eddy_registry_id_of(eddy_registry *r, const char *schema, bool register_missing, int32_t *id, eddy_err *err) {
    char *canon = canonical(schema);
    if (!canon) return eddy_err_set(err, EDDY_INVAL, "Invalid schema: not JSON");
    pthread_mutex_lock(&r->mu);
    reg_schema *x = find_canon(r, canon);
    if (!x && catch_up(r, err) == 0) x = find_canon(r, canon);
    if (x) *id = x->id;
    pthread_mutex_unlock(&r->mu);
    free(canon);
    if (x) return 0;
    if (!register_missing) return eddy_err_set(err, EDDY_NOTFOUND, "Schema not found");
    return eddy_registry_register(r, NULL, schema, 0, id, NULL, err);
}

/* ---- listing and deleting ------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

int eddy_registry_subjects(eddy_registry *r, char ***names, size_t *n, eddy_err *err) {
    int rc = 0;
    *names = NULL;
    *n = 0;
    pthread_mutex_lock(&r->mu);
    catch_up(r, NULL);
    char **v = calloc((size_t)r->nsubjects + 1, sizeof *v);
    if (!v) rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
    for (int i = 0; v && i < r->nsubjects && rc == 0; i++) {
        if (!latest_live(&r->subjects[i])) continue;
        if (!(v[*n] = strdup(r->subjects[i].name))) rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        else (*n)++;
    }
    pthread_mutex_unlock(&r->mu);
    if (rc) {
        for (size_t i = 0; i < *n; i++) free(v[i]);
        free(v);
        *n = 0;
        return rc;
    }
    qsort(v, *n, sizeof *v, cmp_str);
    *names = v;
    return 0;
}

int eddy_registry_versions(eddy_registry *r, const char *subject, int32_t **versions, size_t *n, eddy_err *err) {
    int rc = 0;
    *versions = NULL;
    *n = 0;
    pthread_mutex_lock(&r->mu);
    catch_up(r, NULL);
    reg_subject *s = find_subject(r, subject);
    if (!latest_live(s)) {
        rc = not_found_subject(subject, err);
    } else if (!(*versions = calloc((size_t)s->n + 1, sizeof **versions))) {
        rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
    } else {
        for (int i = 0; i < s->n; i++)
            if (!s->v[i].deleted) (*versions)[(*n)++] = s->v[i].version;
    }
    pthread_mutex_unlock(&r->mu);
    return rc;
}

int eddy_registry_delete_subject(eddy_registry *r, const char *subject, int *count, eddy_err *err) {
    int rc = 0, deleted = 0;
    pthread_mutex_lock(&r->mu);
    catch_up(r, NULL);
    reg_subject *s = find_subject(r, subject);
    if (!latest_live(s)) {
        rc = not_found_subject(subject, err);
        goto done;
    }
    for (int i = 0; i < s->n && rc == 0; i++) {
        if (s->v[i].deleted) continue;
        reg_schema *x = find_id(r, s->v[i].id);
        json_t *key = json_pack("{s:s, s:s, s:i, s:i}", "keytype", "SCHEMA", "subject", subject, "version",
                                s->v[i].version, "magic", 1);
        json_t *value = json_pack("{s:s, s:i, s:i, s:s, s:b}", "subject", subject, "version", s->v[i].version, "id",
                                  s->v[i].id, "schema", x ? x->text : "", "deleted", 1);
        if (!key || !value) rc = eddy_err_set(err, EDDY_NOMEM, "out of memory");
        else rc = write_record(r, key, value, err);
        json_decref(key);
        json_decref(value);
        s = find_subject(r, subject); /* write_record may have grown the table */
        deleted += rc == 0;
    }
done:
    pthread_mutex_unlock(&r->mu);
    if (count) *count = deleted;
    return rc;
}
