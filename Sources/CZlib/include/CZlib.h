// zlib's one-shot compression and CRC-32, for the PNG files PlateShell writes (see
// Engine/Plot/PNGEncoder.swift). libz.so.1 is opened on the first call (see lazy_library.h);
// the functions have PlateShell's own names, so they never stand in for zlib's in other libraries.
#ifndef PLATESHELL_CZLIB_H
#define PLATESHELL_CZLIB_H

/// zlib's compressBound: the most bytes plateshell_zlib_compress can write for `length` input bytes.
unsigned long plateshell_zlib_compress_bound(unsigned long length);

/// zlib's compress2: `source` as one zlib stream at `level` (0–9) into `destination`, whose
/// capacity `*destination_length` holds on entry and whose used length it holds on return.
/// Returns zlib's status (0 is Z_OK).
int plateshell_zlib_compress(unsigned char *destination, unsigned long *destination_length,
                             const unsigned char *source, unsigned long length, int level);

/// zlib's crc32: `crc` updated with `length` bytes at `bytes` (start with 0).
unsigned long plateshell_zlib_crc32(unsigned long crc, const unsigned char *bytes, unsigned int length);

#endif
