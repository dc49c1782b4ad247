/* qvxml.c: libxml2 with the dangerous parts turned off, and consumed-node bookkeeping. */
#include <config.h>

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>

#include "qverror.h"
#include "qvlog.h"
#include "qvxml.h"

#define QV_FROM_THIS QV_FROM_XML

QV_LOG_INIT("util.xml");

/* Any non-NULL value in _private means "consumed"; libxml2 itself never uses it. */
#define QV_XML_CONSUMED ((void *)1)

typedef struct {
    char *message; /* first error, "url:line: text" */
    bool forbidden;
} qvXMLParseState;

static void qvXMLParseStateSet(qvXMLParseState *state, const char *url, long line, const char *text)
{
    g_autofree char *trimmed = g_strstrip(g_strdup(text));

    if (state->message)
        return;
    if (line > 0)
        state->message = g_strdup_printf("%s:%ld: %s", url, line, trimmed);
    else
        state->message = g_strdup_printf("%s: %s", url, trimmed);
}

static void qvXMLStructuredError(void *userData, xmlErrorPtr err)
{
    xmlParserCtxtPtr ctxt = userData;
    qvXMLParseState *state = ctxt->_private;

    if (!err || err->level < XML_ERR_ERROR)
        return;
    qvXMLParseStateSet(state, err->file ? err->file : "(xml)", err->line,
                       err->message ? err->message : _("unknown parse error"));
}

/* A DOCTYPE is where DTDs, external entities and entity bombs come from: refuse it. */
static void qvXMLRejectDoctype(void *ctx, const xmlChar *name, const xmlChar *externalID,
                               const xmlChar *systemID)
{
    xmlParserCtxtPtr ctxt = ctx;
    qvXMLParseState *state = ctxt->_private;

    qvXMLParseStateSet(state,
                       ctxt->input && ctxt->input->filename ? ctxt->input->filename : "(xml)",
                       ctxt->input ? ctxt->input->line : 0,
                       _("DOCTYPE declarations (DTDs, entities) are not allowed"));
    state->forbidden = true;
    xmlStopParser(ctxt);
}

xmlDocPtr qvXMLParseString(const char *xml, const char *url, size_t maxBytes)
{
    qvXMLParseState state = { 0 };
    xmlParserCtxtPtr ctxt;
    xmlDocPtr doc;
    size_t len = strlen(xml);

    if (len > maxBytes || len > INT_MAX) {
        qvReportError(QV_ERR_XML_ERROR,
                      _("%s: document is too large (%zu bytes; the limit is %zu)"), url, len,
                      maxBytes);
        return NULL;
    }
    if (!(ctxt = xmlNewParserCtxt())) {
        qvReportError(QV_ERR_INTERNAL_ERROR, "%s", _("cannot create an XML parser"));
        return NULL;
    }
    ctxt->_private = &state;
    ctxt->sax->serror = qvXMLStructuredError;
    ctxt->sax->internalSubset = qvXMLRejectDoctype;
    ctxt->sax->externalSubset = NULL;
    ctxt->sax->entityDecl = NULL;
    ctxt->vctxt.error = NULL;
    ctxt->vctxt.warning = NULL;

    doc = xmlCtxtReadMemory(ctxt, xml, (int)len, url, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_BIG_LINES |
                                XML_PARSE_NOWARNING | XML_PARSE_NOERROR | XML_PARSE_NOCDATA);
    if (!state.message && (!doc || !ctxt->wellFormed))
        qvXMLParseStateSet(&state, url, 0, _("document is not well-formed XML"));
    if (!state.message && !xmlDocGetRootElement(doc))
        qvXMLParseStateSet(&state, url, 0, _("document has no root element"));
    xmlFreeParserCtxt(ctxt);

    if (state.message) {
        qvReportError(state.forbidden ? QV_ERR_OPERATION_DENIED : QV_ERR_XML_DETAIL, "%s",
                      state.message);
        g_free(state.message);
        xmlFreeDoc(doc);
        return NULL;
    }
    return doc;
}

/* ---- RelaxNG ---- */

static GMutex qvXMLSchemaLock;
static GHashTable *qvXMLSchemas; /* path -> xmlRelaxNGPtr */

static void qvXMLCollectError(void *userData, xmlErrorPtr err)
{
    GPtrArray *errors = userData;
    g_autofree char *text = NULL;

    if (!err || !err->message || errors->len >= 20)
        return;
    text = g_strstrip(g_strdup(err->message));
    if (err->node) {
        xmlNodePtr node = err->node;

        g_ptr_array_add(
            errors,
            g_strdup_printf("%s:%ld: %s",
                            node->doc && node->doc->URL ? (const char *)node->doc->URL : "(xml)",
                            xmlGetLineNo(node), text));
    } else if (err->file) {
        g_ptr_array_add(errors, g_strdup_printf("%s:%d: %s", err->file, err->line, text));
    } else {
        g_ptr_array_add(errors, g_steal_pointer(&text));
    }
}

static xmlRelaxNGPtr qvXMLLoadSchema(const char *path)
{
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
    xmlRelaxNGParserCtxtPtr pctxt;
    xmlRelaxNGPtr rng;

    if (!qvXMLSchemas)
        qvXMLSchemas =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)xmlRelaxNGFree);
    if ((rng = g_hash_table_lookup(qvXMLSchemas, path)))
        return rng;
    if (!g_file_test(path, G_FILE_TEST_IS_REGULAR)) {
        qvReportError(QV_ERR_INTERNAL_ERROR,
                      _("cannot load schema '%s': the file does not exist (is qvirt installed?)"),
                      path);
        return NULL;
    }

    if (!(pctxt = xmlRelaxNGNewParserCtxt(path))) {
        qvReportError(QV_ERR_INTERNAL_ERROR, _("cannot load schema '%s'"), path);
        return NULL;
    }
    xmlRelaxNGSetParserStructuredErrors(pctxt, qvXMLCollectError, errors);
    rng = xmlRelaxNGParse(pctxt);
    xmlRelaxNGFreeParserCtxt(pctxt);
    if (!rng) {
        qvReportError(QV_ERR_INTERNAL_ERROR, _("cannot parse schema '%s': %s"), path,
                      errors->len ? (const char *)errors->pdata[0] : _("unknown error"));
        return NULL;
    }
    g_hash_table_insert(qvXMLSchemas, g_strdup(path), rng);
    return rng;
}

int qvXMLValidate(xmlDocPtr doc, const char *schemaPath)
{
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
    xmlRelaxNGValidCtxtPtr vctxt;
    xmlRelaxNGPtr rng;
    int rc;

    g_mutex_lock(&qvXMLSchemaLock);
    rng = qvXMLLoadSchema(schemaPath);
    g_mutex_unlock(&qvXMLSchemaLock);
    if (!rng)
        return -1;

    if (!(vctxt = xmlRelaxNGNewValidCtxt(rng))) {
        qvReportError(QV_ERR_INTERNAL_ERROR, "%s", _("cannot create a schema validator"));
        return -1;
    }
    xmlRelaxNGSetValidStructuredErrors(vctxt, qvXMLCollectError, errors);
    rc = xmlRelaxNGValidateDoc(vctxt, doc);
    xmlRelaxNGFreeValidCtxt(vctxt);
    if (rc != 0) {
        g_ptr_array_add(errors, NULL);
        if (errors->len == 1) {
            qvReportError(QV_ERR_XML_INVALID_SCHEMA, _("%s: does not match schema '%s'"),
                          doc->URL ? (const char *)doc->URL : "(xml)", schemaPath);
        } else {
            g_autofree char *all = g_strjoinv("\n  ", (char **)errors->pdata);

            qvReportError(QV_ERR_XML_INVALID_SCHEMA, "%s", all);
        }
        return -1;
    }
    return 0;
}

/* ---- accessors ---- */

char *qvXMLNodeLocation(xmlNodePtr node)
{
    const char *url = node->doc && node->doc->URL ? (const char *)node->doc->URL : "(xml)";

    return g_strdup_printf("%s:%ld", url, xmlGetLineNo(node));
}

/* What the last node error said, per thread, so that it can be collected. */
typedef struct {
    GPtrArray *items; /* "line N: ..." of unsupported parts, while collecting */
    int depth;
    long lastLine;
    char *lastDetail;
} qvXMLCollector;

static void qvXMLCollectorFree(gpointer data)
{
    qvXMLCollector *c = data;

    if (c->items)
        g_ptr_array_free(c->items, TRUE);
    g_free(c->lastDetail);
    g_free(c);
}

static GPrivate qvXMLCollectorKey = G_PRIVATE_INIT(qvXMLCollectorFree);

static qvXMLCollector *qvXMLGetCollector(void)
{
    qvXMLCollector *c = g_private_get(&qvXMLCollectorKey);

    if (!c) {
        c = g_new0(qvXMLCollector, 1);
        g_private_set(&qvXMLCollectorKey, c);
    }
    return c;
}

void qvXMLCollectBegin(void)
{
    qvXMLCollector *c = qvXMLGetCollector();

    if (c->depth++ == 0)
        c->items = g_ptr_array_new_with_free_func(g_free);
}

void qvXMLCollectEnd(void)
{
    qvXMLCollector *c = qvXMLGetCollector();

    if (--c->depth == 0)
        g_clear_pointer(&c->items, g_ptr_array_unref);
}

bool qvXMLCollectUnsupported(xmlNodePtr node)
{
    qvXMLCollector *c = qvXMLGetCollector();

    if (!c->items || qvGetLastErrorCode() != QV_ERR_CONFIG_UNSUPPORTED || !c->lastDetail)
        return false;
    g_ptr_array_add(c->items, g_strdup_printf(_("line %ld: %s"), c->lastLine, c->lastDetail));
    g_clear_pointer(&c->lastDetail, g_free);
    qvXMLMarkTree(node);
    qvResetLastError();
    return true;
}

void qvXMLReportNodeError(int code, xmlNodePtr node, const char *fmt, ...)
{
    g_autofree char *where = qvXMLNodeLocation(node);
    qvXMLCollector *c = qvXMLGetCollector();
    g_autofree char *detail = NULL;
    va_list ap;

    va_start(ap, fmt);
    detail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    qvReportError(code, "%s: %s", where, detail);
    g_free(c->lastDetail);
    c->lastDetail = g_steal_pointer(&detail);
    c->lastLine = xmlGetLineNo(node);
}

void qvXMLMarkConsumed(xmlNodePtr node)
{
    node->_private = QV_XML_CONSUMED;
}

void qvXMLMarkTree(xmlNodePtr node)
{
    xmlNodePtr cur;
    xmlAttrPtr attr;

    node->_private = QV_XML_CONSUMED;
    for (attr = node->properties; attr; attr = attr->next)
        attr->_private = QV_XML_CONSUMED;
    for (cur = node->children; cur; cur = cur->next) {
        if (cur->type == XML_ELEMENT_NODE)
            qvXMLMarkTree(cur);
    }
}

static bool qvXMLIsElement(xmlNodePtr node, const char *name)
{
    return node->type == XML_ELEMENT_NODE && node->ns == NULL &&
           xmlStrEqual(node->name, (const xmlChar *)name);
}

xmlNodePtr qvXMLChild(xmlNodePtr parent, const char *name)
{
    xmlNodePtr cur;

    for (cur = parent->children; cur; cur = cur->next) {
        if (qvXMLIsElement(cur, name)) {
            qvXMLMarkConsumed(cur);
            return cur;
        }
    }
    return NULL;
}

size_t qvXMLChildren(xmlNodePtr parent, const char *name, xmlNodePtr **list)
{
    g_autoptr(GPtrArray) found = g_ptr_array_new();
    xmlNodePtr cur;
    size_t n;

    for (cur = parent->children; cur; cur = cur->next) {
        if (qvXMLIsElement(cur, name)) {
            qvXMLMarkConsumed(cur);
            g_ptr_array_add(found, cur);
        }
    }
    n = found->len;
    *list = (xmlNodePtr *)g_ptr_array_free(g_steal_pointer(&found), FALSE);
    return n;
}

char *qvXMLProp(xmlNodePtr node, const char *name)
{
    xmlAttrPtr attr = xmlHasNsProp(node, (const xmlChar *)name, NULL);
    xmlChar *val;
    char *ret;

    if (!attr)
        return NULL;
    attr->_private = QV_XML_CONSUMED;
    val = xmlNodeGetContent((xmlNodePtr)attr);
    ret = g_strdup(val ? (const char *)val : "");
    xmlFree(val);
    return ret;
}

char *qvXMLText(xmlNodePtr node)
{
    xmlChar *val = xmlNodeGetContent(node);
    char *ret = g_strstrip(g_strdup(val ? (const char *)val : ""));

    xmlFree(val);
    return ret;
}

char *qvXMLChildText(xmlNodePtr parent, const char *name)
{
    xmlNodePtr child = qvXMLChild(parent, name);

    return child ? qvXMLText(child) : NULL;
}

static char *qvXMLEnumChoices(qvEnumToStringFunc to, bool skipZero)
{
    g_autoptr(GString) buf = g_string_new(NULL);
    const char *str;
    int i;

    for (i = skipZero ? 1 : 0; (str = to(i)); i++) {
        if (!*str)
            continue;
        if (buf->len)
            g_string_append(buf, ", ");
        g_string_append_printf(buf, "'%s'", str);
    }
    return g_string_free(g_steal_pointer(&buf), FALSE);
}

static int qvXMLPropRequired(xmlNodePtr node, const char *name, unsigned int flags)
{
    if (flags & QV_XML_REQUIRED) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, node, _("missing required attribute '%s' of <%s>"),
                             name, (const char *)node->name);
        return -1;
    }
    return 0;
}

static void qvXMLReportUnsupportedValue(xmlNodePtr node, const char *name, const char *value,
                                        const char *choices)
{
    qvXMLReportNodeError(QV_ERR_CONFIG_UNSUPPORTED, node,
                         _("unsupported value '%s' for attribute '%s' of <%s> (supported: %s)"),
                         value, name, (const char *)node->name, choices);
}

int qvXMLPropFixed(xmlNodePtr node, const char *name, const char *expected, unsigned int flags)
{
    g_autofree char *str = qvXMLProp(node, name);

    if (!str)
        return qvXMLPropRequired(node, name, flags);
    if (STRNEQ(str, expected)) {
        g_autofree char *choice = g_strdup_printf("'%s'", expected);

        qvXMLReportUnsupportedValue(node, name, str, choice);
        return -1;
    }
    return 1;
}

int qvXMLPropEnum(xmlNodePtr node, const char *name, qvEnumFromStringFunc from,
                  qvEnumToStringFunc to, unsigned int flags, int *val)
{
    g_autofree char *str = qvXMLProp(node, name);
    int v;

    if (!str)
        return qvXMLPropRequired(node, name, flags);
    v = from(str);
    if (v < 0 || (v == 0 && (flags & QV_XML_NONZERO))) {
        g_autofree char *choices = qvXMLEnumChoices(to, flags & QV_XML_NONZERO);

        qvXMLReportUnsupportedValue(node, name, str, choices);
        return -1;
    }
    *val = v;
    return 1;
}

int qvXMLParseULL(xmlNodePtr node, const char *what, const char *str, unsigned long long *val)
{
    char *end = NULL;
    unsigned long long v;

    errno = 0;
    if (!*str || !g_ascii_isdigit(*str) || ((v = g_ascii_strtoull(str, &end, 10)), errno != 0) ||
        *end) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, node,
                             _("invalid value '%s' for %s: expected a non-negative integer"), str,
                             what);
        return -1;
    }
    *val = v;
    return 0;
}

int qvXMLParseUInt(xmlNodePtr node, const char *what, const char *str, unsigned int *val)
{
    unsigned long long v;

    if (qvXMLParseULL(node, what, str, &v) < 0)
        return -1;
    if (v > UINT_MAX) {
        qvXMLReportNodeError(QV_ERR_XML_ERROR, node, _("value '%s' for %s is too large"), str,
                             what);
        return -1;
    }
    *val = (unsigned int)v;
    return 0;
}

int qvXMLPropUInt(xmlNodePtr node, const char *name, unsigned int flags, unsigned int *val)
{
    g_autofree char *str = qvXMLProp(node, name);
    g_autofree char *what = NULL;

    if (!str)
        return qvXMLPropRequired(node, name, flags);
    what = g_strdup_printf(_("attribute '%s' of <%s>"), name, (const char *)node->name);
    return qvXMLParseUInt(node, what, str, val) < 0 ? -1 : 1;
}

int qvXMLPropInt(xmlNodePtr node, const char *name, unsigned int flags, int *val)
{
    g_autofree char *str = qvXMLProp(node, name);
    char *end = NULL;
    long long v;

    if (!str)
        return qvXMLPropRequired(node, name, flags);
    errno = 0;
    v = g_ascii_strtoll(str, &end, 10);
    if (!*str || errno || *end || v < INT_MIN || v > INT_MAX) {
        qvXMLReportNodeError(
            QV_ERR_XML_ERROR, node,
            _("invalid value '%s' for attribute '%s' of <%s>: expected an integer"), str, name,
            (const char *)node->name);
        return -1;
    }
    *val = (int)v;
    return 1;
}

int qvXMLPropBool(xmlNodePtr node, const char *name, const char *yes, const char *no,
                  unsigned int flags, bool *val)
{
    g_autofree char *str = qvXMLProp(node, name);

    if (!str)
        return qvXMLPropRequired(node, name, flags);
    if (STREQ(str, yes)) {
        *val = true;
    } else if (STREQ(str, no)) {
        *val = false;
    } else {
        qvXMLReportNodeError(
            QV_ERR_CONFIG_UNSUPPORTED, node,
            _("unsupported value '%s' for attribute '%s' of <%s> (supported: '%s', '%s')"), str,
            name, (const char *)node->name, yes, no);
        return -1;
    }
    return 1;
}

static bool qvXMLHasConsumedTwin(xmlNodePtr node)
{
    xmlNodePtr cur;

    if (!node->parent)
        return false;
    for (cur = node->parent->children; cur; cur = cur->next) {
        if (cur != node && cur->type == XML_ELEMENT_NODE && cur->_private &&
            xmlStrEqual(cur->name, node->name) && cur->ns == node->ns)
            return true;
    }
    return false;
}

static void qvXMLCollectUnconsumed(xmlNodePtr node, GPtrArray *items, size_t *total)
{
    xmlNodePtr cur;
    xmlAttrPtr attr;

    for (attr = node->properties; attr; attr = attr->next) {
        if (attr->_private)
            continue;
        if ((*total)++ < 20)
            g_ptr_array_add(items, g_strdup_printf(_("line %ld: attribute '%s' of <%s>"),
                                                   xmlGetLineNo(node), (const char *)attr->name,
                                                   (const char *)node->name));
    }
    for (cur = node->children; cur; cur = cur->next) {
        if (cur->type != XML_ELEMENT_NODE)
            continue;
        if (cur->_private) {
            qvXMLCollectUnconsumed(cur, items, total);
            continue;
        }
        if ((*total)++ >= 20)
            continue;
        if (qvXMLHasConsumedTwin(cur))
            g_ptr_array_add(
                items, g_strdup_printf(_("line %ld: element <%s> in <%s> given more than once"),
                                       xmlGetLineNo(cur), (const char *)cur->name,
                                       (const char *)node->name));
        else
            g_ptr_array_add(items,
                            g_strdup_printf(_("line %ld: element <%s> in <%s>"), xmlGetLineNo(cur),
                                            (const char *)cur->name, (const char *)node->name));
    }
}

static gint qvXMLCompareItems(gconstpointer a, gconstpointer b)
{
    const char *x = *(const char *const *)a;
    const char *y = *(const char *const *)b;
    long lx = 0, ly = 0;

    /* items start "line N: " (or its translation, which keeps the number first) */
    sscanf(x + strcspn(x, "0123456789"), "%ld", &lx);
    sscanf(y + strcspn(y, "0123456789"), "%ld", &ly);
    return lx < ly ? -1 : lx > ly ? 1 : 0;
}

int qvXMLReportUnconsumed(xmlNodePtr root)
{
    g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);
    qvXMLCollector *c = qvXMLGetCollector();
    g_autofree char *list = NULL;
    const char *url;
    size_t total = 0;
    guint i;

    for (i = 0; c->items && i < c->items->len; i++) {
        if (total++ < 20)
            g_ptr_array_add(items, g_strdup(c->items->pdata[i]));
    }
    qvXMLCollectUnconsumed(root, items, &total);
    g_ptr_array_sort(items, qvXMLCompareItems);
    if (total == 0)
        return 0;
    if (total > items->len)
        g_ptr_array_add(items, g_strdup_printf(_("... and %zu more"), total - items->len));
    g_ptr_array_add(items, NULL);
    list = g_strjoinv("\n  ", (char **)items->pdata);
    url = root->doc && root->doc->URL ? (const char *)root->doc->URL : "(xml)";
    /* a plural form picked at run time; both forms take the same arguments */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    qvReportError(QV_ERR_CONFIG_UNSUPPORTED,
                  g_dngettext(GETTEXT_PACKAGE, "%s: %zu item is not supported by qvirt:\n  %s",
                              "%s: %zu items are not supported by qvirt:\n  %s", total),
                  url, total, list);
#pragma GCC diagnostic pop
    return -1;
}

/* ---- formatting ---- */

void qvBufferEscapeXML(GString *buf, const char *str)
{
    for (; *str; str++) {
        switch (*str) {
        case '<':
            g_string_append(buf, "&lt;");
            break;
        case '>':
            g_string_append(buf, "&gt;");
            break;
        case '&':
            g_string_append(buf, "&amp;");
            break;
        case '\'':
            g_string_append(buf, "&apos;");
            break;
        case '"':
            g_string_append(buf, "&quot;");
            break;
        case '\r':
            g_string_append(buf, "&#13;");
            break;
        default:
            g_string_append_c(buf, *str);
        }
    }
}

void qvBufferAddIndent(GString *buf, int indent)
{
    int i;

    for (i = 0; i < indent; i++)
        g_string_append_c(buf, ' ');
}

void qvBufferAddElement(GString *buf, int indent, const char *name, const char *text)
{
    if (!text)
        return;
    qvBufferAddIndent(buf, indent);
    g_string_append_printf(buf, "<%s>", name);
    qvBufferEscapeXML(buf, text);
    g_string_append_printf(buf, "</%s>\n", name);
}

void qvBufferAddNode(GString *buf, int indent, xmlNodePtr node)
{
    xmlBufferPtr xbuf = xmlBufferCreate();

    xmlNodeDump(xbuf, node->doc, node, indent / 2, 1);
    qvBufferAddIndent(buf, indent);
    g_string_append_len(buf, (const char *)xmlBufferContent(xbuf), xmlBufferLength(xbuf));
    g_string_append_c(buf, '\n');
    xmlBufferFree(xbuf);
}
