#!/usr/bin/env python3
"""Recomputes the format-2 sealed-chunk test vectors of docs/FORMAT.md §9.2.1 independently of
VaultCrypto: AES-256-GCM and ChaCha20-Poly1305 from `cryptography` (OpenSSL), HChaCha20 written
out here (checked against draft-irtf-cfrg-xchacha-03 §2.2.1), SHA-256 from hashlib.

    python3 scripts/format-vectors.py        # prints the vectors; needs `pip install cryptography`
"""
import hashlib
import struct

from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

DATA_KEY = bytes(range(0x00, 0x20))
RECORDING_ID = bytes(range(0xA0, 0xB0))


def rotl(v, n):
    return ((v << n) & 0xFFFFFFFF) | (v >> (32 - n))


def hchacha20(key, nonce16):
    s = list(struct.unpack("<4I", b"expand 32-byte k")) + list(struct.unpack("<8I", key)) + list(struct.unpack("<4I", nonce16))

    def qr(a, b, c, d):
        s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = rotl(s[d] ^ s[a], 16)
        s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = rotl(s[b] ^ s[c], 12)
        s[a] = (s[a] + s[b]) & 0xFFFFFFFF; s[d] = rotl(s[d] ^ s[a], 8)
        s[c] = (s[c] + s[d]) & 0xFFFFFFFF; s[b] = rotl(s[b] ^ s[c], 7)

    for _ in range(10):
        qr(0, 4, 8, 12); qr(1, 5, 9, 13); qr(2, 6, 10, 14); qr(3, 7, 11, 15)
        qr(0, 5, 10, 15); qr(1, 6, 11, 12); qr(2, 7, 8, 13); qr(3, 4, 9, 14)
    return struct.pack("<8I", *(s[0:4] + s[12:16]))


# draft-irtf-cfrg-xchacha-03 §2.2.1
assert hchacha20(bytes(range(32)), bytes.fromhex("000000090000004a0000000031415927")).hex() == \
    "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc"


def aead(algorithm, key, nonce, plaintext, ad):
    """Returns (ciphertext, tag)."""
    if algorithm == 1:
        out = AESGCM(key).encrypt(nonce, plaintext, ad)
    else:
        subkey = hchacha20(key, nonce[:16])
        out = ChaCha20Poly1305(subkey).encrypt(b"\0\0\0\0" + nonce[16:24], plaintext, ad)
    return out[:-16], out[-16:]


def header(version, algorithm, shift, index, length, last):
    return (b"SVCK" + bytes([version, algorithm, shift, 0]) + RECORDING_ID + struct.pack(">QI", index, length)
            + bytes([1 if last else 0, 0, 0, 0]))


def nonce(algorithm, index, last, segment):
    n = struct.pack(">Q", index) + bytes([1 if last else 0]) + segment.to_bytes(3, "big")
    return n + bytes((12 if algorithm == 1 else 24) - len(n))


def seal_v2(algorithm, shift, index, last, plaintext):
    size = 1 << shift
    h = header(2, algorithm, shift, index, len(plaintext), last)
    segments = max(1, -(-len(plaintext) // size))
    body, tags = b"", b""
    for j in range(segments):
        c, t = aead(algorithm, DATA_KEY, nonce(algorithm, index, last, j), plaintext[j * size:(j + 1) * size], h)
        body += c
        tags += t
    return h, tags, h + body + tags


def main():
    # The script's own check: it reproduces a format-1 vector of §9.2 (format 1 = one segment, number 0).
    h = header(1, 1, 0, 1, 36, True)
    c, t = aead(1, DATA_KEY, nonce(1, 1, True, 0), b"SessionVault test vector, last chunk", h)
    assert t.hex() == "ab5c0c62143c8aebcce5ed45e23d7c32", t.hex()
    for algorithm, name in ((1, "aes256gcm"), (2, "xchacha20poly1305")):
        plaintext = bytes(i % 251 for i in range(4120))
        h, tags, sealed = seal_v2(algorithm, 12, 1, True, plaintext)
        print(f"{name}, format 2, 4 KiB segments, index 1, last = true, plaintext byte i = i mod 251, 4120 bytes")
        print("  header:", h.hex())
        print("  ciphertext, first 16 bytes:", sealed[40:56].hex())
        print("  ciphertext, last 16 bytes:", sealed[40 + 4120 - 16:40 + 4120].hex())
        print("  tags:", tags.hex())
        print("  sealed size:", len(sealed))
        print("  SHA-256 of the sealed chunk:", hashlib.sha256(sealed).hexdigest())
        h, tags, sealed = seal_v2(algorithm, 16, 2, True, b"")
        print(f"{name}, format 2, 64 KiB segments, index 2, last = true, empty")
        print("  sealed chunk:", sealed.hex())


if __name__ == "__main__":
    main()
