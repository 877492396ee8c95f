#ifndef NMT_CCRYPTO_SHIM_H
#define NMT_CCRYPTO_SHIM_H
#include <openssl/evp.h>
#endif
