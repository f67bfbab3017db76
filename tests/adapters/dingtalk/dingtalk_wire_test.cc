// Tests for adapters/dingtalk/dingtalk_wire: the robot signature over fixed inputs and
// callback content per msgtype.
#include "adapters/dingtalk/dingtalk_wire.h"

#include <doctest/doctest.h>

#include "util/crypto.h"

namespace gridrelay::dingtalk {
namespace {

TEST_SUITE("dingtalk wire") {
  TEST_CASE("the sign matches values computed independently per the spec") {
    // Python: b64encode(hmac.new(secret, b"1700000000000\n" + secret, sha256).digest())
    CHECK(Sign(1700000000000, "this-is-app-secret") == "BKO/XXfbwIftBu+g0vZlX/CLoTQHjkekF66KnH9Pe6Y=");
    CHECK(Sign(1700000000000, "SEC0123456789abcdef") == "TSZbRFUuvaSQaRKUpF970OPCb2/LcQAP3wOvwZIzBZk=");
    // Custom robot sends put it in the query, URL-encoded.
    CHECK(crypto::UrlEncode(Sign(1700000000000, "SEC0123456789abcdef")) ==
          "TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D");
  }

  TEST_CASE("content is read per msgtype and odd shapes give empty results") {
    struct Case {
      const char* body;
      const char* text;
      const char* attachment;
    } cases[] = {
        {R"({"msgtype":"text","text":{"content":"  电梯坏了 \n"}})", "电梯坏了", ""},
        {R"({"msgtype":"text","text":{"content":5}})", "", ""},
        {R"({"msgtype":"text","text":null})", "", ""},
        {R"({"msgtype":"richText","content":{"richText":[{"text":"a"},{"type":"picture","pictureDownloadCode":"p"},{"text":"b"}]}})", "ab", "image:p"},
        {R"({"msgtype":"richText","content":{"richText":[1,null,{"type":"picture"}]}})", "", ""},
        {R"({"msgtype":"picture","content":{"downloadCode":"d"}})", "", "image:d"},
        {R"({"msgtype":"audio","content":{"recognition":"喂","downloadCode":"v"}})", "喂", "voice:v"},
        {R"({"msgtype":"video","content":{"downloadCode":"m"}})", "", "video:m"},
        {R"({"msgtype":"file","content":{"downloadCode":"f","fileName":"a.pdf"}})", "", "file:f"},
        {R"({"msgtype":"interactiveCard"})", "", ""},
        {R"({})", "", ""},
        {R"([])", "", ""},
    };
    for (const Case& c : cases) {
      CAPTURE(c.body);
      Content content = ParseContent(nlohmann::json::parse(c.body));
      CHECK(content.text == c.text);
      std::string attachment;
      if (!content.attachments.empty()) attachment = content.attachments[0].kind + ":" + content.attachments[0].ref;
      CHECK(attachment == c.attachment);
    }
  }
}

}  // namespace
}  // namespace gridrelay::dingtalk
