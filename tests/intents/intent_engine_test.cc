// Tests for intents/compiled_engine.cc and intents/intent_library.cc: the resolution order
// (excludes, vetoes, precedence, priority, specificity, none), spans on the original text,
// loader errors with file and line, and hot reload (a broken file never replaces an engine).
#include "intents/compiled_engine.h"

#include <doctest/doctest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <fstream>
#include <map>

#include "intents/intent_engine.h"
#include "tests/intents/test_util.h"

namespace gridrelay::intents {
namespace {

namespace fs = std::filesystem;

const CompiledEngine& Basic() {
  static std::shared_ptr<const CompiledEngine> e = [] {
    auto built = CompiledEngine::Build(FixtureDir("basic"));
    REQUIRE_MESSAGE(built.ok(), built.status().ToString());
    return *built;
  }();
  return *e;
}

TEST_SUITE("IntentEngine") {
  TEST_CASE("hits are resolved in the documented order") {
    struct Case {
      const char* why;
      const char* text;
      const char* intent;
      bool urgent;
      const char* by;
    };
    const Case kCases[] = {
        {"a pattern and a keyword of one intent", "有人自称公安，让我把钱转到安全账户", "anti_fraud.impersonate_authority", false, "rule"},
        {"an intent-level exclude removes the hit", "社区民警说了：公安机关不会让你转账到安全账户", "none", false, "default"},
        {"a category-level exclude removes every intent of the category", "警惕刷单诈骗，不要点陌生链接", "none", false, "default"},
        {"category precedence: anti_fraud beats appeal", "楼上装修太吵了，还有人拉我刷单", "anti_fraud.order_brushing", false, "rule"},
        {"category precedence: legal_aid beats appeal", "物业拖欠保洁工资，楼道电梯也坏了", "legal_aid.labor", false, "rule"},
        {"priority within a category", "警察打来电话，后来又拉我刷单", "anti_fraud.impersonate_authority", false, "rule"},
        {"priority beats a longer span", "电动车在楼道充电，装修也很吵", "appeal.safety_hazard", false, "rule"},
        {"specificity: the longer matched span wins", "电梯停了，楼下广场舞天天晚上跳到十点扰民", "appeal.noise", false, "rule"},
        {"a veto makes the message none", "【通知】明天上午停水", "none", false, "rule"},
        {"an urgent pattern of the winner overrides a veto", "【通知】楼道煤气味很重", "appeal.safety_hazard", true, "rule"},
        {"intent-level urgent", "老公喝醉了又打我", "legal_aid.domestic_violence", true, "rule"},
        {"category-level urgent applies when the category wins", "派出所来电话说资金核查，我正在转账", "anti_fraud.impersonate_authority", true, "rule"},
        {"nothing fires: none by default", "大家早上好", "none", false, "default"},
        {"negation/solved state: none", "电梯已经修好了，谢谢", "none", false, "default"},
        {"traditional characters and spaced-out words still match", "有人自稱公安，讓我把錢轉到安 全 賬 戶", "anti_fraud.impersonate_authority", false, "rule"},
        {"full-width and emoji do not hide a match", "ＱＱ群里有人拉我刷😀单", "anti_fraud.order_brushing", false, "rule"},
        {"invalid UTF-8 is classified, not rejected", "楼上装修\xff太吵了", "appeal.noise", false, "rule"},
    };
    for (const auto& c : kCases) {
      CAPTURE(std::string(c.why));
      CAPTURE(std::string(c.text));
      Classification r = Basic().Classify(c.text);
      CHECK(r.intent == c.intent);
      CHECK(r.category == CategoryOf(c.intent));
      CHECK(r.urgent == c.urgent);
      CHECK(r.by == c.by);
    }
  }

  TEST_CASE("matches name the pattern and point at the original characters") {
    std::string text = "有人自稱公安，讓我把錢轉到安 全 賬 戶";
    Classification r = Basic().Classify(text);
    REQUIRE(r.intent == "anti_fraud.impersonate_authority");
    REQUIRE(r.matches.size() == 2);
    CHECK(r.matches[0].pattern_id == "anti_fraud.yaml:12");
    CHECK(r.matches[0].text == "公安，讓我把錢轉到安 全 賬 戶");
    CHECK(r.matches[1].pattern_id == "keyword:安全账户");
    CHECK(r.matches[1].text == "安 全 賬 戶");
    for (const auto& m : r.matches)
      CHECK(text.substr(m.span.begin, m.span.end - m.span.begin) == m.text);
  }

  TEST_CASE("confidence grows with agreeing hits and shrinks with competition") {
    double one = Basic().Classify("有人拉我刷单").confidence;
    double two = Basic().Classify("有人拉我刷单，说点赞就有佣金").confidence;
    double contested = Basic().Classify("楼上装修太吵了，还有人拉我刷单").confidence;
    CHECK(one == doctest::Approx(0.8));
    CHECK(two == doctest::Approx(1 - 0.2 * 0.2));
    CHECK(contested < one);
    CHECK(contested == doctest::Approx(0.8 * (1 - 0.8 / 2)));
    // Same category (anti_fraud.other vs order_brushing): only the subtype is contested.
    Classification same = Basic().Classify("有人拉我刷单，这是不是诈骗");
    REQUIRE(same.intent == "anti_fraud.order_brushing");
    CHECK(same.confidence == doctest::Approx(0.8 * (1 - 0.8 / 4)));
  }

  TEST_CASE("the loser and the reason are in the evidence") {
    Classification r = Basic().Classify("楼上装修太吵了，还有人拉我刷单");
    REQUIRE(!r.evidence.empty());
    CHECK(r.evidence[0] == "anti_fraud.order_brushing beats appeal.noise: category precedence (anti_fraud > appeal)");
  }

  TEST_CASE("a veto is explained by the veto pattern") {
    Classification r = Basic().Classify("【通知】明天上午停水");
    REQUIRE(r.matches.size() == 1);
    CHECK(r.matches[0].intent == "none");
    CHECK(r.matches[0].pattern_id == "none.yaml:4");
    CHECK(r.confidence > 0.5);
  }

  TEST_CASE("the fixture's patterns are all literals or co-occurrences, so no regex runs") {
    const auto& st = Basic().patterns().stats();
    CHECK(st.literal == 4);  // 刷单, 停水, 家暴, keyword 安全账户
    CHECK(st.cooccurrence == Basic().patterns().size() - 4);
    CHECK(st.gapped == 0);
    CHECK(st.unfiltered == 0);
  }

  TEST_CASE("concurrent Classify calls give the same answers as sequential ones") {
    const std::vector<std::string> texts = {"有人自称公安，让我把钱转到安全账户", "楼上装修太吵了，还有人拉我刷单",
                                            "【通知】楼道煤气味很重",           "老公喝醉了又打我",
                                            "大家早上好",                       "电梯停了，楼下广场舞天天晚上跳到十点扰民"};
    std::vector<std::string> want;
    for (const auto& t : texts) want.push_back(nlohmann::json(Basic().Classify(t)).dump());
    std::vector<std::thread> threads;
    std::atomic<int> mismatches{0};
    for (int k = 0; k < 4; ++k) {
      threads.emplace_back([&, k] {
        for (int round = 0; round < 200; ++round) {
          size_t i = static_cast<size_t>(round + k) % texts.size();
          if (nlohmann::json(Basic().Classify(texts[i])).dump() != want[i]) ++mismatches;
        }
      });
    }
    for (auto& t : threads) t.join();
    CHECK(mismatches.load() == 0);
  }

  TEST_CASE("Classify is usable through the abstract interface") {
    auto loaded = IntentEngine::Load(FixtureDir("basic"));
    REQUIRE(loaded.ok());
    CHECK((*loaded)->Classify("老板拖欠工资三个月了").intent == "legal_aid.labor");
  }
}

TEST_SUITE("IntentLibrary") {
  TEST_CASE("fragments expand, also inside other fragments") {
    auto lib = LoadIntentLibrary(FixtureDir("basic") / "intents");
    REQUIRE(lib.ok());
    CHECK(lib->fragments.at("authority_call") == "(?:(公安|警察|派出所)).{0,6}(电话|来电)");
    CHECK(lib->intents.size() == 8);
    CHECK(lib->vetoes.size() == 1);
  }

  TEST_CASE("bad intent files are rejected with the file and line") {
    struct Case {
      const char* why;
      std::map<std::string, std::string> files;
      const char* want;  // substring of the error
    };
    const std::string head = "category: appeal\nintents:\n  - name: appeal.noise\n";
    const Case kCases[] = {
        {"a bad regex", {{"appeal.yaml", head + "    patterns:\n      - \"ok\"\n      - \"(装修\"\n"}},
         "appeal.yaml:6: bad pattern"},
        {"an unknown fragment", {{"appeal.yaml", head + "    patterns: [\"{{nope}}吵\"]\n"}}, "appeal.yaml:4: unknown fragment {{nope}}"},
        {"a fragment defined twice",
         {{"a.yaml", "fragments:\n  x: \"a\"\n"}, {"appeal.yaml", "fragments:\n  x: \"b\"\ncategory: appeal\nintents: []\n"}},
         "appeal.yaml:2: fragment 'x' is already defined at a.yaml:2"},
        {"a fragment that refers to itself", {{"f.yaml", "fragments:\n  x: \"a{{y}}\"\n  y: \"{{x}}\"\n"}}, "refers to itself"},
        {"an unknown key (a typo)", {{"appeal.yaml", head + "    pattern: [\"吵\"]\n"}}, "appeal.yaml:4: unknown key 'pattern'"},
        {"a strength out of range", {{"appeal.yaml", head + "    strength: 1.5\n    patterns: [\"吵\"]\n"}}, "appeal.yaml:4: 'strength' must be in (0, 1]"},
        {"a priority that is not a number", {{"appeal.yaml", head + "    priority: high\n    patterns: [\"吵\"]\n"}}, "'priority' must be an integer"},
        {"an intent outside the taxonomy", {{"appeal.yaml", "category: appeal\nintents:\n  - name: appeal.weather\n    patterns: [\"雨\"]\n"}},
         "appeal.yaml:3: 'appeal.weather' is not an intent of the taxonomy"},
        {"an intent in the wrong file", {{"appeal.yaml", "category: appeal\nintents:\n  - name: legal_aid.labor\n    patterns: [\"工资\"]\n"}},
         "does not belong to this file's category 'appeal'"},
        {"an intent without patterns", {{"appeal.yaml", head + "    examples: [\"吵\"]\n"}}, "has no patterns or keywords"},
        {"a pattern that matches the empty string", {{"appeal.yaml", head + "    patterns: [\"(吵)?\"]\n"}}, "appeal.yaml:4: pattern \"(吵)?\" matches the empty string"},
        {"a YAML syntax error", {{"appeal.yaml", head + "    patterns: [\"吵\"\n"}}, "appeal.yaml:"},
        {"an unknown category", {{"x.yaml", "category: weather\nintents: []\n"}}, "x.yaml:1: unknown category 'weather'"},
        {"an intent defined twice",
         {{"appeal.yaml", head + "    patterns: [\"吵\"]\n  - name: appeal.noise\n    patterns: [\"闹\"]\n"}}, "appeal.yaml:5: intent 'appeal.noise' is defined twice"},
    };
    for (const auto& c : kCases) {
      CAPTURE(std::string(c.why));
      TempConfig cfg;
      for (const auto& [name, body] : c.files) cfg.Write("intents/" + name, body);
      auto built = CompiledEngine::Build(cfg.dir());
      REQUIRE_FALSE(built.ok());
      CHECK(built.status().code() == StatusCode::kInvalidArgument);
      CHECK_MESSAGE(built.status().message().find(c.want) != std::string::npos, built.status().message());
    }
  }

  TEST_CASE("a missing directory or an empty one is NotFound") {
    TempConfig cfg;
    CHECK(CompiledEngine::Build(cfg.dir()).status().code() == StatusCode::kNotFound);
    cfg.Write("intents/README.txt", "no yaml here");
    CHECK(CompiledEngine::Build(cfg.dir()).status().code() == StatusCode::kNotFound);
  }
}

TEST_SUITE("HotReload") {
  TEST_CASE("a broken file is rejected and the running engine keeps working") {
    TempConfig cfg;
    cfg.CopyFixture("basic");
    auto first = IntentEngine::Load(cfg.dir());
    REQUIRE(first.ok());
    std::shared_ptr<const IntentEngine> running = *first;

    cfg.Write("intents/appeal.yaml", "category: appeal\nintents:\n  - name: appeal.noise\n    patterns: [\"(吵\"]\n");
    auto broken = IntentEngine::Load(cfg.dir());
    REQUIRE_FALSE(broken.ok());
    CHECK(broken.status().message().find("appeal.yaml:4") != std::string::npos);
    CHECK(running->Classify("楼上装修太吵了").intent == "appeal.noise");

    cfg.Write("intents/appeal.yaml", "category: appeal\nintents:\n  - name: appeal.noise\n    patterns: [\"吵死了\"]\n");
    auto fixed = IntentEngine::Load(cfg.dir());
    REQUIRE(fixed.ok());
    running = *fixed;  // the swap the gateway does
    CHECK(running->Classify("楼上装修太吵了").intent == "none");
    CHECK(running->Classify("楼上吵死了").intent == "appeal.noise");
  }

  TEST_CASE("a broken model file is rejected like a broken intent file") {
    TempConfig cfg;
    cfg.CopyFixture("basic");
    cfg.Write("models/intent-model.json", "{\"format\": \"something else\"}");
    auto loaded = IntentEngine::Load(cfg.dir());
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.status().message().find("not a gridrelay intent model") != std::string::npos);
  }
}

}  // namespace
}  // namespace gridrelay::intents
