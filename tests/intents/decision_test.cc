// Issue #10 mechanics on small throw-away configs: frames are weaker than intents, the urgent
// detector (patterns, requires, exclude, the file-wide exclude, routing when nothing else
// spoke), decision thresholds and `warn`, and the loader's errors for the new keys.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "intents/compiled_engine.h"
#include "tests/intents/test_util.h"

namespace gridrelay::intents {
namespace {

const char* kAppeal =
    "category: appeal\n"
    "intents:\n"
    "  - name: appeal.noise\n"
    "    strength: 0.8\n"
    "    patterns: [\"装修.{0,6}吵\"]\n"
    "frames:\n"
    "  - name: appeal.other\n"
    "    strength: 0.5\n"
    "    patterns: [\"希望.{0,20}(社区|街道).{0,10}处理\"]\n";
const char* kAntiFraud =
    "category: anti_fraud\n"
    "exclude: [\"凡是.{0,10}都是诈骗\"]\n"
    "intents:\n"
    "  - name: anti_fraud.other\n"
    "    strength: 0.9\n"
    "    patterns: [\"转.{0,4}私人账户\"]\n"
    "frames:\n"
    "  - name: anti_fraud.impersonate_acquaintance\n"
    "    strength: 0.6\n"
    "    patterns: [\"我是你.{0,4}(表哥|舅舅).{0,20}转\"]\n";
const char* kUrgent =
    "exclude: [\"演练\"]\n"
    "urgent_detector:\n"
    "  - name: fire\n"
    "    intent: appeal.safety_hazard\n"
    "    patterns: [\"着火\"]\n"
    "    exclude: [\"火锅\"]\n"
    "  - name: money_now\n"
    "    intent: anti_fraud.other\n"
    "    patterns: [\"正在转账\"]\n"
    "    requires: [\"骗|客服\"]\n"
    "examples: [\"三楼着火了\"]\n"
    "not_urgent_examples: [\"消防演练时假装着火\"]\n";
const char* kDecision =
    "decision:\n"
    "  act: 0.7\n"
    "  confirm: 0.45\n"
    "  model_act: 0.99\n"
    "  model_confirm: 0.9\n"
    "  warn: 0.85\n"
    "warn_exclude: [\"提醒\"]\n";

std::shared_ptr<const CompiledEngine> Build(std::map<std::string, std::string> extra = {}) {
  TempConfig cfg;
  cfg.Write("intents/appeal.yaml", kAppeal);
  cfg.Write("intents/anti_fraud.yaml", kAntiFraud);
  cfg.Write("intents/urgent.yaml", kUrgent);
  cfg.Write("intents/decision.yaml", kDecision);
  for (const auto& [k, v] : extra) cfg.Write("intents/" + k, v);
  auto e = CompiledEngine::Build(cfg.dir());
  REQUIRE_MESSAGE(e.ok(), e.status().ToString());
  return *e;
}

TEST_SUITE("Decision") {
  TEST_CASE("a frame decides alone, and loses to a specific intent of its category") {
    auto e = Build();
    auto frame_only = e->JudgeWith("希望社区尽快处理一下垃圾站的问题", nullptr);
    CHECK(frame_only.classification.intent == "appeal.other");
    CHECK(frame_only.classification.confidence == doctest::Approx(0.5));
    CHECK(frame_only.decision.decision == "confirm");  // 0.45 <= 0.5 < 0.7
    auto both = e->JudgeWith("楼上装修太吵了，希望社区出面处理", nullptr);
    CHECK(both.classification.intent == "appeal.noise");
    // the frame is another intent of the same category: it discounts like one (x (1 - 0.5 / 4))
    CHECK(both.classification.confidence == doctest::Approx(0.8 * (1 - 0.5 / 4)));
    CHECK(both.decision.decision == "act");
  }
  TEST_CASE("category precedence still applies to frames") {
    auto e = Build();
    auto c = e->ClassifyWith("我是你表哥，手机丢了，先转两千给我，希望社区别处理", nullptr);
    CHECK(c.intent == "anti_fraud.impersonate_acquaintance");
  }
  TEST_CASE("warn: anti_fraud act at or above `warn`, never on warn_exclude wording") {
    auto e = Build();
    auto scam = e->JudgeWith("他让我把钱转到他私人账户", nullptr);
    CHECK(scam.decision.decision == "act");
    CHECK(scam.decision.warn);
    auto weak = e->JudgeWith("我是你舅舅，赶紧转五百过来", nullptr);
    CHECK(weak.classification.category == "anti_fraud");
    CHECK_FALSE(weak.decision.warn);  // 0.6 < warn 0.85 (and below act)
    auto publicity = e->JudgeWith("提醒：让你转到私人账户的人", nullptr);
    CHECK(publicity.classification.category == "anti_fraud");
    CHECK(publicity.decision.decision == "act");
    CHECK_FALSE(publicity.decision.warn);
    auto excluded = e->JudgeWith("凡是让你转私人账户的都是诈骗", nullptr);
    CHECK(excluded.classification.category == "none");
    CHECK(excluded.decision.decision == "ignore");
  }
  TEST_CASE("the urgent detector runs on every message and routes what nothing else took") {
    auto e = Build();
    auto fire = e->Explain("三楼着火了", nullptr);
    CHECK(fire.result.urgent);
    CHECK(fire.result.intent == "appeal.safety_hazard");
    CHECK(fire.decision.decision == "act");
    REQUIRE(fire.urgent_classes.size() == 1);
    CHECK(fire.urgent_classes[0] == "fire");
    // the winner stays the winner; urgency is added
    auto noisy = e->ClassifyWith("装修好吵，隔壁着火了", nullptr);
    CHECK(noisy.intent == "appeal.noise");
    CHECK(noisy.urgent);
    CHECK_FALSE(e->ClassifyWith("吃火锅差点着火", nullptr).urgent);       // class exclude
    CHECK_FALSE(e->ClassifyWith("消防演练时假装着火", nullptr).urgent);  // file exclude
    CHECK_FALSE(e->ClassifyWith("我正在转账交房租", nullptr).urgent);    // requires missing
    CHECK(e->ClassifyWith("客服让我正在转账", nullptr).urgent);
  }
  TEST_CASE("below `confirm` a rule decision is ignored but keeps its category") {
    auto e = Build({{"decision.yaml", "decision:\n  act: 0.9\n  confirm: 0.6\n"}});
    auto j = e->JudgeWith("希望社区尽快处理一下垃圾站的问题", nullptr);
    CHECK(j.classification.category == "appeal");
    CHECK(j.decision.decision == "ignore");
  }
  TEST_CASE("the loader rejects bad decision and urgent files with the file and line") {
    struct Case {
      const char* why;
      const char* file;
      const char* body;
      const char* want;
    };
    const Case kCases[] = {
        {"confirm above act", "decision.yaml", "decision:\n  act: 0.5\n  confirm: 0.6\n", "must not exceed"},
        {"a threshold out of range", "decision.yaml", "decision:\n  act: 1.5\n", "decision.yaml:2: 'act' must be in [0, 1]"},
        {"an unknown decision key", "decision.yaml", "decision:\n  acts: 0.5\n", "unknown key 'acts'"},
        {"an urgent class outside the taxonomy", "urgent.yaml",
         "urgent_detector:\n  - name: x\n    intent: appeal.weather\n    patterns: [\"火\"]\n", "urgent.yaml:3: 'appeal.weather'"},
        {"an urgent class without patterns", "urgent.yaml", "urgent_detector:\n  - name: x\n    intent: appeal.other\n",
         "has no patterns"},
        {"a typo in an urgent class", "urgent.yaml",
         "urgent_detector:\n  - name: x\n    intent: appeal.other\n    pattern: [\"火\"]\n", "unknown key 'pattern'"},
    };
    for (const auto& c : kCases) {
      CAPTURE(std::string(c.why));
      TempConfig cfg;
      cfg.Write("intents/appeal.yaml", kAppeal);
      cfg.Write(std::string("intents/") + c.file, c.body);
      auto built = CompiledEngine::Build(cfg.dir());
      REQUIRE_FALSE(built.ok());
      CHECK_MESSAGE(built.status().message().find(c.want) != std::string::npos, built.status().message());
    }
  }
}

}  // namespace
}  // namespace gridrelay::intents
