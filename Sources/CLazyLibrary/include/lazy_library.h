// Shared libraries opened on first use rather than at start-up: a C function defined with
// PLATESHELL_FORWARD has the library's own name and prototype, so callers (and the Swift code
// that imports the library's header) are unchanged; its first call opens the library and looks
// the function up, later calls go straight to it.
#ifndef PLATESHELL_LAZY_LIBRARY_H
#define PLATESHELL_LAZY_LIBRARY_H

/// Opens `soname` once and keeps its handle in `*slot` (RTLD_GLOBAL when `global`, so that
/// libraries opened later resolve their symbols in it first). When it cannot be opened, says why
/// and which Debian package provides it on standard error, and exits with status 70.
void *plateshell_open_library(void **slot, const char *soname, int global, const char *package);

/// The address of `symbol` in the library `library()` opens, looked up on the first call and
/// kept in `*slot`; exits with status 70, naming it, when it is missing.
void *plateshell_resolve(void **slot, void *(*library)(void), const char *symbol);

/// Defines `ret name params` as a call of the same function in the library `library()` opens.
#define PLATESHELL_FORWARD(library, ret, name, params, args)                                       \
    ret name params {                                                                              \
        static void *real;                                                                         \
        return ((__typeof__(name) *)plateshell_resolve(&real, library, #name)) args;               \
    }

/// PLATESHELL_FORWARD for a function that returns nothing.
#define PLATESHELL_FORWARD_VOID(library, name, params, args)                                       \
    void name params {                                                                             \
        static void *real;                                                                         \
        ((__typeof__(name) *)plateshell_resolve(&real, library, #name)) args;                      \
    }

#endif
