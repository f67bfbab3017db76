// OpenSSL 3 EVP implementations of the helpers in crypto.h.
#include "util/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <cstdint>
#include <cstdlib>
#include <memory>

namespace gridrelay::crypto {
namespace {

const unsigned char* Bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

// OpenSSL 3 looks an algorithm up (under a lock) on every use of EVP_sha1() and friends;
// fetching once keeps that off the per-callback path. Fetched objects live for the process.
const EVP_MD* FetchedMd(const char* name) {
  const EVP_MD* md = EVP_MD_fetch(nullptr, name, nullptr);
  if (md == nullptr) std::abort();  // SHA-1/SHA-256 missing means a broken OpenSSL install
  return md;
}
const EVP_MD* Sha1Md() {
  static const EVP_MD* md = FetchedMd("SHA1");
  return md;
}
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = FetchedMd("SHA256");
  return md;
}
const EVP_CIPHER* Aes256CbcCipher() {
  static const EVP_CIPHER* cipher = [] {
    const EVP_CIPHER* c = EVP_CIPHER_fetch(nullptr, "AES-256-CBC", nullptr);
    if (c == nullptr) std::abort();
    return c;
  }();
  return cipher;
}

std::string Digest(const EVP_MD* md, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // EVP_Digest only fails on allocation failure; an empty result then surfaces as a
  // signature mismatch rather than a crash.
  if (EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1) return {};
  return std::string(reinterpret_cast<char*>(out), len);
}

std::string Hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  // HMAC() rejects a null key pointer even with length 0.
  static const unsigned char kEmpty = 0;
  const unsigned char* k = key.empty() ? &kEmpty : Bytes(key);
  if (HMAC(md, k, static_cast<int>(key.size()), Bytes(data), data.size(), out, &len) == nullptr) {
    return {};
  }
  return std::string(reinterpret_cast<char*>(out), len);
}

constexpr char kBase64Alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

constexpr std::array<int8_t, 256> MakeBase64Table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 64; ++i) t[static_cast<unsigned char>(kBase64Alphabet[i])] = static_cast<int8_t>(i);
  return t;
}
constexpr std::array<int8_t, 256> kBase64Table = MakeBase64Table();

struct CipherCtxDeleter {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxDeleter>;

StatusOr<std::string> Aes256Cbc(bool encrypt, std::string_view key32, std::string_view iv16,
                                std::string_view input, bool openssl_padding) {
  if (key32.size() != 32) {
    return Status::InvalidArgument("AES-256 key must be 32 bytes, got " + std::to_string(key32.size()));
  }
  if (iv16.size() != 16) {
    return Status::InvalidArgument("AES IV must be 16 bytes, got " + std::to_string(iv16.size()));
  }
  if (!openssl_padding && (input.empty() || input.size() % 16 != 0)) {
    return Status::InvalidArgument("AES-CBC input without padding must be a non-empty multiple of 16 bytes, got " +
                                   std::to_string(input.size()));
  }
  if (!encrypt && openssl_padding && (input.empty() || input.size() % 16 != 0)) {
    return Status::InvalidArgument("AES-CBC ciphertext must be a non-empty multiple of 16 bytes, got " +
                                   std::to_string(input.size()));
  }
  if (input.size() > static_cast<size_t>(INT32_MAX) - 32) {
    return Status::PayloadTooLarge("AES-CBC input too large");
  }
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx) return Status::Internal("EVP_CIPHER_CTX_new failed");
  if (EVP_CipherInit_ex(ctx.get(), Aes256CbcCipher(), nullptr, Bytes(key32), Bytes(iv16), encrypt ? 1 : 0) != 1) {
    return Status::Internal("EVP_CipherInit_ex failed");
  }
  EVP_CIPHER_CTX_set_padding(ctx.get(), openssl_padding ? 1 : 0);
  std::string out(input.size() + 16, '\0');
  int n1 = 0;
  int n2 = 0;
  auto* o = reinterpret_cast<unsigned char*>(out.data());
  if (EVP_CipherUpdate(ctx.get(), o, &n1, Bytes(input), static_cast<int>(input.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), o + n1, &n2) != 1) {
    return Status::InvalidArgument(encrypt ? "AES-CBC encryption failed" : "AES-CBC decryption failed (bad padding)");
  }
  out.resize(static_cast<size_t>(n1 + n2));
  return out;
}

}  // namespace

std::string Sha1(std::string_view data) { return Digest(Sha1Md(), data); }
std::string Sha1Hex(std::string_view data) { return HexEncode(Sha1(data)); }
std::string Sha256(std::string_view data) { return Digest(Sha256Md(), data); }
std::string Sha256Hex(std::string_view data) { return HexEncode(Sha256(data)); }
std::string HmacSha1(std::string_view key, std::string_view data) { return Hmac(Sha1Md(), key, data); }
std::string HmacSha256(std::string_view key, std::string_view data) { return Hmac(Sha256Md(), key, data); }

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xF]);
  }
  return out;
}

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint32_t{static_cast<unsigned char>(bytes[i])} << 16) |
                 (uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8) |
                 uint32_t{static_cast<unsigned char>(bytes[i + 2])};
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(kBase64Alphabet[(v >> 6) & 63]);
    out.push_back(kBase64Alphabet[v & 63]);
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{static_cast<unsigned char>(bytes[i])} << 16;
    if (rest == 2) v |= uint32_t{static_cast<unsigned char>(bytes[i + 1])} << 8;
    out.push_back(kBase64Alphabet[(v >> 18) & 63]);
    out.push_back(kBase64Alphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kBase64Alphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

StatusOr<std::string> Base64Decode(std::string_view b64) {
  if (b64.size() % 4 != 0) {
    return Status::InvalidArgument("base64: length " + std::to_string(b64.size()) + " is not a multiple of 4");
  }
  size_t pad = 0;
  if (!b64.empty() && b64.back() == '=') ++pad;
  if (b64.size() >= 2 && b64[b64.size() - 2] == '=') ++pad;
  const size_t data_chars = b64.size() - pad;
  std::string out(b64.size() / 4 * 3 - pad, '\0');
  char* o = out.data();
  // Whole quanta first (the hot loop: ciphertexts are kilobytes), then the padded tail.
  const size_t whole = pad > 0 ? data_chars - (4 - pad) : data_chars;
  for (size_t i = 0; i < whole; i += 4) {
    const int32_t a = kBase64Table[static_cast<unsigned char>(b64[i])];
    const int32_t b = kBase64Table[static_cast<unsigned char>(b64[i + 1])];
    const int32_t c = kBase64Table[static_cast<unsigned char>(b64[i + 2])];
    const int32_t d = kBase64Table[static_cast<unsigned char>(b64[i + 3])];
    if ((a | b | c | d) < 0) {
      return Status::InvalidArgument("base64: invalid character in quantum at offset " + std::to_string(i));
    }
    const uint32_t v = (static_cast<uint32_t>(a) << 18) | (static_cast<uint32_t>(b) << 12) |
                       (static_cast<uint32_t>(c) << 6) | static_cast<uint32_t>(d);
    *o++ = static_cast<char>((v >> 16) & 0xFF);
    *o++ = static_cast<char>((v >> 8) & 0xFF);
    *o++ = static_cast<char>(v & 0xFF);
  }
  if (pad > 0) {
    uint32_t acc = 0;
    for (size_t i = whole; i < data_chars; ++i) {
      const int8_t v = kBase64Table[static_cast<unsigned char>(b64[i])];
      if (v < 0) return Status::InvalidArgument("base64: invalid character at offset " + std::to_string(i));
      acc = (acc << 6) | static_cast<uint32_t>(v);
    }
    if (pad == 2) {
      // Two data characters carry one byte; the low 4 bits must be zero (canonical form).
      if (acc & 0xF) return Status::InvalidArgument("base64: non-canonical trailing bits");
      *o++ = static_cast<char>((acc >> 4) & 0xFF);
    } else {
      if (acc & 0x3) return Status::InvalidArgument("base64: non-canonical trailing bits");
      *o++ = static_cast<char>((acc >> 10) & 0xFF);
      *o++ = static_cast<char>((acc >> 2) & 0xFF);
    }
  }
  return out;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3);
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xF]);
    }
  }
  return out;
}

StatusOr<std::string> Aes256CbcEncrypt(std::string_view key32, std::string_view iv16,
                                       std::string_view plaintext, bool openssl_padding) {
  return Aes256Cbc(true, key32, iv16, plaintext, openssl_padding);
}

StatusOr<std::string> Aes256CbcDecrypt(std::string_view key32, std::string_view iv16,
                                       std::string_view ciphertext, bool openssl_padding) {
  return Aes256Cbc(false, key32, iv16, ciphertext, openssl_padding);
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::string RandomBytes(size_t n) {
  std::string out(n, '\0');
  if (n > 0 && RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n)) != 1) {
    // A gateway that cannot draw random nonces must not carry on with predictable ones.
    std::abort();
  }
  return out;
}

}  // namespace gridrelay::crypto
