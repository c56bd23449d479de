/* registry.h - the embedded schema registry: Confluent's model of subjects, versions and global schema ids, stored in a topic.
 *
 * A subject (by ksqlDB's convention "<topic>-value" or "<topic>-key") has
 * versions 1, 2, ...; each version names a schema by its global id.  The
 * same schema text (compared as JSON, whatever the order of keys) has one id
 * wherever it is registered; an id may also be asked for (Confluent's
 * IMPORT mode), as ksqlDB's tests do.  Schemas are Avro (checked by eddy's
 * parser and by avro-c); there are no compatibility checks yet.
 *
 * Storage: like Confluent's registry, every change is a record in the
 * compacted topic `_schemas` of the log, key
 * {"keytype":"SCHEMA","subject":S,"version":V,"magic":1} and value
 * {"subject":S,"version":V,"id":I,"schema":TEXT,"deleted":false}; a schema
 * registered without a subject (a serializer that knows no topic) is
 * {"keytype":"ID","id":I,"magic":1} -> {"id":I,"schema":TEXT}.  Opening reads
 * the topic back, so the registry survives restarts; a lookup that misses
 * first reads what others appended since.  The topic is created on the
 * first registration, so a log that never sees a schema gets no `_schemas`.
 *
 * Thread-safety: every function may be called from any thread (one mutex).
 * Ownership: strings handed out are new (caller frees) unless said
 * borrowed; parsed schemas from eddy_registry_avro live as long as the
 * registry.
 */
#ifndef EDDY_SCHEMAS_REGISTRY_H
#define EDDY_SCHEMAS_REGISTRY_H

#include "base/error.h"
#include "connectors/log.h"
#include "schemas/serde_avro.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct eddy_registry eddy_registry;

/* The topic the registry is stored in. */
#define EDDY_REGISTRY_TOPIC "_schemas"

/* Opens the registry stored in log (borrowed; must outlive the registry),
 * reading what `_schemas` holds.  log NULL: a registry in memory only.
 * *out is new, owned by the caller (eddy_registry_destroy). */
int eddy_registry_open(eddy_log *log, eddy_registry **out, eddy_err *err);
/* Frees r (and clears the process default when it is r).  NULL is a no-op. */
void eddy_registry_destroy(eddy_registry *r);

/* "<topic>-key" or "<topic>-value" in a new string (NULL when out of memory). */
char *eddy_registry_subject(const char *topic, bool is_key);

/* Registers schema (JSON text of an Avro schema) under subject, or under no
 * subject when subject is NULL.  want_id > 0 asks for that id (EDDY_EXISTS
 * when the id holds another schema).  An identical schema already under the
 * subject gives its version back; one elsewhere gives its id.  *id and
 * *version (either may be NULL; version 0 without a subject) receive the
 * result.  EDDY_INVAL for a schema that does not parse. */
int eddy_registry_register(eddy_registry *r, const char *subject, const char *schema, int32_t want_id, int32_t *id,
                           int32_t *version, eddy_err *err);

/* The latest live version of subject: its id, version number and schema text
 * (*schema new, may be NULL to skip).  EDDY_NOTFOUND when the subject has
 * none. */
int eddy_registry_latest(eddy_registry *r, const char *subject, int32_t *id, int32_t *version, char **schema,
                         eddy_err *err);
/* One version of subject (-1: the latest).  EDDY_NOTFOUND when missing. */
int eddy_registry_version(eddy_registry *r, const char *subject, int32_t version, int32_t *id, char **schema,
                          eddy_err *err);
/* True when subject has a live version. */
bool eddy_registry_subject_exists(eddy_registry *r, const char *subject);
/* The text of schema id (new string).  EDDY_NOTFOUND when unknown. */
int eddy_registry_schema_text(eddy_registry *r, int32_t id, char **schema, eddy_err *err);
/* The parsed schema of id (borrowed: valid until the registry is destroyed).
 * EDDY_NOTFOUND when unknown ("Schema <id> not found"). */
int eddy_registry_avro(eddy_registry *r, int32_t id, const eddy_avro_schema **out, eddy_err *err);
/* The id of a schema identical to schema (JSON compared), registered under
 * no subject when none is (register_missing), else EDDY_NOTFOUND. */
int eddy_registry_id_of(eddy_registry *r, const char *schema, bool register_missing, int32_t *id, eddy_err *err);

/* Live subjects, sorted: *names a new array of *n new strings (free each and
 * the array). */
int eddy_registry_subjects(eddy_registry *r, char ***names, size_t *n, eddy_err *err);
/* Live version numbers of subject, ascending (*versions new array). */
int eddy_registry_versions(eddy_registry *r, const char *subject, int32_t **versions, size_t *n, eddy_err *err);
/* Deletes every version of subject (soft: the ids stay readable, as
 * Confluent's DELETE /subjects/S).  *count (may be NULL) gets how many. */
int eddy_registry_delete_subject(eddy_registry *r, const char *subject, int *count, eddy_err *err);

/* ---- the process default --------------------------------------------------------
 * The serdes made by eddy_serde_new (which is not told a registry) use the
 * default registry: the engine sets its own registry as the default when it
 * opens and the default is cleared when that registry is destroyed.  Code
 * that knows its registry passes it with eddy_serde_new_ex instead. */
void eddy_registry_set_default(eddy_registry *r);
eddy_registry *eddy_registry_default(void);

#endif
