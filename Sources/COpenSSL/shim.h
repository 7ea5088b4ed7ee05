// OpenSSL's libcrypto (Debian's libssl-dev), for the AES-256-GCM that seals chunks
// (Sources/VaultCrypto/Chunks/AEADCipher.swift). Only the EVP cipher interface is used.
#include <openssl/evp.h>
#include <openssl/crypto.h>
