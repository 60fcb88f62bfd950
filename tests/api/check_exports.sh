#!/bin/sh
# check_exports.sh - the shared library exports exactly the documented public API.
#
# Usage: check_exports.sh NM LIBRARY INCLUDE_DIR
#
# Reads every declaration at file scope in INCLUDE_DIR/*.h (the public headers) and every
# dynamic symbol LIBRARY defines (NM -D --defined-only), and fails if
#   - a function or extern object is declared without MMLAB_API (it would not be exported),
#   - a declaration has no contract comment: the comment that ends on the line right above it,
#     or above the run of declarations it belongs to (no blank line in between), must name it,
#   - a declared symbol is not exported (no marker reached the definition, or nothing in src/
#     defines it any more),
#   - an exported symbol is not declared in a public header (an internal symbol leaked).
# The only symbols it lets through undeclared are the ones the linker itself may put in the
# dynamic table (_init, _fini, _edata, _end, __bss_start); it names any it sees.
#
# Static inline functions, macros, types and forward declarations are not symbols and are
# skipped. Exit status: 0 if the export table and the headers agree, 1 if not, 2 on bad usage.
set -eu
export LC_ALL=C	# one collation for sort and comm

if [ $# -ne 3 ]; then
	echo "usage: $0 NM LIBRARY INCLUDE_DIR" >&2
	exit 2
fi
nm_tool=$1
lib=$2
incdir=$3
[ -f "$lib" ] || { echo "check_exports: no library at $lib" >&2; exit 2; }
set -- "$incdir"/*.h
[ -f "$1" ] || { echo "check_exports: no headers in $incdir" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The dynamic symbols the library defines, one name a line (version suffixes dropped).
"$nm_tool" -D --defined-only "$lib" | awk 'NF >= 3 { sub(/@.*/, "", $3); print $3 }' |
	sort -u >"$tmp/exported"
[ -s "$tmp/exported" ] || { echo "check_exports: $lib exports nothing" >&2; exit 1; }

# One line per declaration: NAME MARKED DOCUMENTED FILE:LINE KIND.
awk '
function reset_stmt() { stmt = ""; stmt_line = 0; depth = 0 }
function is_ident(c) { return c ~ /[A-Za-z0-9_]/ }
# True if @text mentions @name as a whole identifier.
function names(text, name,    pos, rest, before, after) {
	rest = text
	while ((pos = index(rest, name)) > 0) {
		before = pos > 1 ? substr(rest, pos - 1, 1) : " "
		after = substr(rest, pos + length(name), 1)
		if (!is_ident(before) && !is_ident(after))
			return 1
		rest = substr(rest, pos + length(name))
	}
	return 0
}
# The last identifier of @s.
function last_ident(s,    i, c, end) {
	for (i = length(s); i > 0 && !is_ident(substr(s, i, 1)); i--)
		;
	end = i
	for (; i > 0 && is_ident(substr(s, i, 1)); i--)
		;
	return substr(s, i + 1, end - i)
}
function finish_stmt(endline,    s, head, name, kind, marked, documented, p) {
	s = stmt
	gsub(/[ \t]+/, " ", s)
	sub(/^ /, "", s)
	prev_end = endline
	prev_doc = stmt_doc
	marked = 0
	if (s ~ /^MMLAB_API /) {
		marked = 1
		s = substr(s, 11)
	}
	if (s ~ /^(typedef|static|_Static_assert|static_assert)[ (]/ || s ~ /\{/) {
		reset_stmt()
		return
	}
	p = index(s, "(")
	if (p > 0) {
		kind = "function"
		head = substr(s, 1, p - 1)
	} else if (s ~ /^extern /) {
		kind = "object"
		head = s
		sub(/[[=;].*/, "", head)
	} else {
		reset_stmt()	# a forward declaration such as "struct machine;"
		return
	}
	name = last_ident(head)
	documented = names(stmt_doc, name)
	printf "%s %d %d %s:%d %s\n", name, marked, documented, file, stmt_line, kind
	reset_stmt()
}
FNR == 1 {
	file = FILENAME
	sub(/.*\//, "", file)
	in_comment = 0; comment = ""; comment_end = -1; prev_end = -1; prev_doc = ""; in_pp = 0
	reset_stmt()
}
{
	line = $0
	code = ""
	# Split the line into code and comment text.
	while (line != "") {
		if (in_comment) {
			p = index(line, "*/")
			if (p == 0) {
				comment = comment " " line
				line = ""
			} else {
				comment = comment " " substr(line, 1, p - 1)
				line = substr(line, p + 2)
				in_comment = 0
				comment_end = FNR
			}
		} else {
			p = index(line, "/*")
			q = index(line, "//")
			if (q > 0 && (p == 0 || q < p)) {
				code = code substr(line, 1, q - 1)
				line = ""
			} else if (p > 0) {
				code = code substr(line, 1, p - 1) " "
				line = substr(line, p + 2)
				in_comment = 1
				comment = ""
			} else {
				code = code line
				line = ""
			}
		}
	}
	# Preprocessor lines, with their continuations, are not declarations.
	if (in_pp || (stmt == "" && code ~ /^[ \t]*#/)) {
		in_pp = code ~ /\\[ \t]*$/
		next
	}
	# A macro that expands to definitions, invoked on a line of its own (PAGEFLAG_OPS(...)).
	if (stmt == "" && code ~ /^[A-Z_][A-Z0-9_]*\(.*\)[ \t]*$/)
		next
	for (i = 1; i <= length(code); i++) {
		c = substr(code, i, 1)
		if (stmt == "" && c ~ /[ \t]/)
			continue
		if (stmt == "") {
			stmt_line = FNR
			if (comment_end == FNR - 1 || comment_end == FNR)
				stmt_doc = comment
			else if (prev_end == FNR - 1)
				stmt_doc = prev_doc
			else
				stmt_doc = ""
		}
		stmt = stmt c
		if (c == "{") {
			depth++
		} else if (c == "}") {
			depth--
			# The end of a function body: a definition, not followed by ";".
			if (depth == 0 && index(stmt, "(") > 0 && index(stmt, "(") < index(stmt, "{"))
				finish_stmt(FNR)
		} else if (c == ";" && depth == 0) {
			finish_stmt(FNR)
		}
	}
	if (stmt != "")
		stmt = stmt " "
}
' "$@" | sort >"$tmp/declared"

status=0
while read -r name marked documented where kind; do
	if [ "$marked" -ne 1 ]; then
		echo "$where: $kind $name is declared without MMLAB_API"
		status=1
	fi
	if [ "$documented" -ne 1 ]; then
		echo "$where: $kind $name has no contract comment naming it right above its declaration"
		status=1
	fi
	if ! grep -qx "$name" "$tmp/exported"; then
		echo "$where: $kind $name is declared but $lib does not export it"
		status=1
	fi
done <"$tmp/declared"

cut -d' ' -f1 "$tmp/declared" | sort -u >"$tmp/declared_names"
linker_symbols="_init _fini _edata _end __bss_start"
for name in $(comm -23 "$tmp/exported" "$tmp/declared_names"); do
	case " $linker_symbols " in
	*" $name "*)
		echo "note: ignoring the linker-defined symbol $name"
		continue
		;;
	esac
	echo "$lib exports $name, which no public header declares"
	status=1
done

ndecl=$(wc -l <"$tmp/declared")
nexp=$(wc -l <"$tmp/exported")
if [ "$status" -eq 0 ]; then
	echo "check_exports: $nexp exported symbols, $ndecl documented public declarations: they agree"
else
	echo "check_exports: FAILED ($nexp exported symbols, $ndecl public declarations)"
fi
exit "$status"
