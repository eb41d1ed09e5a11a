// OpenSSL's libcrypto: SHA-256 digests of table versions, HMAC-SHA256 signatures of kernel messages.
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/hmac.h>
