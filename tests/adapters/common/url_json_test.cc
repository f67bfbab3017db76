// Tests for adapters/common/url and json_fields: the string-level URL helpers and the
// non-throwing JSON member reads, on well-formed and hostile input.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "adapters/common/json_fields.h"
#include "util/url.h"

namespace gridrelay {
namespace {

using nlohmann::json;

TEST_SUITE("url") {

TEST_CASE("hosts come only from http(s) URLs without userinfo") {
  struct Case {
    const char* url;
    const char* host;
  };
  const std::vector<Case> cases = {
      {"https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "qyapi.weixin.qq.com"},
      {"http://127.0.0.1:5700", "127.0.0.1:5700"},
      {"https://host?x=1", "host"},
      {"https://host#frag", "host"},
      {"ftp://host/file", ""},
      {"host/path", ""},
      {"https://", ""},
      {"https://evil.example@qyapi.weixin.qq.com/", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.url);
    CHECK(url::Host(c.url) == c.host);
  }
  CHECK(url::IsHttpUrl("https://a"));
  CHECK(url::IsHttpUrl("http://a"));
  CHECK_FALSE(url::IsHttpUrl("HTTPS://a"));
  CHECK_FALSE(url::IsHttpUrl("ws://a"));
}

TEST_CASE("paths drop query and fragment and default to the root") {
  CHECK(url::Path("https://h/cgi-bin/webhook/send?key=k#x") == "/cgi-bin/webhook/send");
  CHECK(url::Path("https://h") == "/");
  CHECK(url::Path("https://h/") == "/");
}

TEST_CASE("query parameters are found by exact name and not decoded") {
  const std::string u = "https://h/p?akey=1&key=a%20b&empty&last=z#key=frag";
  CHECK(url::QueryParam(u, "key") == "a%20b");
  CHECK(url::QueryParam(u, "akey") == "1");
  CHECK(url::QueryParam(u, "empty") == "");
  CHECK(url::QueryParam(u, "last") == "z");
  CHECK(url::QueryParam(u, "missing") == "");
  CHECK(url::QueryParam("https://h/p", "key") == "");
}

TEST_CASE("trailing slashes are removed, and only those") {
  CHECK(url::WithoutTrailingSlashes("https://h/api//") == "https://h/api");
  CHECK(url::WithoutTrailingSlashes("https://h") == "https://h");
  CHECK(url::WithoutTrailingSlashes("///") == "");
}

}  // TEST_SUITE

TEST_SUITE("json_fields") {

TEST_CASE("members of the wrong type or of a non-object read as empty") {
  const json body = {{"s", "text"}, {"n", 42}, {"f", 1.5}, {"o", {{"k", "v"}}}};
  CHECK(jsonf::StringField(body, "s") == "text");
  CHECK(jsonf::StringField(body, "n") == "");
  CHECK(jsonf::StringField(body, "missing") == "");
  CHECK(jsonf::IntField(body, "n") == 42);
  CHECK(jsonf::IntField(body, "f") == 0);
  CHECK(jsonf::IntField(body, "s") == 0);
  CHECK(&jsonf::Field(body, "o") == &body["o"]);  // by reference, not a copy
  CHECK(jsonf::StringField(jsonf::Field(body, "o"), "k") == "v");
  for (const json& not_object : {json(nullptr), json(3), json("s"), json::array({1})}) {
    CHECK(jsonf::Field(not_object, "k").is_null());
    CHECK(jsonf::StringField(not_object, "k") == "");
  }
}

TEST_CASE("Dump replaces invalid UTF-8 instead of throwing") {
  CHECK(jsonf::Dump(json{{"a", 1}}) == R"({"a":1})");
  CHECK_NOTHROW(jsonf::Dump(json(std::string("bad \xff byte"))));
  CHECK(jsonf::Dump(json(std::string("bad \xff byte"))) == "\"bad \xEF\xBF\xBD byte\"");
}

TEST_CASE("ParseInt takes whole decimal integers only") {
  struct Case {
    const char* text;
    bool ok;
    int64_t value;
  };
  const std::vector<Case> cases = {
      {"1700000000", true, 1700000000}, {"-5", true, -5}, {"0", true, 0},
      {"", false, 7}, {"12a", false, 7}, {" 1", false, 7}, {"+1", false, 7}, {"99999999999999999999", false, 7},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    int64_t v = 7;
    CHECK(jsonf::ParseInt(c.text, &v) == c.ok);
    CHECK(v == c.value);
  }
}

}  // TEST_SUITE

}  // namespace
}  // namespace gridrelay
