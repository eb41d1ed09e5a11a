#include "CIsal.h"
#include "lazy_library.h"
#include <isa-l/crc.h>
#include <isa-l/igzip_lib.h>
#include <stdlib.h>

static void *isal_library(void) {
    static void *handle;
    return plateshell_open_library(&handle, "libisal.so.2", 0, "libisal2");
}

PLATESHELL_FORWARD_VOID(isal_library, isal_deflate_stateless_init, (struct isal_zstream * stream), (stream))
PLATESHELL_FORWARD(isal_library, int, isal_deflate_stateless, (struct isal_zstream * stream), (stream))
PLATESHELL_FORWARD(isal_library, uint32_t, crc32_gzip_refl, (uint32_t crc, const unsigned char *bytes, uint64_t length),
                   (crc, bytes, length))

int plateshell_zlib_deflate(unsigned char *destination, unsigned long *destination_length,
                            const unsigned char *source, unsigned long length) {
    if (length > UINT32_MAX || *destination_length > UINT32_MAX) return -1;
    unsigned char *level_buffer = malloc(ISAL_DEF_LVL1_DEFAULT);
    if (level_buffer == NULL) return -2;
    struct isal_zstream stream;
    isal_deflate_stateless_init(&stream);
    stream.level = 1;
    stream.level_buf = level_buffer;
    stream.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
    stream.gzip_flag = IGZIP_ZLIB;
    stream.end_of_stream = 1;
    stream.flush = NO_FLUSH;
    stream.next_in = (uint8_t *)source;
    stream.avail_in = (uint32_t)length;
    stream.next_out = destination;
    stream.avail_out = (uint32_t)*destination_length;
    int status = isal_deflate_stateless(&stream);
    free(level_buffer);
    if (status != COMP_OK) return status; // STATELESS_OVERFLOW is -1
    *destination_length = stream.total_out;
    return 0;
}

unsigned int plateshell_crc32(unsigned int crc, const unsigned char *bytes, unsigned long length) {
    return crc32_gzip_refl(crc, bytes, length);
}
