/* qvjson.h: a JSON value tree on top of yajl, with limits for untrusted input. */
#pragma once

#include "internal.h"

typedef enum {
    QV_JSON_OBJECT,
    QV_JSON_ARRAY,
    QV_JSON_STRING,
    QV_JSON_NUMBER,
    QV_JSON_BOOLEAN,
    QV_JSON_NULL,
} qvJSONType;

typedef struct _qvJSONValue qvJSONValue;

qvJSONValue *qvJSONNewObject(void);
qvJSONValue *qvJSONNewArray(void);
qvJSONValue *qvJSONNewString(const char *str);
qvJSONValue *qvJSONNewNumberLLong(long long val);
qvJSONValue *qvJSONNewNumberULLong(unsigned long long val);
qvJSONValue *qvJSONNewBoolean(bool val);
qvJSONValue *qvJSONNewNull(void);
void qvJSONFree(qvJSONValue *val);

qvJSONType qvJSONGetType(const qvJSONValue *val);

/* Objects keep insertion order. Append takes ownership of value. */
void qvJSONObjectAppend(qvJSONValue *obj, const char *key, qvJSONValue *value);
/*
 * Append several members: each pair is a "T:key" string and a value, ended by NULL.
 * T: s string, S string or skip when NULL, i int, u unsigned int, p unsigned int or skip
 * when 0, I long long, U unsigned long long, b bool, B bool or skip when false,
 * a qvJSONValue* (taken), A qvJSONValue* (taken) or skip when NULL.
 */
void qvJSONObjectAdd(qvJSONValue *obj, ...) G_GNUC_NULL_TERMINATED;
qvJSONValue *qvJSONObjectGet(const qvJSONValue *obj, const char *key);
size_t qvJSONObjectSize(const qvJSONValue *obj);
const char *qvJSONObjectKey(const qvJSONValue *obj, size_t i);
qvJSONValue *qvJSONObjectValue(const qvJSONValue *obj, size_t i);
qvJSONValue *qvJSONObjectSteal(qvJSONValue *obj, const char *key);

void qvJSONArrayAppend(qvJSONValue *arr, qvJSONValue *value);
size_t qvJSONArraySize(const qvJSONValue *arr);
qvJSONValue *qvJSONArrayGet(const qvJSONValue *arr, size_t i);

/* Typed reads; return -1 (nothing reported) when absent or of another type or range. */
const char *qvJSONGetString(const qvJSONValue *val);
const char *qvJSONGetNumberString(const qvJSONValue *val);
int qvJSONGetLLong(const qvJSONValue *val, long long *out);
int qvJSONGetULLong(const qvJSONValue *val, unsigned long long *out);
int qvJSONGetInt(const qvJSONValue *val, int *out);
int qvJSONGetUInt(const qvJSONValue *val, unsigned int *out);
int qvJSONGetDouble(const qvJSONValue *val, double *out);
int qvJSONGetBoolean(const qvJSONValue *val, bool *out);

/*
 * Parse one JSON text of len bytes. At most maxDepth levels of nesting; strings must be
 * valid UTF-8; duplicate object keys are refused. Returns NULL and sets *errmsg (to free)
 * on error; reports nothing, so that callers choose the error code.
 */
qvJSONValue *qvJSONParse(const char *json, size_t len, unsigned int maxDepth, char **errmsg);

/* Serialise: compact on one line, or pretty with 2-space indents. */
char *qvJSONFormat(const qvJSONValue *val, bool pretty);
/* Append str as a JSON string literal (quoted, escaped). */
void qvJSONBufferAddString(GString *buf, const char *str);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(qvJSONValue, qvJSONFree)
