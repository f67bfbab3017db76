// Tests for adapters/wecom/payload: one tree for WeCom's XML and JSON formats, and the
// defences of both parsers.
#include "adapters/wecom/payload.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace gridrelay::wecom {
namespace {

TEST_SUITE("wecom payload") {

TEST_CASE("names are normalised so XML and JSON spellings meet") {
  const std::vector<std::pair<const char*, const char*>> table = {
      {"MsgId", "msgid"}, {"msgid", "msgid"}, {"webhook_url", "webhookurl"}, {"WebhookUrl", "webhookurl"},
      {"MixedMessage", "mixedmessage"}, {"mixed_message", "mixedmessage"}, {"", ""},
  };
  for (const auto& [in, out] : table) CHECK(NormaliseName(in) == out);
}

TEST_CASE("the same robot message reads the same from XML and from JSON") {
  auto xml = ParseXmlPayload(
      "<xml><MsgId>m1</MsgId><From><UserId>u</UserId></From><MixedMessage>"
      "<MsgItem><MsgType>text</MsgType><Text><Content><![CDATA[a]]></Content></Text></MsgItem>"
      "<MsgItem><MsgType>image</MsgType><Image><ImageUrl>http://i</ImageUrl></Image></MsgItem>"
      "</MixedMessage></xml>");
  auto json = ParseJsonPayload(
      R"({"msgid":"m1","from":{"userid":"u"},"mixed_message":{"msg_item":[)"
      R"({"msg_type":"text","text":{"content":"a"}},{"msg_type":"image","image":{"image_url":"http://i"}}]}})");
  REQUIRE(xml.ok());
  REQUIRE(json.ok());
  for (const PayloadNode* node : {&*xml, &*json}) {
    CHECK(node->Get({"MsgId"}) == "m1");
    CHECK(node->Get({"From", "UserId"}) == "u");
    CHECK(node->Has({"MixedMessage"}));
    CHECK_FALSE(node->Has({"Nope"}));
    CHECK(node->Get({"From", "Nope"}).empty());
    auto items = node->Child("MixedMessage")->Children("MsgItem");
    REQUIRE(items.size() == 2);
    CHECK(items[0]->Get({"Text", "Content"}) == "a");
    CHECK(items[1]->Get({"Image", "ImageUrl"}) == "http://i");
  }
}

TEST_CASE("JSON numbers and booleans read as their text") {
  auto node = ParseJsonPayload(R"({"timestamp": 1409659813, "AgentID": 218, "safe": false})");
  REQUIRE(node.ok());
  CHECK(node->Get({"timestamp"}) == "1409659813");
  CHECK(node->Get({"AgentID"}) == "218");
  CHECK(node->Get({"safe"}) == "false");
}

TEST_CASE("formats are sniffed from the first non-blank byte") {
  CHECK(*SniffFormat("  <xml/>") == PayloadFormat::kXml);
  CHECK(*SniffFormat("\n{}") == PayloadFormat::kJson);
  CHECK(*SniffFormat("\xEF\xBB\xBF<xml/>") == PayloadFormat::kXml);
  CHECK_FALSE(SniffFormat("").ok());
  CHECK_FALSE(SniffFormat("   ").ok());
  CHECK_FALSE(SniffFormat("encrypt=abc").ok());
}

TEST_CASE("parsers refuse DOCTYPEs, malformed input and excess") {
  std::string many = "<xml>";
  for (size_t i = 0; i <= kMaxPayloadNodes; ++i) many += "<a/>";
  many += "</xml>";
  std::string wide_json = "{";
  for (size_t i = 0; i <= kMaxPayloadNodes; ++i) wide_json += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":1";
  wide_json += "}";
  const std::vector<std::pair<const char*, std::string>> xml_cases = {
      {"internal subset", "<!DOCTYPE xml [<!ENTITY a \"b\">]><xml><A>&a;</A></xml>"},
      {"external DTD", "<!DOCTYPE xml SYSTEM \"http://example.org/x.dtd\"><xml/>"},
      {"truncated", "<xml><A>x</A"},
      {"mismatched", "<xml><A>x</B></xml>"},
      {"empty", ""},
      {"too many elements", many},
  };
  for (const auto& [name_binding, xml] : xml_cases) {
    const auto& name = name_binding;  // clang 14 cannot capture a structured binding (CAPTURE)
    CAPTURE(name);
    CHECK(ParseXmlPayload(xml).status().code() == StatusCode::kInvalidArgument);
  }
  const std::vector<std::pair<const char*, std::string>> json_cases = {
      {"truncated", R"({"a":)"},
      {"array at top", "[1,2]"},
      {"string at top", R"("x")"},
      {"trailing garbage", R"({"a":1} x)"},
      {"too deep", std::string(50, '[') + std::string(50, ']')},
      {"too many values", wide_json},
  };
  for (const auto& [name_binding, text] : json_cases) {
    const auto& name = name_binding;  // clang 14 cannot capture a structured binding (CAPTURE)
    CAPTURE(name);
    CHECK(ParseJsonPayload(text).status().code() == StatusCode::kInvalidArgument);
  }
}

TEST_CASE("CDATA wrapping survives a CDATA terminator inside the text") {
  for (const std::string text : {"", "plain", "a]]>b", "]]>", "]]]]>>", "x]]>y]]>z"}) {
    CAPTURE(text);
    auto node = ParseXmlPayload("<xml><C>" + CData(text) + "</C></xml>");
    REQUIRE(node.ok());
    CHECK(node->Get({"C"}) == text);
  }
}

}  // TEST_SUITE

}  // namespace
}  // namespace gridrelay::wecom
