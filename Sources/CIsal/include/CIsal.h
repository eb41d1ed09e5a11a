// Intel's ISA-L (igzip): the deflate stream of PNG files, and their CRC-32s.
#ifndef PLATESHELL_CISAL_H
#define PLATESHELL_CISAL_H

/// Compresses `length` bytes of `source` into a zlib stream (RFC 1950) at igzip's level 1, in
/// `destination` of `*destination_length` bytes. Returns 0 and sets `*destination_length` to the
/// stream's length; returns -1 when the stream does not fit, -2 when memory runs out, or igzip's
/// own (negative) status.
int plateshell_zlib_deflate(unsigned char *destination, unsigned long *destination_length,
                            const unsigned char *source, unsigned long length);

/// The CRC-32 of `length` bytes (zlib's and PNG's), continuing from `crc` (0 to start).
unsigned int plateshell_crc32(unsigned int crc, const unsigned char *bytes, unsigned long length);

#endif
