// Cryptographic and encoding helpers shared by the platform adapters.
//
// Thin, allocation-returning wrappers over OpenSSL 3 EVP, so that each adapter states its
// platform's scheme (WeCom's SHA1 over sorted strings and AES-256-CBC with 32-byte PKCS#7,
// Feishu's SHA-256 key derivation, OneBot's HMAC-SHA1, DingTalk's HMAC-SHA256) in a few lines
// instead of managing OpenSSL contexts. Everything that decodes attacker-supplied bytes
// returns a StatusOr and never crashes on malformed input. Every secret or signature
// comparison goes through ConstantTimeEquals. All functions are thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "gateway/core/status.h"

namespace gridrelay::crypto {

// Digests. The *Hex forms are lower-case hex; the others return raw bytes.
std::string Sha1(std::string_view data);        // 20 bytes
std::string Sha1Hex(std::string_view data);
std::string Sha256(std::string_view data);      // 32 bytes
std::string Sha256Hex(std::string_view data);
std::string HmacSha1(std::string_view key, std::string_view data);    // 20 bytes
std::string HmacSha256(std::string_view key, std::string_view data);  // 32 bytes

// Lower-case hex of arbitrary bytes.
std::string HexEncode(std::string_view bytes);

// Standard alphabet (+ /), with '=' padding.
std::string Base64Encode(std::string_view bytes);
// Strict: the length must be a multiple of 4, only the standard alphabet, at most two
// trailing '='. Whitespace is not accepted. kInvalidArgument otherwise.
StatusOr<std::string> Base64Decode(std::string_view b64);

// Percent-encodes everything except the RFC 3986 unreserved set (A-Z a-z 0-9 - _ . ~),
// upper-case hex: safe for query values.
std::string UrlEncode(std::string_view s);

// AES-256-CBC. key32 must be 32 bytes and iv16 16 bytes (kInvalidArgument otherwise).
// openssl_padding=true applies/strips PKCS#7 over 16-byte blocks; false leaves padding to the
// caller (then the plaintext, resp. ciphertext, must be a non-empty multiple of 16 bytes).
// A decryption failure (bad padding, wrong length) is kInvalidArgument.
StatusOr<std::string> Aes256CbcEncrypt(std::string_view key32, std::string_view iv16,
                                       std::string_view plaintext, bool openssl_padding);
StatusOr<std::string> Aes256CbcDecrypt(std::string_view key32, std::string_view iv16,
                                       std::string_view ciphertext, bool openssl_padding);

// Constant-time in the content (CRYPTO_memcmp); returns false at once when the lengths
// differ, which leaks only the length, as every signature here has a public fixed length.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// n bytes from the OpenSSL CSPRNG. Aborts if the CSPRNG fails, which only happens when the
// system has no entropy source at all.
std::string RandomBytes(size_t n);

}  // namespace gridrelay::crypto
