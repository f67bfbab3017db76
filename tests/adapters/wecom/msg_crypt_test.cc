// Tests for adapters/wecom/msg_crypt: Tencent's published vectors (protocols.md §A.8), the
// encryptor reproducing them byte for byte, and the bounds checks the official samples lack.
#include "adapters/wecom/msg_crypt.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "util/crypto.h"

namespace gridrelay::wecom {
namespace {

struct Vector {
  const char* name;
  const char* token;
  const char* aes_key;
  const char* receive_id;
  // URL verification
  const char* get_signature;
  const char* get_timestamp;
  const char* get_nonce;
  const char* echostr;
  const char* echo;
  // message
  const char* post_signature;
  const char* post_timestamp;
  const char* post_nonce;
  const char* encrypt;
  const char* plaintext;
};

const Vector kVectors[] = {
    {"vector A (Tencent's documented example)", "QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C",
     "wx5823bf96d3bd56c7", "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780",
     "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==",
     "1616140317555161061", "477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149",
     "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/"
     "sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+"
     "HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3"
     "LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H"
     "3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==",
     "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></"
     "FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><!"
     "[CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>"},
    {"vector B (weworkapi_python samples)", "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
     "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt", "ww1436e0e65a779aee", "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb",
     "1476416373", "47744683",
     "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA==",
     "1288432023552776189", "0c3914025cb4b4d68103f6bfc8db550f79dcf48e", "1476422779", "1597212914",
     "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTkAgGzBhzTtRLNshw2AEew"
     "+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJPQbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24Yh"
     "mZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7MhmEbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOp"
     "cwocugux082f49HKYg84EpHSGXAyh+/oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+",
     "<xml><ToUserName>ww1436e0e65a779aee</ToUserName><FromUserName>ChenJiaShun</FromUserName><CreateTime>"
     "1476422779</CreateTime><MsgType>text</MsgType><Content>你好</Content><MsgId>1456453720</MsgId><AgentID>"
     "1000002</AgentID></xml>"},
};

MsgCrypt MakeCrypt(const Vector& v) {
  auto crypt = MsgCrypt::Create(v.token, v.aes_key, v.receive_id);
  REQUIRE(crypt.ok());
  return std::move(*crypt);
}

TEST_SUITE("wecom msg_crypt") {

TEST_CASE("the official vectors verify and decrypt") {
  for (const auto& v : kVectors) {
    CAPTURE(v.name);
    MsgCrypt crypt = MakeCrypt(v);
    CHECK(crypt.Sign(v.get_timestamp, v.get_nonce, v.echostr) == v.get_signature);
    CHECK(crypt.Verify(v.get_signature, v.get_timestamp, v.get_nonce, v.echostr).ok());
    auto echo = crypt.Decrypt(v.echostr);
    REQUIRE(echo.ok());
    CHECK(*echo == v.echo);

    CHECK(crypt.Sign(v.post_timestamp, v.post_nonce, v.encrypt) == v.post_signature);
    CHECK(crypt.Verify(v.post_signature, v.post_timestamp, v.post_nonce, v.encrypt).ok());
    auto plain = crypt.Decrypt(v.encrypt);
    REQUIRE(plain.ok());
    CHECK(*plain == v.plaintext);
  }
}

TEST_CASE("the documented plaintext lengths hold, multibyte text included") {
  CHECK(std::string(kVectors[0].plaintext).size() == 284);
  CHECK(std::string(kVectors[1].plaintext).size() == 228);  // 你好 is 6 bytes, 2 characters
}

TEST_CASE("re-encrypting with the recovered random bytes reproduces the ciphertext byte for byte") {
  for (const auto& v : kVectors) {
    CAPTURE(v.name);
    MsgCrypt crypt = MakeCrypt(v);
    for (const char* ciphertext : {v.echostr, v.encrypt}) {
      auto opened = crypt.Open(ciphertext);
      REQUIRE(opened.ok());
      CHECK(opened->random.size() == 16);
      CHECK(opened->receive_id == v.receive_id);
      auto again = crypt.EncryptWithRandom(opened->msg, opened->random);
      REQUIRE(again.ok());
      CHECK(*again == ciphertext);
    }
  }
}

TEST_CASE("the JSON-callback vector verifies and decrypts for its receive id") {
  const Vector& b = kVectors[1];
  MsgCrypt crypt = MakeCrypt(b);
  const char* encrypt =
      "cjhLUX7UU4yCSelv1vz7T0zT8huF51bAMVWriNvO1FMegHrQZNrtvRxbwf0fUPsFvwqR0U0fgiJNEA5Y30F2MoI2S7vv3EjVQ68C0cjw9frBoUE2"
      "Hj0BvFp9h3u6Vbsg4lc1C8AtHdaN8orKuNKkLRLuYEL52R1J3v8olJGZRLnRdVKIivixmX/eQpzgeExtp20jI1HxRP1AAZ6xZoILdqDPO549L"
      "O4WeG+685JRUTdiwcY5fjZlqeMxuT4PpMn1X9OWsS7NRj06Wa5E3Tvg4twjWp39KPfOdRte6P1T4JU=";
  CHECK(crypt.Verify("e3647471e395139e2308c1fa963f2d648a00b90e", "1409659813", "1372623149", encrypt).ok());
  auto opened = crypt.Open(encrypt);
  REQUIRE(opened.ok());
  CHECK(opened->receive_id == "ww1436e0e65a779aee");
  // Tencent's sample plaintext has a typo that makes it invalid JSON; only its shape is checked.
  CHECK(opened->msg.rfind("{", 0) == 0);
  CHECK(opened->msg.find("\"Content\"") != std::string::npos);
  auto again = crypt.EncryptWithRandom(opened->msg, opened->random);
  REQUIRE(again.ok());
  CHECK(*again == encrypt);
}

TEST_CASE("encryption round-trips with a fresh random prefix and pads to 32-byte blocks") {
  auto crypt = MsgCrypt::Create("gridrelay-demo-token", "Z3JpZHJlbGF5LWRlbW8tYWVzLWtleS0zMi1ieXRlcyE", "");
  REQUIRE(crypt.ok());
  for (size_t n : {0u, 1u, 11u, 12u, 13u, 44u, 1000u}) {
    CAPTURE(n);
    const std::string msg(n, 'x');
    const std::string c1 = crypt->Encrypt(msg);
    const std::string c2 = crypt->Encrypt(msg);
    CHECK(c1 != c2);
    auto raw = crypto::Base64Decode(c1);
    REQUIRE(raw.ok());
    CHECK(raw->size() % 32 == 0);
    // 20 header bytes + msg, then 1..32 bytes of padding.
    CHECK(raw->size() > 20 + n);
    CHECK(raw->size() <= 20 + n + 32);
    auto back = crypt->Decrypt(c1);
    REQUIRE(back.ok());
    CHECK(*back == msg);
  }
}

TEST_CASE("bad EncodingAESKeys are refused without quoting them") {
  const std::vector<std::string> bad = {
      "",
      "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2",    // 42 characters
      "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2CC",  // 44 characters
      "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2+",   // '+' is Base64 but not allowed
      "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2=",
  };
  for (const auto& key : bad) {
    CAPTURE(key);
    auto crypt = MsgCrypt::Create("t", key, "");
    REQUIRE_FALSE(crypt.ok());
    CHECK(crypt.status().code() == StatusCode::kInvalidArgument);
    if (!key.empty()) CHECK(crypt.status().message().find(key) == std::string::npos);
  }
}

// Encrypts an arbitrary plaintext block sequence under vector A's key, bypassing MsgCrypt's
// own framing, to produce the malformed payloads a forger with the key could send.
std::string RawEncrypt(const std::string& plaintext) {
  auto key = crypto::Base64Decode("jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2A=");
  REQUIRE(key.ok());
  auto cipher = crypto::Aes256CbcEncrypt(*key, key->substr(0, 16), plaintext, false);
  REQUIRE(cipher.ok());
  return crypto::Base64Encode(*cipher);
}

std::string Frame(uint32_t claimed_len, const std::string& body, int pad) {
  std::string p(16, 'r');
  p.push_back(static_cast<char>(claimed_len >> 24));
  p.push_back(static_cast<char>(claimed_len >> 16));
  p.push_back(static_cast<char>(claimed_len >> 8));
  p.push_back(static_cast<char>(claimed_len));
  p += body;
  p.append(static_cast<size_t>(pad), static_cast<char>(pad));
  return p;
}

TEST_CASE("malformed ciphertexts are rejected, never sliced out of bounds") {
  MsgCrypt crypt = MakeCrypt(kVectors[0]);
  const std::string receive = "wx5823bf96d3bd56c7";
  // 16 + 4 + 5 + 18 = 43; pad 21 -> 64 bytes.
  const std::string good_body = "hello" + receive;
  REQUIRE(crypt.Decrypt(RawEncrypt(Frame(5, good_body, 21))).ok());

  std::string tampered = kVectors[0].encrypt;
  tampered[10] = tampered[10] == 'A' ? 'B' : 'A';

  struct Case {
    const char* name;
    std::string ciphertext;
    StatusCode code;
  };
  const std::vector<Case> cases = {
      {"msg_len larger than the payload", RawEncrypt(Frame(0xFFFFFFF0u, good_body, 21)), StatusCode::kInvalidArgument},
      {"msg_len one past the payload", RawEncrypt(Frame(24, good_body, 21)), StatusCode::kInvalidArgument},
      {"padding byte zero", RawEncrypt(Frame(5, good_body + std::string(1, 'x'), 0) + std::string(20, '\0')),
       StatusCode::kInvalidArgument},
      {"padding byte above 32", RawEncrypt(Frame(5, good_body, 0) + std::string(21, '\x21')),
       StatusCode::kInvalidArgument},
      {"inconsistent padding bytes", RawEncrypt(Frame(5, good_body, 0) + std::string(20, '\x02') + "\x15"),
       StatusCode::kInvalidArgument},
      {"payload shorter than its header", RawEncrypt(std::string(12, 'r') + std::string(20, '\x14')),
       StatusCode::kInvalidArgument},
      {"wrong receive id", RawEncrypt(Frame(5, "hello" + std::string("wx0000000000000000"), 21)),
       StatusCode::kUnauthenticated},
      {"bad base64", "not base64!", StatusCode::kInvalidArgument},
      {"base64 of a partial block", crypto::Base64Encode(std::string(40, 'x')), StatusCode::kInvalidArgument},
      {"empty", "", StatusCode::kInvalidArgument},
      {"oversized", std::string(MsgCrypt::kMaxCiphertextLength + 4, 'A'), StatusCode::kPayloadTooLarge},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto result = crypt.Decrypt(c.ciphertext);
    REQUIRE_FALSE(result.ok());
    CHECK(result.status().code() == c.code);
  }
  // A flipped Base64 character garbles two AES blocks; whatever survives, it is not the message.
  auto garbled = crypt.Decrypt(tampered);
  CHECK((!garbled.ok() || *garbled != kVectors[0].plaintext));
}

TEST_CASE("a signature check fails for any changed input") {
  const Vector& a = kVectors[0];
  MsgCrypt crypt = MakeCrypt(a);
  std::string flipped_sig = a.post_signature;
  flipped_sig[0] = flipped_sig[0] == '4' ? '5' : '4';
  std::string upper_sig = a.post_signature;
  for (char& c : upper_sig) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  CHECK(crypt.Verify(flipped_sig, a.post_timestamp, a.post_nonce, a.encrypt).code() == StatusCode::kUnauthenticated);
  CHECK_FALSE(crypt.Verify(upper_sig, a.post_timestamp, a.post_nonce, a.encrypt).ok());
  CHECK_FALSE(crypt.Verify("", a.post_timestamp, a.post_nonce, a.encrypt).ok());
  CHECK_FALSE(crypt.Verify(a.post_signature, "1409659814", a.post_nonce, a.encrypt).ok());
  CHECK_FALSE(crypt.Verify(a.post_signature, a.post_timestamp, "1372623148", a.encrypt).ok());
  CHECK_FALSE(crypt.Verify(a.post_signature, a.post_timestamp, a.post_nonce, std::string(a.encrypt) + "A").ok());
  auto other_token = MsgCrypt::Create("QDG6eL", a.aes_key, a.receive_id);
  REQUIRE(other_token.ok());
  CHECK_FALSE(other_token->Verify(a.post_signature, a.post_timestamp, a.post_nonce, a.encrypt).ok());
}

}  // TEST_SUITE

}  // namespace
}  // namespace gridrelay::wecom
