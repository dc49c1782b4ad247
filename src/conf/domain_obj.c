/* domain_obj.c: domain objects and a name/UUID-indexed list with libvirt's define rules. */
#include <config.h>

#include "domain_obj.h"
#include "qverror.h"
#include "qvuuid.h"

#define QV_FROM_THIS QV_FROM_DOMAIN

struct _domainObjList {
    GMutex lock;
    GHashTable *byName; /* name -> domainObj (owned reference) */
};

domainObj *domainObjNew(domainDef *def)
{
    domainObj *obj = g_new0(domainObj, 1);

    obj->refs = 1;
    g_mutex_init(&obj->lock);
    obj->def = def;
    obj->state = QV_DOMAIN_SHUTOFF;
    obj->reason = QV_DOMAIN_SHUTOFF_UNKNOWN;
    return obj;
}

domainObj *domainObjRef(domainObj *obj)
{
    g_atomic_int_inc(&obj->refs);
    return obj;
}

void domainObjUnref(domainObj *obj)
{
    if (!obj || !g_atomic_int_dec_and_test(&obj->refs))
        return;
    if (obj->privateDataFree)
        obj->privateDataFree(obj->privateData);
    domainDefFree(obj->def);
    domainDefFree(obj->newDef);
    g_mutex_clear(&obj->lock);
    g_free(obj);
}

bool domainObjIsActive(const domainObj *obj)
{
    return obj->def->id >= 0;
}

domainDef *domainObjGetPersistentDef(domainObj *obj)
{
    return obj->newDef ? obj->newDef : obj->def;
}

domainObjList *domainObjListNew(void)
{
    domainObjList *list = g_new0(domainObjList, 1);

    g_mutex_init(&list->lock);
    list->byName =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)domainObjUnref);
    return list;
}

void domainObjListFree(domainObjList *list)
{
    if (!list)
        return;
    g_hash_table_destroy(list->byName);
    g_mutex_clear(&list->lock);
    g_free(list);
}

/* list->lock held. An object's def is read under its own lock: another thread may swap
 * it for a fresh one (lock order: the list, then an object). */
static domainObj *domainObjListFindByUUIDLocked(domainObjList *list, const unsigned char *uuid)
{
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, list->byName);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        domainObj *obj = value;
        bool same;

        g_mutex_lock(&obj->lock);
        same = memcmp(obj->def->uuid, uuid, QV_UUID_BUFLEN) == 0;
        g_mutex_unlock(&obj->lock);
        if (same)
            return obj;
    }
    return NULL;
}

domainObj *domainObjListFindByName(domainObjList *list, const char *name)
{
    domainObj *obj;

    g_mutex_lock(&list->lock);
    if ((obj = g_hash_table_lookup(list->byName, name)))
        domainObjRef(obj);
    g_mutex_unlock(&list->lock);
    return obj;
}

domainObj *domainObjListFindByUUID(domainObjList *list, const unsigned char *uuid)
{
    domainObj *obj;

    g_mutex_lock(&list->lock);
    if ((obj = domainObjListFindByUUIDLocked(list, uuid)))
        domainObjRef(obj);
    g_mutex_unlock(&list->lock);
    return obj;
}

domainObj *domainObjListFindByID(domainObjList *list, int id)
{
    GHashTableIter iter;
    gpointer value;
    domainObj *found = NULL;

    if (id < 0)
        return NULL;
    g_mutex_lock(&list->lock);
    g_hash_table_iter_init(&iter, list->byName);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        domainObj *obj = value;
        bool same;

        g_mutex_lock(&obj->lock);
        same = obj->def->id == id;
        g_mutex_unlock(&obj->lock);
        if (same) {
            found = domainObjRef(obj);
            break;
        }
    }
    g_mutex_unlock(&list->lock);
    return found;
}

domainObj *domainObjListAdd(domainObjList *list, domainDef *def, domainDef **oldDef)
{
    domainObj *obj;
    char uuid[QV_UUID_STRING_BUFLEN];

    *oldDef = NULL;
    g_mutex_lock(&list->lock);
    if ((obj = g_hash_table_lookup(list->byName, def->name))) {
        if (memcmp(obj->def->uuid, def->uuid, QV_UUID_BUFLEN) != 0) {
            qvUUIDFormat(obj->def->uuid, uuid);
            qvReportError(QV_ERR_OPERATION_FAILED, _("domain '%s' already exists with uuid %s"),
                          def->name, uuid);
            g_mutex_unlock(&list->lock);
            return NULL;
        }
        /* a new definition for an existing domain: applies at its next start */
        g_mutex_lock(&obj->lock);
        if (domainObjIsActive(obj)) {
            *oldDef = obj->newDef;
            obj->newDef = def;
        } else {
            *oldDef = obj->def;
            obj->def = def;
        }
        obj->persistent = true;
        g_mutex_unlock(&obj->lock);
        domainObjRef(obj);
        g_mutex_unlock(&list->lock);
        return obj;
    }
    if ((obj = domainObjListFindByUUIDLocked(list, def->uuid))) {
        qvUUIDFormat(def->uuid, uuid);
        qvReportError(QV_ERR_OPERATION_FAILED, _("domain '%s' is already defined with uuid %s"),
                      obj->def->name, uuid);
        g_mutex_unlock(&list->lock);
        return NULL;
    }
    obj = domainObjNew(def);
    obj->persistent = true;
    g_hash_table_insert(list->byName, g_strdup(def->name), domainObjRef(obj));
    g_mutex_unlock(&list->lock);
    return obj;
}

void domainObjListRemove(domainObjList *list, domainObj *obj)
{
    g_autofree char *name = NULL;

    g_mutex_lock(&obj->lock);
    name = g_strdup(obj->def->name);
    g_mutex_unlock(&obj->lock);
    g_mutex_lock(&list->lock);
    if (g_hash_table_lookup(list->byName, name) == obj)
        g_hash_table_remove(list->byName, name);
    g_mutex_unlock(&list->lock);
}

void domainObjListReplace(domainObjList *list, domainObjList *with)
{
    GHashTable *old;

    g_mutex_lock(&list->lock);
    g_mutex_lock(&with->lock);
    old = list->byName;
    list->byName = with->byName;
    with->byName = old;
    g_hash_table_remove_all(with->byName);
    g_mutex_unlock(&with->lock);
    g_mutex_unlock(&list->lock);
}

void domainObjListSync(domainObjList *list, domainObjList *fresh, bool (*keep)(domainObj *obj),
                       GPtrArray **removed)
{
    GHashTableIter iter;
    gpointer key, value;
    g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func((GDestroyNotify)domainObjUnref);

    g_mutex_lock(&list->lock);
    g_mutex_lock(&fresh->lock);
    /* what disappeared from disk */
    g_hash_table_iter_init(&iter, list->byName);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        domainObj *obj = value;
        domainObj *now = g_hash_table_lookup(fresh->byName, key);

        g_mutex_lock(&obj->lock);
        if (now && memcmp(now->def->uuid, obj->def->uuid, QV_UUID_BUFLEN) == 0) {
            g_mutex_unlock(&obj->lock);
            continue;
        }
        if (!now && keep && keep(obj)) {
            /* still running, but nobody's definition any more */
            if (obj->newDef) {
                domainDefFree(obj->newDef);
                obj->newDef = NULL;
            }
            obj->persistent = false;
            g_mutex_unlock(&obj->lock);
            continue;
        }
        g_mutex_unlock(&obj->lock);
        g_ptr_array_add(gone, domainObjRef(obj));
        g_hash_table_iter_remove(&iter);
    }
    /* what is new or changed */
    g_hash_table_iter_init(&iter, fresh->byName);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        domainObj *src = value;
        domainObj *obj = g_hash_table_lookup(list->byName, key);

        if (!obj) {
            g_hash_table_insert(list->byName, g_strdup(key), domainObjRef(src));
            continue;
        }
        g_mutex_lock(&obj->lock);
        g_mutex_lock(&src->lock);
        /* swap: src goes away below with what obj had */
        if (domainObjIsActive(obj)) {
            domainDef *old = obj->newDef;

            obj->newDef = src->def;
            src->def = old;
        } else {
            domainDef *old = obj->def;

            obj->def = src->def;
            src->def = old;
        }
        obj->persistent = true;
        g_mutex_unlock(&src->lock);
        g_mutex_unlock(&obj->lock);
    }
    g_hash_table_remove_all(fresh->byName);
    g_mutex_unlock(&fresh->lock);
    g_mutex_unlock(&list->lock);
    if (removed)
        *removed = g_steal_pointer(&gone);
}

typedef struct {
    char *name;
    domainObj *obj;
} domainObjNamed;

static gint domainObjCompareName(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(((const domainObjNamed *)a)->name, ((const domainObjNamed *)b)->name);
}

GPtrArray *domainObjListCollect(domainObjList *list)
{
    GPtrArray *objs = g_ptr_array_new_with_free_func((GDestroyNotify)domainObjUnref);
    g_autoptr(GArray) named = g_array_new(FALSE, FALSE, sizeof(domainObjNamed));
    GHashTableIter iter;
    gpointer key, value;
    guint i;

    /* sorted by the list's own keys, copied under its lock: an object's def may be
     * swapped for a fresh one (and the old one freed) by another thread meanwhile */
    g_mutex_lock(&list->lock);
    g_hash_table_iter_init(&iter, list->byName);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        domainObjNamed n = { g_strdup(key), domainObjRef(value) };

        g_array_append_val(named, n);
    }
    g_mutex_unlock(&list->lock);
    g_array_sort(named, domainObjCompareName);
    for (i = 0; i < named->len; i++) {
        domainObjNamed *n = &g_array_index(named, domainObjNamed, i);

        g_ptr_array_add(objs, n->obj);
        g_free(n->name);
    }
    return objs;
}
