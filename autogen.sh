#!/bin/sh
# autogen.sh: generate the configure script from a git checkout, then run it with
# whatever arguments were given (pass --no-configure to stop after generating).
set -e
srcdir=$(dirname "$0")
cd "$srcdir"
autopoint --force
autoreconf --install --force --warnings=all,no-obsolete
cd - >/dev/null
if [ "$1" = "--no-configure" ]; then
    exit 0
fi
exec "$srcdir/configure" "$@"
