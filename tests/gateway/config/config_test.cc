#include <doctest/doctest.h>

#include <fstream>

#include "gateway/config/config.h"
#include "tests/support/test_gateway.h"

namespace gridrelay::testing {
namespace {

// A copy of the shipped config in a temporary directory, with one file replaced.
class ConfigDir {
 public:
  ConfigDir() : dir_(MakeTempDir("gridrelay-config")) {
    std::filesystem::copy(SourceConfigDir(), dir_, std::filesystem::copy_options::recursive);
  }
  ~ConfigDir() { std::filesystem::remove_all(dir_); }
  void Write(const std::string& file, const std::string& text) { std::ofstream(dir_ / file) << text; }
  std::string Read(const std::string& file) {
    std::ifstream in(dir_ / file);
    return {std::istreambuf_iterator<char>(in), {}};
  }
  void Replace(const std::string& file, const std::string& from, const std::string& to) {
    std::string s = Read(file);
    auto at = s.find(from);
    REQUIRE_MESSAGE(at != std::string::npos, "fixture text not found: " << from);
    Write(file, s.replace(at, from.size(), to));
  }
  const std::filesystem::path& path() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace

TEST_SUITE("config") {
  TEST_CASE("the shipped config loads and describes the demo district") {
    auto c = LoadConfig(SourceConfigDir());
    REQUIRE_MESSAGE(c.ok(), c.status().ToString());
    CHECK(c->server.host == "127.0.0.1");
    CHECK(c->server.port == 8080);
    CHECK(c->store.data_dir == "var");
    CHECK(c->store.dedup_window_days == 7);
    CHECK(c->routing.communities.size() == 2);
    CHECK(c->routing.grids.size() == 4);
    CHECK(c->FindChannel("demo")->type == "generic");
    CHECK(c->FindChannel("demo")->settings["secret"] == "gridrelay-demo-secret");
    bool has_demo_group = false;
    for (const auto& g : c->routing.grids)
      for (const auto& ref : g.groups) has_demo_group |= ref.channel == "demo" && ref.group == "grid-demo-1";
    CHECK(has_demo_group);
    CHECK(c->FindTeam("legal-aid")->serves_category == "legal_aid");
    CHECK(c->FindTeam("anti-fraud")->serves_category == "anti_fraud");
    CHECK(c->routing.escalation == std::vector<std::string>{"grid", "community", "street", "district"});
    // The reply budget ships on: one acknowledgement or progress note a minute per group.
    CHECK(c->reply_budget.enabled);
    CHECK(c->reply_budget.window_seconds == 60);
    CHECK(c->templates.ack_digest == "收到{count}条反映，已登记：{tickets}");
  }

  TEST_CASE("the demo secrets keep the server on loopback") {
    auto c = LoadConfig(SourceConfigDir());
    REQUIRE(c.ok());
    CHECK(!ChannelsWithDemoSecrets(*c).empty());
    CHECK(IsLoopbackHost("127.0.0.1"));
    CHECK(IsLoopbackHost("localhost"));
    CHECK(!IsLoopbackHost("0.0.0.0"));
    ConfigDir d;
    d.Replace("gridrelay.yaml", "listen: 127.0.0.1:8080", "listen: 0.0.0.0:8080");
    GatewayOptions o;
    o.config_dir = d.path();
    o.overrides.data_dir = (d.path() / "data").string();
    auto g = Gateway::Create(o);
    REQUIRE(!g.ok());
    CHECK(g.status().message().find("demo") != std::string::npos);
  }

  struct BrokenCase {
    const char* name;
    const char* file;
    const char* from;
    const char* to;
    const char* expect;  // a part of the error: the file and line, and what is wrong
  };

  TEST_CASE("a broken config is refused with the file and the line") {
    const std::vector<BrokenCase> cases = {
        {"a YAML syntax error", "gridrelay.yaml", "server:\n", "server:\n  listen: [oops\n", "gridrelay.yaml:"},
        {"an unknown key", "gridrelay.yaml", "  threads: 64", "  thread: 64", "gridrelay.yaml:9: unknown key 'thread'"},
        {"a bad listen address", "gridrelay.yaml", "listen: 127.0.0.1:8080", "listen: nowhere", "gridrelay.yaml:7:"},
        {"a listen backlog under 1024", "gridrelay.yaml", "  read_timeout_seconds: 5\n", "  read_timeout_seconds: 5\n  listen_backlog: 128\n", "gridrelay.yaml:12: listen_backlog must be 1024..65535"},
        {"no request deadline", "gridrelay.yaml", "  read_timeout_seconds: 5\n", "  read_timeout_seconds: 5\n  request_timeout_seconds: 0\n", "gridrelay.yaml:12: request_timeout_seconds must be 1..3600"},
        {"a header limit too small", "gridrelay.yaml", "  read_timeout_seconds: 5\n", "  read_timeout_seconds: 5\n  max_header_bytes: 10\n", "gridrelay.yaml:12: max_header_bytes must be"},
        {"no header fields allowed", "gridrelay.yaml", "  read_timeout_seconds: 5\n", "  read_timeout_seconds: 5\n  max_headers: 0\n", "gridrelay.yaml:12: max_headers must be"},
        {"a per-source cap of 0", "gridrelay.yaml", "  read_timeout_seconds: 5\n", "  read_timeout_seconds: 5\n  max_connections_per_source: 0\n", "gridrelay.yaml:12: max_connections_per_source must be"},
        {"a bad metrics address", "gridrelay.yaml", "  read_timeout_seconds: 5\n", "  read_timeout_seconds: 5\n  metrics_listen: nowhere\n", "gridrelay.yaml:12: listen address 'nowhere'"},
        {"a short metrics token", "gridrelay.yaml", "  read_timeout_seconds: 5\n", "  read_timeout_seconds: 5\n  metrics_token: abc\n", "gridrelay.yaml:12: metrics_token must be at least 16"},
        {"a number of the wrong type", "gridrelay.yaml", "retry_horizon_seconds: 86400", "retry_horizon_seconds: many", "retry_horizon_seconds"},
        {"a retry horizon of zero", "gridrelay.yaml", "retry_horizon_seconds: 86400", "retry_horizon_seconds: 0", "gridrelay.yaml:26:"},
        {"a retry horizon past 30 days", "gridrelay.yaml", "retry_horizon_seconds: 86400", "retry_horizon_seconds: 99999999", "retry_horizon_seconds must be 1..2592000"},
        {"a channel concurrency of zero", "gridrelay.yaml", "channel_concurrency: 2", "channel_concurrency: 0", "gridrelay.yaml:25: channel_concurrency must be 1..64"},
        {"an unknown channel type", "gridrelay.yaml", "type: generic", "type: telegraph", "unknown type 'telegraph'"},
        {"a short generic secret", "gridrelay.yaml", "secret: gridrelay-demo-secret\n\n  # Where", "secret: short\n\n  # Where", "at least 16"},
        {"a grid whose worker does not exist", "routing.yaml", "worker: w-wang", "worker: w-nobody", "routing.yaml:28: grid 'grid-hexie-1' names worker 'w-nobody'"},
        {"a group on an unknown channel", "routing.yaml", "{channel: demo, group: grid-demo-1}", "{channel: nowhere, group: grid-demo-1}", "unknown channel 'nowhere'"},
        {"a community in no street", "routing.yaml", "street: street-east\n    duty: c-sun", "street: street-west\n    duty: c-sun", "street 'street-west'"},
        {"a bad rota", "routing.yaml", "members: [p-liu]\n", "members: [p-liu]\n    rota: {p-liu: \"weekdays 9-18\"}\n", "routing.yaml:85: rota of 'p-liu'"},
        {"a rota for someone not in the team", "routing.yaml", "members: [p-liu]\n", "members: [p-liu]\n    rota: {v-zhao: \"mon-fri 09:00-18:00\"}\n", "routing.yaml:85: rota of team 'anti-fraud' names 'v-zhao'"},
        {"an unknown staff role", "routing.yaml", "role: grid_worker, mobile: \"13800000001\"", "role: gridworker, mobile: \"13800000001\"", "routing.yaml:57: staff 'w-wang' has role 'gridworker'; roles are grid_worker, community"},
        {"a rota with an unknown day", "routing.yaml", "members: [p-liu]\n", "members: [p-liu]\n    rota: {p-liu: \"mon-fry 09:00-18:00\"}\n", "routing.yaml:85: rota of 'p-liu': 'fry' is not a day"},
        {"a rota with a bad time", "routing.yaml", "members: [p-liu]\n", "members: [p-liu]\n    rota: {p-liu: \"mon-fri 09:00-18:00, sat 9:00-12:00\"}\n", "routing.yaml:85: rota of 'p-liu': 'sat 9:00-12:00' needs hours as HH:MM-HH:MM"},
        {"a rota that starts and ends at once", "routing.yaml", "members: [p-liu]\n", "members: [p-liu]\n    rota: {p-liu: \"sun 08:00-08:00\"}\n", "routing.yaml:85: rota of 'p-liu': '08:00-08:00' starts and ends at the same time"},
        {"a rota that is not a map", "routing.yaml", "members: [p-liu]\n", "members: [p-liu]\n    rota: \"mon-fri 09:00-18:00\"\n", "routing.yaml:85: 'rota' must map a member id"},
        {"reason codes given as a list", "routing.yaml", "    reject:\n      not_a_request: 非诉求\n      duplicate: 重复反映\n      spam: 广告或骚扰\n      cannot_contact: 无法联系反映人", "    reject: [not_a_request, duplicate]", "routing.yaml:115: reasons: 'reject' needs a map of code: 中文 label"},
        {"a reason code of two words", "routing.yaml", "not_my_duty: 不属本人职责", "not my duty: 不属本人职责", "routing.yaml:113: reason code 'not my duty' must be one word"},
        {"a reason without a label", "routing.yaml", "spam: 广告或骚扰", "spam: \"\"", "routing.yaml:118: reason 'spam' needs a 中文 label"},
        {"a reason code given twice", "routing.yaml", "wrong_category: 分类有误\n    reject:", "wrong_category: 分类有误\n      not_my_grid: 又不属本网格\n    reject:", "routing.yaml:115: reason code 'not_my_grid' is given twice under 'return'"},
        {"reasons for an unknown action", "routing.yaml", "    return:\n", "    retrun:\n", "routing.yaml:111: unknown key 'retrun'"},
        {"no reasons for an action", "routing.yaml", "    return:\n      not_my_grid: 不属本网格\n      not_my_duty: 不属本人职责\n      wrong_category: 分类有误\n", "", "routing.yaml:106: reasons: 'return' needs a map"},
        {"a duplicate window out of range", "routing.yaml", "window_hours: 72", "window_hours: 0", "routing.yaml:128: 'window_hours' must be 1..720"},
        {"a duplicate threshold above 1", "routing.yaml", "text_threshold: 0.35", "text_threshold: 35", "routing.yaml:130: 'text_threshold' must be 0..1"},
        {"a duplicate category that does not exist", "routing.yaml", "categories: [appeal]", "categories: [appeals]", "routing.yaml:129: unknown category 'appeals'"},
        {"an unknown duplicates key", "routing.yaml", "window_hours: 72", "window: 72", "routing.yaml:128: unknown key 'window'"},
        {"a digest time that is not HH:MM", "routing.yaml", "digest_at: \"08:30\"", "digest_at: \"8:30am\"", "routing.yaml:142: 'digest_at' must be HH:MM"},
        {"a digest time past the day", "routing.yaml", "digest_at: \"08:30\"", "digest_at: \"24:00\"", "routing.yaml:142: 'digest_at' must be HH:MM"},
        {"an unknown confirm key", "routing.yaml", "digest_after_hours: 24", "after_hours: 24", "routing.yaml:141: unknown key 'after_hours'"},
        {"a digest wait out of range", "routing.yaml", "digest_after_hours: 24", "digest_after_hours: 0", "routing.yaml:141: 'digest_after_hours' must be 1..720"},
        {"a reply budget window of zero", "routing.yaml", "window_seconds: 60", "window_seconds: 0",
         "routing.yaml:157: 'window_seconds' must be 5..3600"},
        {"a reply budget window past an hour", "routing.yaml", "window_seconds: 60", "window_seconds: 7200",
         "routing.yaml:157: 'window_seconds' must be 5..3600"},
        {"a reply budget window that is not a number", "routing.yaml", "window_seconds: 60", "window_seconds: a minute",
         "routing.yaml:157:"},
        {"an unknown reply budget key", "routing.yaml", "window_seconds: 60", "per_minute: 1",
         "routing.yaml:157: unknown key 'per_minute'"},
        {"a digest that could repeat her words", "templates.yaml", "acks: \"收到", "acks: \"{text}收到",
         "templates.yaml:125: reply_budget 'acks' must be a text with no placeholder but {count} and {tickets}"},
        {"a progress digest naming the sender", "templates.yaml", "progress: \"{count}", "progress: \"{sender}{count}",
         "templates.yaml:126: reply_budget 'progress' must be a text with no placeholder but {count} and {notes}"},
        {"a missing confirmation template", "templates.yaml", "  confirm_item:", "  confirm_itemx:", "loop needs a template for 'confirm_item'"},
        {"a missing duplicate template", "templates.yaml", "  merged_ack:", "  merged_ackx:", "loop needs a template for 'merged_ack'"},
        {"a missing urgent copy template", "templates.yaml", "urgent_copy:", "# urgent_copy:", "urgent_copy"},
        {"a bad route", "routing.yaml", "appeal: grid", "appeal: somewhere", "routing.yaml:"},
        {"an unknown warning mode", "routing.yaml", "{channel: demo, group: grid-demo-1}",
         "{channel: demo, group: grid-demo-1, warnings: loud}", "routing.yaml:30: 'warnings' is group, quiet or off"},
        {"a warning window out of range", "routing.yaml", "window_minutes: 30", "window_minutes: 0",
         "'window_minutes' must be 1..1440"},
        {"a warning that could repeat her words", "templates.yaml", "anti_fraud.fake_loan: \"⚠️",
         "anti_fraud.fake_loan: \"{text}⚠️", "a warning takes no placeholder but {intent_label}"},
        {"a warning for an appeal", "templates.yaml", "    anti_fraud.other: \"", "    appeal.noise: \"x\"\n    anti_fraud.other: \"",
         "warnings are for anti_fraud intents, not 'appeal.noise'"},
        {"a missing template", "templates.yaml", "  anti_fraud: \"⚠️反诈提醒", "  anti_fraudx: \"⚠️反诈提醒", "group_ack needs a template for 'anti_fraud'"},
        {"a bad safety pattern", "templates.yaml", "text_pattern: \"(着火", "text_pattern: \"((着火", "bad text_pattern"},
        {"an escalation chain with a cycle", "routing.yaml", "escalation: [grid, community, street, district]",
         "escalation: [grid, community, grid]", "routing.yaml:93: escalation level 'grid' appears twice"},
        {"an escalation chain that climbs down", "routing.yaml", "escalation: [grid, community, street, district]",
         "escalation: [grid, street, community]", "'community' cannot follow 'street'"},
        {"a make-up day that is also a holiday", "calendar.yaml", "{date: 2026-10-10, for: 国庆节}",
         "{date: 2026-10-05, for: 国庆节}", "calendar.yaml:"},
        {"a date that does not exist", "calendar.yaml", "to: 2026-02-23}", "to: 2026-02-30}", "calendar.yaml:"},
        {"an unknown intent in the deadline table", "deadlines.yaml", "appeal.welfare:", "appeal.welfarex:",
         "deadlines.yaml:"},
        {"a non-positive deadline", "deadlines.yaml", "resolution: {within: 24h, clock: calendar}",
         "resolution: {within: 0h, clock: calendar}", "deadlines.yaml:"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.name);
      ConfigDir d;
      d.Replace(c.file, c.from, c.to);
      auto loaded = LoadConfig(d.path());
      if (loaded.ok()) {
        // Adapter settings are validated when the adapters are built.
        AdapterEnv env;
        auto rt = BuildRuntime(d.path(), {}, BuiltinAdapters(), env);
        REQUIRE(!rt.ok());
        CHECK_MESSAGE(rt.status().message().find(c.expect) != std::string::npos, rt.status().message());
        CHECK(rt.status().message().find(".yaml:") != std::string::npos);
        continue;
      }
      CHECK_MESSAGE(loaded.status().message().find(c.expect) != std::string::npos, loaded.status().message());
      CHECK(loaded.status().message().find(c.file) != std::string::npos);
    }
  }

  TEST_CASE("a missing file is named") {
    ConfigDir d;
    std::filesystem::remove(d.path() / "routing.yaml");
    auto c = LoadConfig(d.path());
    REQUIRE(!c.ok());
    CHECK(c.status().message().find("routing.yaml: file not found") != std::string::npos);
  }

  TEST_CASE("listen addresses parse") {
    std::string host;
    int port = 0;
    CHECK(ParseListen("127.0.0.1:8080", &host, &port).ok());
    CHECK(host == "127.0.0.1");
    CHECK(port == 8080);
    CHECK(ParseListen("[::1]:9000", &host, &port).ok());
    CHECK(host == "::1");
    CHECK(!ParseListen("8080", &host, &port).ok());
    CHECK(!ParseListen("host:99999", &host, &port).ok());
    CHECK(!ParseListen("host:80x", &host, &port).ok());
  }
}

}  // namespace gridrelay::testing
