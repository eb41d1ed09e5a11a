#include "lazy_library.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

void *plateshell_open_library(void **slot, const char *soname, int global, const char *package) {
    void *handle = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (handle) return handle;
    // Two threads may both get here first: dlopen counts references and returns the same handle.
    handle = dlopen(soname, RTLD_LAZY | (global ? RTLD_GLOBAL : RTLD_LOCAL));
    if (!handle) {
        fprintf(stderr, "plateshell: cannot load %s (%s); install the Debian package %s\n", soname, dlerror(), package);
        exit(70);
    }
    __atomic_store_n(slot, handle, __ATOMIC_RELEASE);
    return handle;
}

void *plateshell_resolve(void **slot, void *(*library)(void), const char *symbol) {
    void *address = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
    if (address) return address;
    address = dlsym(library(), symbol);
    if (!address) {
        fprintf(stderr, "plateshell: the loaded library has no %s (%s)\n", symbol, dlerror());
        exit(70);
    }
    __atomic_store_n(slot, address, __ATOMIC_RELEASE);
    return address;
}
