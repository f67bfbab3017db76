// Issue #10: the fallback model on text it never saw. Out-of-domain lines (English, code,
// probe strings, emoji only) land below the act threshold and are ignored; the model's
// probability is calibrated on dev.jsonl when trained without it.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/intents/test_util.h"

namespace gridrelay::intents {
namespace {

TEST_SUITE("ModelCalibration") {
  TEST_CASE("out-of-domain lines land below the act threshold and are ignored") {
    for (const char* t : {"see you at the meeting tomorrow", "Please click here to claim your prize now",
                          "int main() { return 0; }", "SELECT id FROM t WHERE x = 1", "zzzzzzzzzzzzzzzz",
                          "probe-7f3a9c probe-7f3a9c", "😀😀😀", "[捂脸][捂脸]", "ok ok ok 123"}) {
      auto j = ShippedEngine().Judge(t);
      CHECK_MESSAGE(j.decision.decision == "ignore", t << " -> " << j.classification.intent << " " << j.decision.reason);
      CHECK_MESSAGE(!(j.classification.by == "model" && j.classification.confidence >= ShippedEngine().thresholds().model_act), t);
      CHECK_FALSE(j.decision.warn);
    }
  }
  TEST_CASE("the model's probability is calibrated on lines it never saw (tolerance 0.15)") {
    // Train on the probes and the intents' examples, score dev.jsonl (never in this
    // training set) on the lines no rule decides nor vetoes, and compare the top-class
    // probability with how often it is right: expected calibration error over 5 bins.
    std::filesystem::path dev = CorpusDir() / "dev.jsonl";
    std::filesystem::path probes = std::filesystem::path(GRIDRELAY_ROOT_DIR) / "intents/data/probes.jsonl";
    if (!std::filesystem::exists(dev)) {
      if (InCi()) FAIL("corpus missing");
      MESSAGE("SKIPPED: no corpus");
      return;
    }
    auto read = [](const std::filesystem::path& p) {
      std::vector<std::pair<std::string, std::string>> out;
      std::ifstream in(p);
      std::string line;
      while (std::getline(in, line)) {
        auto j = nlohmann::json::parse(line);
        out.emplace_back(j["text"].get<std::string>(), j["intent"].get<std::string>());
      }
      return out;
    };
    const CompiledEngine& e = ShippedEngine();
    std::vector<LabelledText> train;
    for (const auto& [t, i] : read(probes)) train.push_back({t, e.normaliser().Normalise(t).text, i});
    auto model = NgramModel::Train(train, TrainOptions{}, {});
    double bins_n[5] = {0}, bins_conf[5] = {0}, bins_ok[5] = {0};
    int n = 0;
    for (const auto& [t, intent] : read(dev)) {
      if (e.ClassifyWith(t, nullptr).by != "default") continue;  // a rule or a veto decided
      ModelPrediction p = model->Predict(e.normaliser().Normalise(t).text, false);
      int b = std::min(4, static_cast<int>(p.probability * 5));
      bins_n[b] += 1;
      bins_conf[b] += p.probability;
      bins_ok[b] += CategoryOf(p.intent) == CategoryOf(intent);
      ++n;
    }
    REQUIRE(n > 50);
    double ece = 0;
    for (int b = 0; b < 5; ++b)
      if (bins_n[b] > 0) ece += bins_n[b] / n * std::fabs(bins_conf[b] / bins_n[b] - bins_ok[b] / bins_n[b]);
    MESSAGE("calibration on " << n << " dev lines no rule decides: ECE " << ece);
    CHECK(ece <= 0.15);
  }
}

}  // namespace
}  // namespace gridrelay::intents
