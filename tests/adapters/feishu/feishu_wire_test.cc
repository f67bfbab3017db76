// Tests for adapters/feishu/feishu_wire: the documented decryption vector, signatures over
// fixed inputs, and message content parsing.
#include "adapters/feishu/feishu_wire.h"

#include <doctest/doctest.h>

#include "util/crypto.h"

namespace gridrelay::feishu {
namespace {

TEST_SUITE("feishu wire") {
  TEST_CASE("the documented decryption vector decrypts to hello world") {
    auto plain = Decrypt("test key", "P37w+VZImNgPEO1RBhJ6RtKl7n6zymIbEG1pReEzghk=");
    REQUIRE_MESSAGE(plain.ok(), plain.status().ToString());
    CHECK(*plain == "hello world");
  }

  TEST_CASE("encryption round-trips and the IV leads the ciphertext") {
    const std::string iv = "0123456789abcdef";
    auto b64 = Encrypt("k", R"({"a":"中文"})", iv);
    REQUIRE(b64.ok());
    auto raw = crypto::Base64Decode(*b64);
    REQUIRE(raw.ok());
    CHECK(raw->substr(0, 16) == iv);
    auto plain = Decrypt("k", *b64);
    REQUIRE(plain.ok());
    CHECK(*plain == R"({"a":"中文"})");
  }

  TEST_CASE("bad ciphertexts are refused: bad base64 is malformed, the rest unauthenticated") {
    auto good = *Encrypt("k", "some event json that spans blocks", "0123456789abcdef");
    std::string tampered = good;
    tampered[30] = tampered[30] == 'A' ? 'B' : 'A';
    struct Case {
      const char* name;
      std::string key;
      std::string b64;
      StatusCode code;
    } cases[] = {
        {"wrong key", "other", good, StatusCode::kUnauthenticated},
        {"tampered last block", "k", tampered, StatusCode::kUnauthenticated},
        {"not base64", "k", "@@@@", StatusCode::kInvalidArgument},
        {"unpadded base64", "k", good.substr(0, good.size() - 1), StatusCode::kInvalidArgument},
        {"empty", "k", "", StatusCode::kUnauthenticated},
        {"IV only", "k", crypto::Base64Encode(std::string(16, 'x')), StatusCode::kUnauthenticated},
        {"not a block multiple", "k", crypto::Base64Encode(std::string(40, 'x')), StatusCode::kUnauthenticated},
    };
    for (const Case& c : cases) {
      CAPTURE(c.name);
      auto plain = Decrypt(c.key, c.b64);
      // A tampered block may still decrypt to garbage with valid padding; then it is not the event.
      if (plain.ok()) {
        CHECK(std::string(c.name) == "tampered last block");
        CHECK(*plain != "some event json that spans blocks");
      } else {
        CHECK(plain.status().code() == c.code);
      }
    }
  }

  TEST_CASE("the request signature and the bot sign match values computed independently") {
    // Python: sha256(b"1700000000" b"nonce-1" b"gridrelay-feishu-key" b'{"encrypt":"abc"}').hexdigest()
    CHECK(RequestSignature("1700000000", "nonce-1", "gridrelay-feishu-key", R"({"encrypt":"abc"})") ==
          "d8a117a855b74b04372e638aef4f74af137b90ed1ab2564b60a1c39a3327bf79");
    // Python: b64encode(hmac.new(b"1700000000\nbot-secret", b"", sha256).digest())
    CHECK(BotSign(1700000000, "bot-secret") == "9nxw44BYFqLId3YDAt3hLwRtcLlmdqIxMtemCu1LJXk=");
  }

  TEST_CASE("message content parses per message type") {
    struct Case {
      const char* type;
      const char* content;
      const char* text;
      const char* attachment;  // "kind:ref" or ""
    } cases[] = {
        {"text", R"({"text":"@_user_1 电梯坏了"})", "电梯坏了", ""},
        {"text", R"({"text":"@_user_12联系@_user_3 @_user_x"})", "联系 @_user_x", ""},
        {"post", R"({"title":"T","content":[[{"tag":"text","text":"a"},{"tag":"a","text":"b","href":"h"}],[{"tag":"media","file_key":"f"}]]})", "T\nab", "video:f"},
        {"post", R"({"zh_cn":{"title":"","content":[[{"tag":"text","text":"中文"}]]}})", "中文", ""},
        {"image", R"({"image_key":"img_1"})", "", "image:img_1"},
        {"audio", R"({"file_key":"a_1","duration":3})", "", "voice:a_1"},
        {"file", R"({"file_key":"f_1","file_name":"x.pdf"})", "", "file:f_1"},
        {"sticker", R"({"file_key":"s"})", "", ""},
        {"text", R"({"text":5})", "", ""},
        {"text", "not json", "", ""},
        {"post", R"({"content":[null,[1,{"tag":5}],"x"]})", "", ""},
    };
    for (const Case& c : cases) {
      CAPTURE(c.type);
      CAPTURE(c.content);
      Content content = ParseContent(c.type, c.content);
      CHECK(content.text == c.text);
      std::string attachment;
      if (!content.attachments.empty()) attachment = content.attachments[0].kind + ":" + content.attachments[0].ref;
      CHECK(attachment == c.attachment);
    }
  }
}

}  // namespace
}  // namespace gridrelay::feishu
