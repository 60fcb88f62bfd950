/*
 * mmlab/export.h - the marker of the public API.
 *
 * libmmlab is compiled with -fvisibility=hidden, so the shared library exports only what a
 * public header declares with MMLAB_API: every function (and data object) a program may call.
 * Cross-file functions of the library stay hidden, so no program comes to depend on them and
 * they can change freely; the static library still resolves them for the tests and the CLI.
 * tests/api/check_exports.sh fails if the export table and the MMLAB_API declarations differ.
 */
#ifndef MMLAB_EXPORT_H
#define MMLAB_EXPORT_H

#if defined(__GNUC__) || defined(__clang__)
#define MMLAB_API __attribute__((visibility("default")))
#else
#define MMLAB_API
#endif

#endif /* MMLAB_EXPORT_H */
