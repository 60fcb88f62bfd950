#!/bin/sh
# check_exports_selftest.sh - check_exports.sh fails on each mistake it exists to catch.
#
# Usage: check_exports_selftest.sh NM LIBRARY INCLUDE_DIR
#
# Copies the public headers and breaks proc.h in one way at a time: mmlab_proc_print's marker
# removed, mmlab_proc_files's comment removed, mmlab_proc_print's declaration removed; a
# function and an extern object declared that nothing defines. check_exports.sh must fail with the matching message on each
# copy, and pass on the unbroken one.
set -eu

if [ $# -ne 3 ]; then
	echo "usage: $0 NM LIBRARY INCLUDE_DIR" >&2
	exit 2
fi
nm_tool=$1
lib=$2
incdir=$3
checker="$(dirname "$0")/check_exports.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0

# expect NAME STATUS MESSAGE SED-SCRIPT: run the checker on the headers with proc.h edited by
# SED-SCRIPT; it must exit with STATUS and print MESSAGE.
expect() {
	name=$1 status=$2 message=$3 script=$4
	rm -rf "$tmp/inc"
	cp -R "$incdir" "$tmp/inc"
	sed "$script" "$incdir/proc.h" >"$tmp/inc/proc.h"
	if cmp -s "$incdir/proc.h" "$tmp/inc/proc.h" && [ -n "$script" ]; then
		echo "FAIL $name: the edit did not change proc.h (was the declaration reworded?)"
		failures=$((failures + 1))
		return
	fi
	got=0
	sh "$checker" "$nm_tool" "$lib" "$tmp/inc" >"$tmp/out" 2>&1 || got=$?
	if [ "$got" -ne "$status" ] || ! grep -q "$message" "$tmp/out"; then
		echo "FAIL $name: wanted status $status and \"$message\"; got status $got:"
		sed 's/^/    /' "$tmp/out"
		failures=$((failures + 1))
	else
		echo "ok   $name"
	fi
}

expect "unbroken headers pass" 0 "they agree" ""
expect "a missing marker fails" 1 "mmlab_proc_print is declared without MMLAB_API" \
	's/^MMLAB_API int mmlab_proc_print(/int mmlab_proc_print(/'
expect "a missing comment fails" 1 "mmlab_proc_files has no contract comment" \
	'/^\/\* mmlab_proc_files - /d'
expect "an undeclared export fails" 1 "exports mmlab_proc_print, which no public header" \
	'/^MMLAB_API int mmlab_proc_print(/d'
expect "a declaration nothing exports fails" 1 "mmlab_no_such_function is declared but" \
	'/^#endif/i\
/* mmlab_no_such_function - declared, never defined. */\
MMLAB_API int mmlab_no_such_function(void);
'

expect "an object nothing exports fails" 1 "object mmlab_no_such_table is declared but" \
	'/^#endif/i\
/* mmlab_no_such_table - declared, never defined. */\
MMLAB_API extern const char *const mmlab_no_such_table[];
'

[ "$failures" -eq 0 ] || { echo "check_exports_selftest: $failures case(s) failed"; exit 1; }
echo "check_exports_selftest: check_exports.sh catches every case"
