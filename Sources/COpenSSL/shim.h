#ifndef TUNNEL_COPENSSL_SHIM_H
#define TUNNEL_COPENSSL_SHIM_H
#include <openssl/evp.h>
#include <openssl/core_names.h>
#include <openssl/params.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#endif
