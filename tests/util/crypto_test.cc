// Tests for util/crypto: published vectors (RFC 2202, RFC 4231, RFC 4648,
// NIST SP 800-38A) and the edge cases hostile input hits (bad base64, wrong key sizes).
#include "util/crypto.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace gridrelay::crypto {
namespace {

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

TEST_SUITE("crypto") {

TEST_CASE("digests match the FIPS 180 examples") {
  CHECK(Sha1Hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(Sha1Hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256("abc") == FromHex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
  CHECK(Sha1("abc").size() == 20);
}

struct HmacVector {
  const char* name;
  std::string key;
  std::string data;
  const char* sha1_hex;    // RFC 2202, or nullptr
  const char* sha256_hex;  // RFC 4231, or nullptr
};

TEST_CASE("HMAC matches the RFC 2202 and RFC 4231 vectors") {
  const std::vector<HmacVector> vectors = {
      {"case 1", std::string(20, '\x0b'), "Hi There", "b617318655057264e28bc0b6fb378c8ef146be00",
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {"case 2", "Jefe", "what do ya want for nothing?", "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {"case 3", std::string(20, '\xaa'), std::string(50, '\xdd'), "125d7342b9ac11cd91a39af48aa17b4f63f175d3",
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {"sha1 key longer than a block", std::string(80, '\xaa'),
       "Test Using Larger Than Block-Size Key - Hash Key First", "aa4ae5e15272d00e95705637ce8a3b55ed402112", nullptr},
      {"sha256 key longer than a block", std::string(131, '\xaa'),
       "Test Using Larger Than Block-Size Key - Hash Key First", nullptr,
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
  };
  for (const auto& v : vectors) {
    CAPTURE(v.name);
    if (v.sha1_hex != nullptr) CHECK(HexEncode(HmacSha1(v.key, v.data)) == v.sha1_hex);
    if (v.sha256_hex != nullptr) CHECK(HexEncode(HmacSha256(v.key, v.data)) == v.sha256_hex);
  }
}

TEST_CASE("HMAC accepts an empty key and an empty message") {
  // The Feishu custom-bot signature is an HMAC over an empty message.
  CHECK(HexEncode(HmacSha256("", "")) == "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  CHECK(HexEncode(HmacSha1("", "")) == "fbdb1d1b18aa6c08324b7d64b71fb76370690e1d");
}

TEST_CASE("base64 round-trips the RFC 4648 examples") {
  const std::vector<std::pair<std::string, std::string>> table = {
      {"", ""}, {"f", "Zg=="}, {"fo", "Zm8="}, {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
      {std::string("\xfb\xff\xbf", 3), "+/+/"},
  };
  for (const auto& [plain, encoded_binding] : table) {
    const std::string& encoded = encoded_binding;  // clang 14 cannot capture a structured binding (CAPTURE)
    CAPTURE(encoded);
    CHECK(Base64Encode(plain) == encoded);
    auto decoded = Base64Decode(encoded);
    REQUIRE(decoded.ok());
    CHECK(*decoded == plain);
  }
}

TEST_CASE("base64 decoding rejects malformed input") {
  const std::vector<std::string> bad = {
      "Zg=",       // length not a multiple of 4
      "Zg",        // unpadded
      "Z===",      // too much padding
      "Zm9v\n",    // whitespace
      "Zm 9",      // space inside
      "Zm-_",      // URL-safe alphabet
      "Z=g=",      // padding in the middle
      "=Zg=",      // leading padding
      "Zh==",      // non-canonical trailing bits
      "Zm9=",      // non-canonical trailing bits
      std::string("Zm\0v", 4),
      "\xff\xff\xff\xff",
  };
  for (const auto& b : bad) {
    CAPTURE(b);
    auto decoded = Base64Decode(b);
    CHECK_FALSE(decoded.ok());
    CHECK(decoded.status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("base64 round-trips every byte value at every length up to a few blocks") {
  std::string bytes;
  for (int i = 0; i < 300; ++i) bytes.push_back(static_cast<char>((i * 131 + 7) & 0xFF));
  for (size_t n = 0; n <= bytes.size(); ++n) {
    CAPTURE(n);
    const std::string encoded = Base64Encode(bytes.substr(0, n));
    CHECK(encoded.size() == (n + 2) / 3 * 4);
    auto decoded = Base64Decode(encoded);
    REQUIRE(decoded.ok());
    CHECK(*decoded == bytes.substr(0, n));
  }
  // A bad character is caught wherever it sits: in a whole quantum or in the padded tail.
  const std::string long_b64 = Base64Encode(bytes.substr(0, 298));  // ends in "="
  for (size_t at : {size_t{0}, size_t{37}, long_b64.size() - 4, long_b64.size() - 2}) {
    CAPTURE(at);
    std::string bad = long_b64;
    bad[at] = '*';
    CHECK_FALSE(Base64Decode(bad).ok());
  }
}

TEST_CASE("hex and URL encoding use the expected alphabets") {
  CHECK(HexEncode(std::string("\x00\x01\xab\xff", 4)) == "0001abff");
  CHECK(HexEncode("") == "");
  CHECK(UrlEncode("aZ09-_.~") == "aZ09-_.~");
  CHECK(UrlEncode("a b+c/d=e&f") == "a%20b%2Bc%2Fd%3De%26f");
  CHECK(UrlEncode("你") == "%E4%BD%A0");
}

TEST_CASE("AES-256-CBC matches NIST SP 800-38A F.2.5 without padding") {
  const std::string key = FromHex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4");
  const std::string iv = FromHex("000102030405060708090a0b0c0d0e0f");
  const std::string plain = FromHex("6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51");
  const std::string cipher = FromHex("f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d");
  auto enc = Aes256CbcEncrypt(key, iv, plain, false);
  REQUIRE(enc.ok());
  CHECK(*enc == cipher);
  auto dec = Aes256CbcDecrypt(key, iv, cipher, false);
  REQUIRE(dec.ok());
  CHECK(*dec == plain);
}

TEST_CASE("AES-256-CBC with PKCS#7 padding round-trips every length around a block") {
  const std::string key(32, 'k');
  const std::string iv(16, 'i');
  for (size_t n : {0u, 1u, 15u, 16u, 17u, 31u, 32u, 100u}) {
    CAPTURE(n);
    const std::string plain(n, 'p');
    auto enc = Aes256CbcEncrypt(key, iv, plain, true);
    REQUIRE(enc.ok());
    CHECK(enc->size() == (n / 16 + 1) * 16);
    auto dec = Aes256CbcDecrypt(key, iv, *enc, true);
    REQUIRE(dec.ok());
    CHECK(*dec == plain);
  }
}

TEST_CASE("AES-256-CBC rejects wrong sizes and bad padding without crashing") {
  const std::string key(32, 'k');
  const std::string iv(16, 'i');
  CHECK(Aes256CbcDecrypt(std::string(31, 'k'), iv, std::string(16, 'c'), false).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK(Aes256CbcDecrypt(key, std::string(15, 'i'), std::string(16, 'c'), false).status().code() ==
        StatusCode::kInvalidArgument);
  CHECK_FALSE(Aes256CbcDecrypt(key, iv, std::string(17, 'c'), false).ok());
  CHECK_FALSE(Aes256CbcDecrypt(key, iv, "", false).ok());
  CHECK_FALSE(Aes256CbcDecrypt(key, iv, std::string(15, 'c'), true).ok());
  CHECK_FALSE(Aes256CbcEncrypt(key, iv, std::string(15, 'p'), false).ok());
  // A 16-byte plaintext gets a second block of pure padding (0x10 x 16). In CBC, flipping a
  // bit of the first ciphertext block flips the same bit of the second plaintext block, so
  // the last padding byte becomes 0x50: invalid, deterministically.
  auto enc = Aes256CbcEncrypt(key, iv, std::string(16, 'p'), true);
  REQUIRE(enc.ok());
  REQUIRE(enc->size() == 32);
  std::string tampered = *enc;
  tampered[15] = static_cast<char>(tampered[15] ^ 0x40);
  auto dec = Aes256CbcDecrypt(key, iv, tampered, true);
  CHECK_FALSE(dec.ok());
}

TEST_CASE("constant-time comparison requires equal length and content") {
  CHECK(ConstantTimeEquals("", ""));
  CHECK(ConstantTimeEquals("abc", "abc"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abd"));
  CHECK_FALSE(ConstantTimeEquals("abc", "abcd"));
  CHECK_FALSE(ConstantTimeEquals("", "a"));
}

TEST_CASE("random bytes have the requested length and differ between calls") {
  CHECK(RandomBytes(0).empty());
  CHECK(RandomBytes(16).size() == 16);
  CHECK(RandomBytes(32) != RandomBytes(32));
}

}  // TEST_SUITE

}  // namespace
}  // namespace gridrelay::crypto
