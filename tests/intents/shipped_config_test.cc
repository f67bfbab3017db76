// Tests that run on the shipped config/ and the shared corpus: check-config must pass, and
// eval on dev.jsonl must meet the quality bar of issue 3, so that a pattern change cannot
// silently lower quality. Corpus-dependent cases skip with a message when the corpus is
// absent, but fail instead when CI=true.
#include <doctest/doctest.h>

#include <filesystem>
#include <sstream>

#include "intents/commands.h"
#include "tests/intents/test_util.h"

namespace gridrelay::intents {
namespace {

namespace fs = std::filesystem;

bool HaveShippedIntents() {
  std::error_code ec;
  if (!fs::is_directory(RepoConfigDir() / "intents", ec)) return false;
  for (const auto& e : fs::directory_iterator(RepoConfigDir() / "intents", ec))
    if (e.path().extension() == ".yaml") return true;
  return false;
}

TEST_SUITE("ShippedConfig") {
  TEST_CASE("check-config passes on the shipped config") {
    if (!HaveShippedIntents()) {
      if (InCi()) FAIL("config/intents/*.yaml is missing");
      MESSAGE("SKIPPED: no config/intents/*.yaml yet");
      return;
    }
    std::ostringstream out;
    Status s = RunCheck(RepoConfigDir(), out);
    CHECK_MESSAGE(s.ok(), s.ToString());
    MESSAGE(out.str());
  }

  TEST_CASE("eval on dev.jsonl meets the quality bar") {
    fs::path dev = CorpusDir() / "dev.jsonl";
    if (!fs::exists(dev) || !HaveShippedIntents()) {
      if (InCi()) FAIL("corpus " << dev << " or config/intents is missing");
      MESSAGE("SKIPPED: " << dev << " or config/intents is missing");
      return;
    }
    auto report = Evaluate(RepoConfigDir(), {dev});
    REQUIRE_MESSAGE(report.ok(), report.status().ToString());
    const EvalFigures& f = report->primary();
    MESSAGE("dev.jsonl: category macro-F1 " << f.category_macro_f1 << ", intent macro-F1 " << f.intent_macro_f1
                                            << ", anti_fraud recall " << f.anti_fraud_recall << ", false alarms "
                                            << f.false_alarm_rate << ", urgent recall " << f.urgent_recall
                                            << std::string(report->cross_validated ? " (model figures k-fold)" : ""));
    CHECK(f.category_macro_f1 >= 0.93);
    CHECK(f.intent_macro_f1 >= 0.85);
    CHECK(f.anti_fraud_recall >= 0.95);
    CHECK(f.false_alarm_rate <= 0.03);
    CHECK(f.urgent_recall >= 0.9);
  }
}

}  // namespace
}  // namespace gridrelay::intents
