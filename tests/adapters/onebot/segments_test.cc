// Tests for adapters/onebot/segments: CQ-code strings and segment arrays.
#include "adapters/onebot/segments.h"

#include <doctest/doctest.h>

namespace gridrelay::onebot {
namespace {

// Renders segments compactly for table comparisons: type{k=v;...}|...
std::string Show(const std::vector<Segment>& segments) {
  std::string out;
  for (const Segment& s : segments) {
    if (!out.empty()) out += "|";
    out += s.type + "{";
    for (size_t i = 0; i < s.data.size(); ++i) out += (i ? ";" : "") + s.data[i].first + "=" + s.data[i].second;
    out += "}";
  }
  return out;
}

TEST_SUITE("onebot segments") {
  TEST_CASE("CQ strings parse into text and code segments per the spec's escaping rules") {
    struct Case {
      const char* input;
      const char* segments;
    } cases[] = {
        {"", ""},
        {"plain text", "text{text=plain text}"},
        {"&#91;not a code&#93; &amp; more", "text{text=[not a code] & more}"},
        {"[CQ:at,qq=10000] hi", "at{qq=10000}|text{text= hi}"},
        {"a[CQ:face,id=14]b", "text{text=a}|face{id=14}|text{text=b}"},
        {"[CQ:image,file=1.jpg,url=http://x/?a=1&#44;2]", "image{file=1.jpg;url=http://x/?a=1,2}"},
        {"[CQ:shake]", "shake{}"},
        {"[CQ:at,qq]", "at{qq=}"},
        {"[CQ:at,qq=1", "text{text=[CQ:at,qq=1}"},           // unterminated: text
        {"x [CQ:", "text{text=x [CQ:}"},
        {"[CQ:a,k=v=w]", "a{k=v=w}"},                         // name is up to the first '='
        {"&amp;#91;", "text{text=&#91;}"},                    // unescaped once, left to right
        {"&unknown; &", "text{text=&unknown; &}"},
    };
    for (const Case& c : cases) {
      CAPTURE(c.input);
      CHECK(Show(ParseCqString(c.input)) == c.segments);
    }
  }

  TEST_CASE("escaping round-trips through parsing") {
    const std::string text = "a&b [c] d,e &#91;";
    CHECK(EscapeCq(text, false) == "a&amp;b &#91;c&#93; d,e &amp;#91;");
    CHECK(EscapeCq(text, true) == "a&amp;b &#91;c&#93; d&#44;e &amp;#91;");
    CHECK(Show(ParseCqString(EscapeCq(text, false))) == "text{text=" + text + "}");
    CHECK(Show(ParseCqString("[CQ:x,v=" + EscapeCq(text, true) + "]")) == "x{v=" + text + "}");
  }

  TEST_CASE("segment arrays tolerate null data, odd values and non-segments") {
    const auto message = nlohmann::json::parse(R"([
      {"type":"text","data":{"text":"hi"}},
      {"type":"face","data":null},
      {"type":"at","data":{"qq":10000,"flag":true,"nested":{"a":[1]}}},
      {"type":5,"data":{}},
      "text",
      null,
      {"type":"image"}
    ])");
    CHECK(Show(ParseMessage(message)) == "text{text=hi}|face{}|at{flag=true;qq=10000}|image{}");
  }

  TEST_CASE("a single segment object and a non-message parse sensibly") {
    CHECK(Show(ParseMessage(nlohmann::json::parse(R"({"type":"text","data":{"text":"x"}})"))) == "text{text=x}");
    CHECK(ParseMessage(nlohmann::json()).empty());
    CHECK(ParseMessage(nlohmann::json(42)).empty());
  }

  TEST_CASE("flattening removes the bot's mention and turns media into attachments") {
    auto segments = ParseCqString(
        "[CQ:at,qq=10000]  电梯坏了[CQ:at,qq=20000][CQ:at,qq=all][CQ:image,file=a.jpg][CQ:record,file=b.amr]"
        "[CQ:video,file=c.mp4,url=http://v/c][CQ:face,id=1]");
    Flattened f = Flatten(segments, "10000");
    CHECK(f.mentions_bot);
    CHECK(f.text == "电梯坏了@20000@全体成员");
    REQUIRE(f.attachments.size() == 3);
    CHECK(f.attachments[0].kind == "image");
    CHECK(f.attachments[0].ref == "a.jpg");
    CHECK(f.attachments[1].kind == "voice");
    CHECK(f.attachments[2].ref == "http://v/c");  // the URL is preferred over the cache name
  }

  TEST_CASE("flattening v12 segments uses mention, mention_all and file_id") {
    auto segments = ParseMessage(nlohmann::json::parse(R"([
      {"type":"mention","data":{"user_id":"bot"}},{"type":"text","data":{"text":" 求助 "}},
      {"type":"mention_all","data":{}},{"type":"file","data":{"file_id":"f1"}},{"type":"image","data":{}}])"));
    Flattened f = Flatten(segments, "bot");
    CHECK(f.mentions_bot);
    CHECK(f.text == "求助 @全体成员");
    REQUIRE(f.attachments.size() == 1);  // an image without a reference is dropped
    CHECK(f.attachments[0].kind == "file");
    CHECK(f.attachments[0].ref == "f1");
  }

  TEST_CASE("without a known self id every mention is kept") {
    Flattened f = Flatten(ParseCqString("[CQ:at,qq=10000]hi"), "");
    CHECK_FALSE(f.mentions_bot);
    CHECK(f.text == "@10000hi");
  }
}

}  // namespace
}  // namespace gridrelay::onebot
