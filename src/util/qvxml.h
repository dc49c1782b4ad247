/* qvxml.h: safe XML parsing of untrusted input, RelaxNG validation, and element/attribute
 * accessors that remember what was read so that everything left over can be reported. */
#pragma once

#include <libxml/tree.h>

#include "internal.h"

#define QV_XML_MAX_BYTES (10 * 1024 * 1024)

/*
 * Parse untrusted XML: no network, no DTD (a DOCTYPE is an error, which also rules out
 * entity expansion), at most maxBytes. url names the document in messages
 * ("url:line: ..."). Returns NULL with an error reported.
 */
xmlDocPtr qvXMLParseString(const char *xml, const char *url, size_t maxBytes);

/* Validate against a RelaxNG schema file (compiled once and cached). */
int qvXMLValidate(xmlDocPtr doc, const char *schemaPath);

/* "url:line" of a node, for messages. */
char *qvXMLNodeLocation(xmlNodePtr node);
void qvXMLReportNodeError(int code, xmlNodePtr node, const char *fmt, ...) G_GNUC_PRINTF(3, 4);

/* Accessors; each marks what it reads as consumed. */
xmlNodePtr qvXMLChild(xmlNodePtr parent, const char *name);
size_t qvXMLChildren(xmlNodePtr parent, const char *name, xmlNodePtr **list);
char *qvXMLProp(xmlNodePtr node, const char *name);
char *qvXMLText(xmlNodePtr node); /* trimmed text content, "" when empty */
char *qvXMLChildText(xmlNodePtr parent, const char *name); /* NULL when absent */
void qvXMLMarkTree(xmlNodePtr node); /* an element and everything below it */
void qvXMLMarkConsumed(xmlNodePtr node);

typedef int (*qvEnumFromStringFunc)(const char *str);
typedef const char *(*qvEnumToStringFunc)(int val);

typedef enum {
    QV_XML_REQUIRED = 1 << 0, /* absence is an error */
    QV_XML_NONZERO = 1 << 1, /* the enum's value 0 ("default"/"none") is not accepted */
} qvXMLPropFlags;

/* Return 1 when present and valid, 0 when absent (and not required), -1 on error. */
int qvXMLPropEnum(xmlNodePtr node, const char *name, qvEnumFromStringFunc from,
                  qvEnumToStringFunc to, unsigned int flags, int *val);
int qvXMLPropUInt(xmlNodePtr node, const char *name, unsigned int flags, unsigned int *val);
int qvXMLPropInt(xmlNodePtr node, const char *name, unsigned int flags, int *val);
/* An attribute that has one supported value (e.g. type='user'); anything else is
 * reported as unsupported, naming the supported value. */
int qvXMLPropFixed(xmlNodePtr node, const char *name, const char *expected, unsigned int flags);
int qvXMLPropBool(xmlNodePtr node, const char *name, const char *yes, const char *no,
                  unsigned int flags, bool *val);
int qvXMLParseULL(xmlNodePtr node, const char *what, const char *str, unsigned long long *val);
int qvXMLParseUInt(xmlNodePtr node, const char *what, const char *str, unsigned int *val);

/*
 * Report every element and attribute under root that no accessor consumed, with its
 * line, as one QV_ERR_CONFIG_UNSUPPORTED error, together with the unsupported values
 * collected meanwhile. Returns 0 when nothing is left over.
 */
int qvXMLReportUnconsumed(xmlNodePtr root);

/*
 * While a document is parsed (between Begin and End, which nest), a part whose parse
 * failed only because something in it is unsupported can be set aside with
 * qvXMLCollectUnsupported(): the error joins the final list, node and everything below
 * it count as read, and parsing goes on. So one pass names everything unsupported.
 * Returns false (the error stays) for any other failure.
 */
void qvXMLCollectBegin(void);
void qvXMLCollectEnd(void);
bool qvXMLCollectUnsupported(xmlNodePtr node);

/* Escaping for formatting. */
void qvBufferEscapeXML(GString *buf, const char *str);
void qvBufferAddIndent(GString *buf, int indent);
/* Append "<name>escaped text</name>\n" at indent when text is non-NULL. */
void qvBufferAddElement(GString *buf, int indent, const char *name, const char *text);
/* Append a node (and its subtree) formatted at the given indentation. */
void qvBufferAddNode(GString *buf, int indent, xmlNodePtr node);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(xmlDoc, xmlFreeDoc)
