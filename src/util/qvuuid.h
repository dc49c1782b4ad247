/* qvuuid.h: UUID parsing, formatting and random generation. */
#pragma once

#include "internal.h"

int qvUUIDGenerate(unsigned char *uuid);
/* libvirt's syntax: 32 hex digits, '-' allowed between pairs, surrounding blanks ignored. */
int qvUUIDParse(const char *str, unsigned char *uuid);
char *qvUUIDFormat(const unsigned char *uuid, char *buf);
bool qvUUIDIsNull(const unsigned char *uuid);
