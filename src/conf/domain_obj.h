/* domain_obj.h: a domain as the driver tracks it (definition + state) and the list of them. */
#pragma once

#include "domain_conf.h"

typedef struct {
    gint refs;
    GMutex lock;
    domainDef *def; /* what runs now, or the definition when inactive */
    domainDef *newDef; /* definition for the next start, when changed while running */
    bool persistent;
    int state; /* qvDomainState */
    int reason;
    void *privateData; /* the driver's runtime state */
    GDestroyNotify privateDataFree;
} domainObj;

domainObj *domainObjNew(domainDef *def);
domainObj *domainObjRef(domainObj *obj);
void domainObjUnref(domainObj *obj);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(domainObj, domainObjUnref)

bool domainObjIsActive(const domainObj *obj);
/* The persistent definition: newDef if set, else def. */
domainDef *domainObjGetPersistentDef(domainObj *obj);

typedef struct _domainObjList domainObjList;

domainObjList *domainObjListNew(void);
void domainObjListFree(domainObjList *list);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(domainObjList, domainObjListFree)

/* Lookups return a new reference, or NULL (nothing reported). */
domainObj *domainObjListFindByName(domainObjList *list, const char *name);
domainObj *domainObjListFindByUUID(domainObjList *list, const unsigned char *uuid);
domainObj *domainObjListFindByID(domainObjList *list, int id);

/*
 * Add def (taken on success) under libvirt's rules: a new name and UUID create an
 * object; the same name with the same UUID replaces the definition; the same name with
 * another UUID, or the same UUID with another name, is an error. Returns the object (a
 * new reference) and, in *oldDef, the replaced definition (to free) if any.
 */
domainObj *domainObjListAdd(domainObjList *list, domainDef *def, domainDef **oldDef);
void domainObjListRemove(domainObjList *list, domainObj *obj);
/* Make list hold exactly the objects of with (which is left empty), atomically for
 * concurrent readers of list. */
void domainObjListReplace(domainObjList *list, domainObjList *with);
/*
 * Make list hold the domains of fresh (a list of persistent definitions just read),
 * keeping the objects list already has for the same name and UUID, with their runtime
 * data: such an object takes fresh's definition as its persistent one. Objects of
 * list that fresh lacks are removed unless keep() says otherwise (a running transient
 * domain); they are returned in *removed (new references, may be NULL). fresh is
 * left empty.
 */
void domainObjListSync(domainObjList *list, domainObjList *fresh, bool (*keep)(domainObj *obj),
                       GPtrArray **removed);
/* All objects, as new references, sorted by name. */
GPtrArray *domainObjListCollect(domainObjList *list);
