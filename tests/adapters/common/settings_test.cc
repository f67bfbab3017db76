// Tests for adapters/common/settings: typed reads, defaults kept for absent keys, unknown keys
// refused, and every error naming the key's file:line and the channel.
#include "adapters/common/settings.h"

#include <doctest/doctest.h>

#include <functional>
#include <string>
#include <vector>

namespace gridrelay {
namespace {

using nlohmann::json;

ChannelSpec Spec(json settings) {
  ChannelSpec spec;
  spec.name = "qq";
  spec.type = "onebot";
  spec.file = "gridrelay.yaml";
  spec.line = 7;
  spec.settings = std::move(settings);
  int line = 8;  // keys in the order nlohmann keeps them (sorted), one a line
  if (spec.settings.is_object()) {
    for (const auto& item : spec.settings.items()) spec.key_lines[item.key()] = line++;
  }
  return spec;
}

TEST_SUITE("settings") {

TEST_CASE("present keys are read into their types and absent or null keys keep the default") {
  ChannelSpec spec = Spec({{"name", "bot"},
                           {"digits", 12345},
                           {"count", 42},
                           {"quoted_count", "-7"},
                           {"rate", 2.5},
                           {"whole_rate", 3},
                           {"on", true},
                           {"list", {"a", "b"}},
                           {"one", "c"},
                           {"nothing", nullptr}});
  SettingsReader r(spec);
  std::string name = "default", digits, nothing = "kept", absent = "kept";
  int64_t count = 0, quoted_count = 0, absent_count = 9;
  double rate = 0, whole_rate = 0;
  bool on = false;
  std::vector<std::string> list, one, absent_list = {"x"};
  CHECK(r.Read("name", &name).ok());
  CHECK(r.Read("digits", &digits).ok());
  CHECK(r.Read("nothing", &nothing).ok());
  CHECK(r.Read("absent", &absent).ok());
  CHECK(r.Read("count", &count).ok());
  CHECK(r.Read("quoted_count", &quoted_count).ok());
  CHECK(r.Read("absent", &absent_count).ok());
  CHECK(r.Read("rate", &rate).ok());
  CHECK(r.Read("whole_rate", &whole_rate).ok());
  CHECK(r.Read("on", &on).ok());
  CHECK(r.Read("list", &list).ok());
  CHECK(r.Read("one", &one).ok());
  CHECK(r.Read("absent", &absent_list).ok());
  CHECK(name == "bot");
  CHECK(digits == "12345");
  CHECK(nothing == "kept");
  CHECK(absent == "kept");
  CHECK(count == 42);
  CHECK(quoted_count == -7);
  CHECK(absent_count == 9);
  CHECK(rate == 2.5);
  CHECK(whole_rate == 3);
  CHECK(on);
  CHECK(list == std::vector<std::string>{"a", "b"});
  CHECK(one == std::vector<std::string>{"c"});
  CHECK(absent_list == std::vector<std::string>{"x"});
}

TEST_CASE("wrong types are refused with the key's file:line, the channel and what was expected") {
  struct Case {
    const char* name;
    json value;
    std::function<Status(const SettingsReader&)> read;
    const char* expected;
  };
  using N = SettingsReader::Numbers;
  const std::vector<Case> cases = {
      {"a list as a string", json::array({1}), [](const SettingsReader& r) { std::string s; return r.Read("k", &s); },
       "'k' must be a string"},
      {"a number as an exact string", 123, [](const SettingsReader& r) { std::string s; return r.Read("k", &s, N::kRefuse); },
       "quote it"},
      {"a fraction as an integer", 1.5, [](const SettingsReader& r) { int64_t v = 0; return r.Read("k", &v); },
       "'k' must be an integer"},
      {"words as an integer", "12 apples", [](const SettingsReader& r) { int64_t v = 0; return r.Read("k", &v); },
       "'k' must be an integer"},
      {"an integer out of range", 5, [](const SettingsReader& r) { int64_t v = 0; return r.Read("k", &v, 0, 4); },
       "'k' must be an integer in [0, 4]"},
      {"text as a number", "20", [](const SettingsReader& r) { double v = 0; return r.Read("k", &v); },
       "'k' must be a number"},
      {"yes as a bool", "yes", [](const SettingsReader& r) { bool v = false; return r.Read("k", &v); },
       "'k' must be true or false"},
      {"a mapping as a list", json::object({{"a", 1}}),
       [](const SettingsReader& r) { std::vector<std::string> v; return r.Read("k", &v); }, "'k' must be a list"},
      {"a list of numbers", json::array({"a", 2}),
       [](const SettingsReader& r) { std::vector<std::string> v; return r.Read("k", &v); }, "items of 'k' must be strings"},
      {"a base URL without scheme", "api.example.com",
       [](const SettingsReader& r) { std::string v; return r.ReadBaseUrl("k", &v); }, "'k' must be an http:// or https:// URL"},
      {"a base URL with userinfo", "https://evil@api.example.com",
       [](const SettingsReader& r) { std::string v; return r.ReadBaseUrl("k", &v); }, "'k' must be an http:// or https:// URL"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    ChannelSpec spec = Spec({{"other", 1}, {"k", c.value}});
    Status s = c.read(SettingsReader(spec));
    REQUIRE_FALSE(s.ok());
    CHECK(s.code() == StatusCode::kInvalidArgument);
    CHECK(s.message().rfind("gridrelay.yaml:8: channel 'qq': ", 0) == 0);  // k sorts first: line 8
    CHECK(s.message().find(c.expected) != std::string::npos);
  }
}

TEST_CASE("a failed read leaves the default untouched") {
  ChannelSpec spec = Spec({{"list", json::array({"a", 2})}, {"n", 99}});
  SettingsReader r(spec);
  std::vector<std::string> list = {"default"};
  int64_t n = 3;
  CHECK_FALSE(r.Read("list", &list).ok());
  CHECK_FALSE(r.Read("n", &n, 0, 10).ok());
  CHECK(list == std::vector<std::string>{"default"});
  CHECK(n == 3);
}

TEST_CASE("a base URL loses its trailing slashes and a default base URL is kept") {
  ChannelSpec spec = Spec({{"api_base", "https://open.feishu.cn//"}});
  SettingsReader r(spec);
  std::string base, fallback = "http://127.0.0.1:5700";
  CHECK(r.ReadBaseUrl("api_base", &base).ok());
  CHECK(base == "https://open.feishu.cn");
  CHECK(r.ReadBaseUrl("absent", &fallback).ok());
  CHECK(fallback == "http://127.0.0.1:5700");
}

TEST_CASE("unknown keys are refused at their own line, with the channel type and the hint") {
  ChannelSpec spec = Spec({{"secret", "s"}, {"freshness_window_second", 10}});
  SettingsReader r(spec);
  Status s = r.CheckKnownKeys({"secret", "freshness_window_seconds"}, "see adapters/onebot/README.md");
  CHECK(s.message() ==
        "gridrelay.yaml:8: channel 'qq': unknown onebot setting 'freshness_window_second' (see adapters/onebot/README.md)");
  CHECK(r.CheckKnownKeys({"secret", "freshness_window_second"}).ok());
}

TEST_CASE("settings that are not a mapping are refused at the channel's line, none at all are fine") {
  CHECK(SettingsReader(Spec(nullptr)).CheckKnownKeys({"secret"}).ok());
  CHECK(SettingsReader(Spec(json::object())).CheckKnownKeys({}).ok());
  Status s = SettingsReader(Spec(json::array({"secret"}))).CheckKnownKeys({"secret"});
  CHECK(s.message() == "gridrelay.yaml:7: channel 'qq': settings must be a mapping");
}

}  // TEST_SUITE

}  // namespace
}  // namespace gridrelay
