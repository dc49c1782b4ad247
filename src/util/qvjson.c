/* qvjson.c: JSON values parsed and generated with yajl; numbers are kept as their text. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>

#include <yajl/yajl_parse.h>

#include "qvjson.h"

struct _qvJSONValue {
    qvJSONType type;
    union {
        bool boolean;
        char *str; /* STRING, and NUMBER as its decimal text */
        GPtrArray *array; /* ARRAY: of qvJSONValue*; OBJECT: key, value, key, value... */
    } data;
};

static qvJSONValue *qvJSONNew(qvJSONType type)
{
    qvJSONValue *val = g_new0(qvJSONValue, 1);

    val->type = type;
    return val;
}

qvJSONValue *qvJSONNewObject(void)
{
    qvJSONValue *val = qvJSONNew(QV_JSON_OBJECT);

    val->data.array = g_ptr_array_new();
    return val;
}

qvJSONValue *qvJSONNewArray(void)
{
    qvJSONValue *val = qvJSONNew(QV_JSON_ARRAY);

    val->data.array = g_ptr_array_new_with_free_func((GDestroyNotify)qvJSONFree);
    return val;
}

qvJSONValue *qvJSONNewString(const char *str)
{
    qvJSONValue *val = qvJSONNew(QV_JSON_STRING);

    val->data.str = g_strdup(str);
    return val;
}

static qvJSONValue *qvJSONNewNumberText(char *text)
{
    qvJSONValue *val = qvJSONNew(QV_JSON_NUMBER);

    val->data.str = text;
    return val;
}

qvJSONValue *qvJSONNewNumberLLong(long long v)
{
    return qvJSONNewNumberText(g_strdup_printf("%lld", v));
}

qvJSONValue *qvJSONNewNumberULLong(unsigned long long v)
{
    return qvJSONNewNumberText(g_strdup_printf("%llu", v));
}

qvJSONValue *qvJSONNewBoolean(bool v)
{
    qvJSONValue *val = qvJSONNew(QV_JSON_BOOLEAN);

    val->data.boolean = v;
    return val;
}

qvJSONValue *qvJSONNewNull(void)
{
    return qvJSONNew(QV_JSON_NULL);
}

void qvJSONFree(qvJSONValue *val)
{
    guint i;

    if (!val)
        return;
    switch (val->type) {
    case QV_JSON_OBJECT:
        for (i = 0; i < val->data.array->len; i += 2) {
            g_free(val->data.array->pdata[i]);
            qvJSONFree(val->data.array->pdata[i + 1]);
        }
        g_ptr_array_free(val->data.array, TRUE);
        break;
    case QV_JSON_ARRAY:
        g_ptr_array_free(val->data.array, TRUE);
        break;
    case QV_JSON_STRING:
    case QV_JSON_NUMBER:
        g_free(val->data.str);
        break;
    case QV_JSON_BOOLEAN:
    case QV_JSON_NULL:
        break;
    }
    g_free(val);
}

qvJSONType qvJSONGetType(const qvJSONValue *val)
{
    return val->type;
}

void qvJSONObjectAppend(qvJSONValue *obj, const char *key, qvJSONValue *value)
{
    g_return_if_fail(obj->type == QV_JSON_OBJECT);
    g_ptr_array_add(obj->data.array, g_strdup(key));
    g_ptr_array_add(obj->data.array, value);
}

void qvJSONObjectAdd(qvJSONValue *obj, ...)
{
    const char *spec;
    va_list ap;

    va_start(ap, obj);
    while ((spec = va_arg(ap, const char *))) {
        const char *key = spec + 2;
        qvJSONValue *val = NULL;

        g_assert(spec[0] && spec[1] == ':');
        switch (spec[0]) {
        case 's':
        case 'S': {
            const char *s = va_arg(ap, const char *);

            if (s)
                val = qvJSONNewString(s);
            else
                g_assert(spec[0] == 'S');
            break;
        }
        case 'i':
            val = qvJSONNewNumberLLong(va_arg(ap, int));
            break;
        case 'u':
            val = qvJSONNewNumberULLong(va_arg(ap, unsigned int));
            break;
        case 'p': {
            unsigned int u = va_arg(ap, unsigned int);

            if (u)
                val = qvJSONNewNumberULLong(u);
            break;
        }
        case 'I':
            val = qvJSONNewNumberLLong(va_arg(ap, long long));
            break;
        case 'U':
            val = qvJSONNewNumberULLong(va_arg(ap, unsigned long long));
            break;
        case 'b':
            val = qvJSONNewBoolean(va_arg(ap, int));
            break;
        case 'B':
            if (va_arg(ap, int))
                val = qvJSONNewBoolean(true);
            break;
        case 'a':
        case 'A':
            val = va_arg(ap, qvJSONValue *);
            g_assert(val || spec[0] == 'A');
            break;
        default:
            g_assert_not_reached();
        }
        if (val)
            qvJSONObjectAppend(obj, key, val);
    }
    va_end(ap);
}

static gssize qvJSONObjectIndex(const qvJSONValue *obj, const char *key)
{
    guint i;

    if (!obj || obj->type != QV_JSON_OBJECT)
        return -1;
    for (i = 0; i < obj->data.array->len; i += 2) {
        if (STREQ(obj->data.array->pdata[i], key))
            return (gssize)i;
    }
    return -1;
}

qvJSONValue *qvJSONObjectGet(const qvJSONValue *obj, const char *key)
{
    gssize i = qvJSONObjectIndex(obj, key);

    return i < 0 ? NULL : obj->data.array->pdata[i + 1];
}

qvJSONValue *qvJSONObjectSteal(qvJSONValue *obj, const char *key)
{
    gssize i = qvJSONObjectIndex(obj, key);
    qvJSONValue *val;

    if (i < 0)
        return NULL;
    val = obj->data.array->pdata[i + 1];
    g_free(obj->data.array->pdata[i]);
    g_ptr_array_remove_range(obj->data.array, (guint)i, 2);
    return val;
}

size_t qvJSONObjectSize(const qvJSONValue *obj)
{
    return obj->type == QV_JSON_OBJECT ? obj->data.array->len / 2 : 0;
}

const char *qvJSONObjectKey(const qvJSONValue *obj, size_t i)
{
    return obj->data.array->pdata[i * 2];
}

qvJSONValue *qvJSONObjectValue(const qvJSONValue *obj, size_t i)
{
    return obj->data.array->pdata[i * 2 + 1];
}

void qvJSONArrayAppend(qvJSONValue *arr, qvJSONValue *value)
{
    g_return_if_fail(arr->type == QV_JSON_ARRAY);
    g_ptr_array_add(arr->data.array, value);
}

size_t qvJSONArraySize(const qvJSONValue *arr)
{
    return arr->type == QV_JSON_ARRAY ? arr->data.array->len : 0;
}

qvJSONValue *qvJSONArrayGet(const qvJSONValue *arr, size_t i)
{
    if (arr->type != QV_JSON_ARRAY || i >= arr->data.array->len)
        return NULL;
    return arr->data.array->pdata[i];
}

const char *qvJSONGetString(const qvJSONValue *val)
{
    return val && val->type == QV_JSON_STRING ? val->data.str : NULL;
}

const char *qvJSONGetNumberString(const qvJSONValue *val)
{
    return val && val->type == QV_JSON_NUMBER ? val->data.str : NULL;
}

int qvJSONGetLLong(const qvJSONValue *val, long long *out)
{
    const char *s = qvJSONGetNumberString(val);
    char *end = NULL;
    long long v;

    if (!s)
        return -1;
    errno = 0;
    v = g_ascii_strtoll(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

int qvJSONGetULLong(const qvJSONValue *val, unsigned long long *out)
{
    const char *s = qvJSONGetNumberString(val);
    char *end = NULL;
    unsigned long long v;

    if (!s || s[0] == '-')
        return -1;
    errno = 0;
    v = g_ascii_strtoull(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = v;
    return 0;
}

int qvJSONGetInt(const qvJSONValue *val, int *out)
{
    long long v;

    if (qvJSONGetLLong(val, &v) < 0 || v < INT_MIN || v > INT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

int qvJSONGetUInt(const qvJSONValue *val, unsigned int *out)
{
    unsigned long long v;

    if (qvJSONGetULLong(val, &v) < 0 || v > UINT_MAX)
        return -1;
    *out = (unsigned int)v;
    return 0;
}

int qvJSONGetDouble(const qvJSONValue *val, double *out)
{
    const char *s = qvJSONGetNumberString(val);
    char *end = NULL;
    double v;

    if (!s)
        return -1;
    errno = 0;
    v = g_ascii_strtod(s, &end);
    if (errno || end == s || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int qvJSONGetBoolean(const qvJSONValue *val, bool *out)
{
    if (!val || val->type != QV_JSON_BOOLEAN)
        return -1;
    *out = val->data.boolean;
    return 0;
}

/* ---- parsing ---- */

typedef struct {
    GPtrArray *stack; /* open containers */
    char *pendingKey; /* key of the next value in the innermost object */
    qvJSONValue *root;
    unsigned int maxDepth;
    char *error;
} qvJSONParser;

static int qvJSONParserAdd(qvJSONParser *p, qvJSONValue *val)
{
    qvJSONValue *parent;

    if (!p->stack->len) {
        if (p->root) {
            qvJSONFree(val);
            p->error = g_strdup(_("more than one JSON value"));
            return 0;
        }
        p->root = val;
        return 1;
    }
    parent = p->stack->pdata[p->stack->len - 1];
    if (parent->type == QV_JSON_ARRAY) {
        qvJSONArrayAppend(parent, val);
        return 1;
    }
    /* an object: yajl has checked that a key came first */
    qvJSONObjectAppend(parent, p->pendingKey, val);
    g_clear_pointer(&p->pendingKey, g_free);
    return 1;
}

static int qvJSONOnNull(void *ctx)
{
    return qvJSONParserAdd(ctx, qvJSONNewNull());
}

static int qvJSONOnBoolean(void *ctx, int v)
{
    return qvJSONParserAdd(ctx, qvJSONNewBoolean(v));
}

static int qvJSONOnNumber(void *ctx, const char *s, size_t len)
{
    return qvJSONParserAdd(ctx, qvJSONNewNumberText(g_strndup(s, len)));
}

static int qvJSONOnString(void *ctx, const unsigned char *s, size_t len)
{
    qvJSONValue *val;

    if (memchr(s, '\0', len)) {
        ((qvJSONParser *)ctx)->error = g_strdup(_("string contains a NUL character"));
        return 0;
    }
    val = qvJSONNew(QV_JSON_STRING);
    val->data.str = g_strndup((const char *)s, len);
    return qvJSONParserAdd(ctx, val);
}

static int qvJSONOpen(qvJSONParser *p, qvJSONValue *val)
{
    if (p->stack->len >= p->maxDepth) {
        qvJSONFree(val);
        p->error = g_strdup_printf(_("nesting deeper than %u levels"), p->maxDepth);
        return 0;
    }
    /* the container is owned by its parent (or is the root) once added */
    if (!qvJSONParserAdd(p, val))
        return 0;
    g_ptr_array_add(p->stack, val);
    return 1;
}

static int qvJSONOnStartMap(void *ctx)
{
    return qvJSONOpen(ctx, qvJSONNewObject());
}

static int qvJSONOnMapKey(void *ctx, const unsigned char *key, size_t len)
{
    qvJSONParser *p = ctx;
    g_autofree char *k = g_strndup((const char *)key, len);

    if (memchr(key, '\0', len)) {
        p->error = g_strdup(_("object key contains a NUL character"));
        return 0;
    }
    if (qvJSONObjectGet(p->stack->pdata[p->stack->len - 1], k)) {
        p->error = g_strdup_printf(_("duplicate object key '%s'"), k);
        return 0;
    }
    g_free(p->pendingKey);
    p->pendingKey = g_steal_pointer(&k);
    return 1;
}

static int qvJSONOnEnd(void *ctx)
{
    qvJSONParser *p = ctx;

    g_ptr_array_set_size(p->stack, p->stack->len - 1);
    return 1;
}

static int qvJSONOnStartArray(void *ctx)
{
    return qvJSONOpen(ctx, qvJSONNewArray());
}

static const yajl_callbacks qvJSONCallbacks = {
    .yajl_null = qvJSONOnNull,
    .yajl_boolean = qvJSONOnBoolean,
    .yajl_number = qvJSONOnNumber,
    .yajl_string = qvJSONOnString,
    .yajl_start_map = qvJSONOnStartMap,
    .yajl_map_key = qvJSONOnMapKey,
    .yajl_end_map = qvJSONOnEnd,
    .yajl_start_array = qvJSONOnStartArray,
    .yajl_end_array = qvJSONOnEnd,
};

qvJSONValue *qvJSONParse(const char *json, size_t len, unsigned int maxDepth, char **errmsg)
{
    qvJSONParser p = { .stack = g_ptr_array_new(), .maxDepth = maxDepth };
    yajl_handle hand = yajl_alloc(&qvJSONCallbacks, NULL, &p);
    yajl_status st;

    *errmsg = NULL;
    yajl_config(hand, yajl_allow_comments, 0);
    yajl_config(hand, yajl_dont_validate_strings, 0);
    st = yajl_parse(hand, (const unsigned char *)json, len);
    if (st == yajl_status_ok)
        st = yajl_complete_parse(hand);

    if (st != yajl_status_ok || !p.root) {
        if (p.error) {
            *errmsg = g_steal_pointer(&p.error);
        } else if (st == yajl_status_ok) {
            *errmsg = g_strdup(_("no JSON value"));
        } else {
            unsigned char *detail = yajl_get_error(hand, 0, (const unsigned char *)json, len);

            *errmsg = g_strstrip(g_strdup((const char *)detail));
            yajl_free_error(hand, detail);
        }
        g_clear_pointer(&p.root, qvJSONFree);
    }
    yajl_free(hand);
    g_free(p.pendingKey);
    g_free(p.error);
    g_ptr_array_free(p.stack, TRUE);
    return p.root;
}

/* ---- generation (written here: yajl's generator costs an allocation per call) ---- */

void qvJSONBufferAddString(GString *buf, const char *str)
{
    const char *p;

    g_string_append_c(buf, '"');
    for (p = str; *p; p++) {
        unsigned char c = (unsigned char)*p;

        switch (c) {
        case '"':
            g_string_append(buf, "\\\"");
            break;
        case '\\':
            g_string_append(buf, "\\\\");
            break;
        case '\n':
            g_string_append(buf, "\\n");
            break;
        case '\r':
            g_string_append(buf, "\\r");
            break;
        case '\t':
            g_string_append(buf, "\\t");
            break;
        case '\b':
            g_string_append(buf, "\\b");
            break;
        case '\f':
            g_string_append(buf, "\\f");
            break;
        default:
            if (c < 0x20)
                g_string_append_printf(buf, "\\u%04x", c);
            else
                g_string_append_c(buf, (char)c);
        }
    }
    g_string_append_c(buf, '"');
}

static void qvJSONIndent(GString *buf, bool pretty, int depth)
{
    if (!pretty)
        return;
    g_string_append_c(buf, '\n');
    while (depth-- > 0)
        g_string_append(buf, "  ");
}

static void qvJSONGen(GString *buf, const qvJSONValue *val, bool pretty, int depth)
{
    guint i;

    switch (val->type) {
    case QV_JSON_OBJECT:
        g_string_append_c(buf, '{');
        for (i = 0; i < val->data.array->len; i += 2) {
            if (i)
                g_string_append_c(buf, ',');
            qvJSONIndent(buf, pretty, depth + 1);
            qvJSONBufferAddString(buf, val->data.array->pdata[i]);
            g_string_append(buf, pretty ? ": " : ":");
            qvJSONGen(buf, val->data.array->pdata[i + 1], pretty, depth + 1);
        }
        if (val->data.array->len)
            qvJSONIndent(buf, pretty, depth);
        g_string_append_c(buf, '}');
        break;
    case QV_JSON_ARRAY:
        g_string_append_c(buf, '[');
        for (i = 0; i < val->data.array->len; i++) {
            if (i)
                g_string_append_c(buf, ',');
            qvJSONIndent(buf, pretty, depth + 1);
            qvJSONGen(buf, val->data.array->pdata[i], pretty, depth + 1);
        }
        if (val->data.array->len)
            qvJSONIndent(buf, pretty, depth);
        g_string_append_c(buf, ']');
        break;
    case QV_JSON_STRING:
        qvJSONBufferAddString(buf, val->data.str);
        break;
    case QV_JSON_NUMBER:
        g_string_append(buf, val->data.str);
        break;
    case QV_JSON_BOOLEAN:
        g_string_append(buf, val->data.boolean ? "true" : "false");
        break;
    case QV_JSON_NULL:
        g_string_append(buf, "null");
        break;
    }
}

char *qvJSONFormat(const qvJSONValue *val, bool pretty)
{
    GString *buf = g_string_sized_new(64);

    qvJSONGen(buf, val, pretty, 0);
    return g_string_free(buf, FALSE);
}
