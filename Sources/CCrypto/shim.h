// OpenSSL's libcrypto, used for SHA-256 digests of table versions.
#include <openssl/evp.h>
#include <openssl/sha.h>
