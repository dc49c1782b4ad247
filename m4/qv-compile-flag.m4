dnl qv-compile-flag.m4: QV_CHECK_COMPILE_FLAG(FLAG, IF-OK, IF-NOT, EXTRA-FLAGS)
dnl Checks that the C compiler accepts FLAG (with EXTRA-FLAGS, e.g. -Werror, so that
dnl an unknown warning option is not silently ignored).
AC_DEFUN([QV_CHECK_COMPILE_FLAG], [
  AS_VAR_PUSHDEF([qv_var], [qv_cv_cflag_$4_$1])
  AC_CACHE_CHECK([whether $CC accepts $1], [qv_var], [
    qv_save_CFLAGS=$CFLAGS
    qv_save_LDFLAGS=$LDFLAGS
    CFLAGS="$CFLAGS $4 $1"
    LDFLAGS="$LDFLAGS $1"
    AC_LINK_IFELSE([AC_LANG_PROGRAM([], [[return 0;]])],
      [AS_VAR_SET([qv_var], [yes])], [AS_VAR_SET([qv_var], [no])])
    CFLAGS=$qv_save_CFLAGS
    LDFLAGS=$qv_save_LDFLAGS])
  AS_VAR_IF([qv_var], [yes], [$2], [$3])
  AS_VAR_POPDEF([qv_var])
])
