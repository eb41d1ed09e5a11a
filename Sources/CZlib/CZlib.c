// Forwarders to libz.so.1's compressBound, compress2 and crc32, opened on the first call.
#include "CZlib.h"
#include "lazy_library.h"

static void *zlib_library(void) {
    static void *handle;
    return plateshell_open_library(&handle, "libz.so.1", 0, "zlib1g");
}

typedef unsigned long bound_function(unsigned long);
typedef int compress_function(unsigned char *, unsigned long *, const unsigned char *, unsigned long, int);
typedef unsigned long crc_function(unsigned long, const unsigned char *, unsigned int);

unsigned long plateshell_zlib_compress_bound(unsigned long length) {
    static void *real;
    return ((bound_function *)plateshell_resolve(&real, zlib_library, "compressBound"))(length);
}

int plateshell_zlib_compress(unsigned char *destination, unsigned long *destination_length,
                             const unsigned char *source, unsigned long length, int level) {
    static void *real;
    return ((compress_function *)plateshell_resolve(&real, zlib_library, "compress2"))(
        destination, destination_length, source, length, level);
}

unsigned long plateshell_zlib_crc32(unsigned long crc, const unsigned char *bytes, unsigned int length) {
    static void *real;
    return ((crc_function *)plateshell_resolve(&real, zlib_library, "crc32"))(crc, bytes, length);
}
