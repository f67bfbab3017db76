// Tests for intents/ngram_model.cc: features, training, calibrated prediction with
// evidence, and the model file (round trip, version and corruption checks).
#include "intents/ngram_model.h"

#include <doctest/doctest.h>

#include <fstream>
#include <numeric>
#include <string>

#include "gateway/core/classification.h"

#include "intents/normaliser.h"
#include "tests/intents/test_util.h"

namespace gridrelay::intents {
namespace {

std::vector<LabelledText> Synthetic() {
  const char* scam[] = {"有人拉我刷单返佣金", "做任务刷单先垫付", "刷单赚钱日结", "点赞关注刷单返利", "刷单兼职每天三百",
                        "网上刷单被骗了", "拉我进刷单群", "刷单垫付不返还"};
  const char* noise[] = {"楼上装修太吵了", "装修噪音扰民", "晚上装修吵得睡不着", "装修电钻声太吵", "隔壁装修天天吵",
                         "周末装修吵死了", "装修从早吵到晚", "楼下装修噪音大"};
  const char* none[] = {"大家早上好", "谢谢网格员", "今天天气不错", "收到谢谢", "好的明白",
                        "辛苦了", "大家晚上好", "感谢社区"};
  std::vector<LabelledText> out;
  auto norm = Normaliser::Create();
  REQUIRE(norm.ok());
  for (auto* t : scam) out.push_back({t, norm->Normalise(t).text, "anti_fraud.order_brushing"});
  for (auto* t : noise) out.push_back({t, norm->Normalise(t).text, "appeal.noise"});
  for (auto* t : none) out.push_back({t, norm->Normalise(t).text, "none"});
  return out;
}

TEST_SUITE("NgramModel") {
  TEST_CASE("features are character 1-3-grams with digits folded") {
    std::vector<uint32_t> f;
    std::vector<std::string> g;
    NgramFeatures("刷单1", 1u << 18, &f, &g);
    CHECK(g == std::vector<std::string>{"刷", "刷单", "刷单0", "单", "单0", "0"});
    CHECK(f.size() == g.size());
    NgramFeatures("a b", 1u << 18, &f, &g);
    CHECK(g == std::vector<std::string>{"a", "b"});
  }

  TEST_CASE("a trained model predicts unseen phrasings with calibrated probabilities and evidence") {
    auto model = NgramModel::Train(Synthetic(), TrainOptions{}, {"synthetic"});
    ModelPrediction p = model->Predict("我朋友被拉去刷单了");
    CHECK(p.intent == "anti_fraud.order_brushing");
    CHECK(p.probability > 0.5);
    CHECK(p.probability <= 1.0);
    CHECK(std::accumulate(p.distribution.begin(), p.distribution.end(), 0.0) == doctest::Approx(1.0));
    REQUIRE(!p.evidence.empty());
    bool names_it = false;
    for (const auto& e : p.evidence) names_it |= e.find("刷单") != std::string::npos;
    CHECK_MESSAGE(names_it, p.evidence[0]);
    CHECK(model->Predict("楼上天天装修").intent == "appeal.noise");
    CHECK(model->temperature() > 0);
    CHECK(model->threshold() >= 0.5);
  }

  TEST_CASE("the model file round-trips and records the training lines") {
    auto data = Synthetic();
    auto model = NgramModel::Train(data, TrainOptions{}, {"synthetic"});
    TempConfig cfg;
    auto path = cfg.dir() / "models" / "intent-model.json";
    REQUIRE(model->SaveFile(path).ok());
    auto loaded = NgramModel::LoadFile(path);
    REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
    CHECK((*loaded)->classes() == model->classes());
    CHECK((*loaded)->training_lines() == data.size());
    CHECK((*loaded)->WasTrainedOn("刷单赚钱日结"));
    for (const char* t : {"我朋友被拉去刷单了", "楼上天天装修", "你好"}) {
      auto a = model->Predict(t);
      auto b = (*loaded)->Predict(t);
      CHECK(a.intent == b.intent);
      CHECK(a.probability == doctest::Approx(b.probability));
    }
  }

  TEST_CASE("both kinds train, save and load, the file names its kind, logreg is the default") {
    auto data = Synthetic();
    CHECK(TrainOptions{}.kind == "logreg");
    for (const char* kind : {"logreg", "naive_bayes"}) {
      TrainOptions o;
      o.kind = kind;
      auto model = NgramModel::Train(data, o, {"synthetic"});
      CHECK(model->kind() == kind);
      auto p = model->Predict("朋友拉我去刷单");
      CHECK_MESSAGE(CategoryOf(p.intent) == "anti_fraud", (std::string(kind) + " -> " + p.intent));
      TempConfig cfg;
      auto path = cfg.dir() / "m.json";
      REQUIRE(model->SaveFile(path).ok());
      auto loaded = NgramModel::LoadFile(path);
      REQUIRE_MESSAGE(loaded.ok(), loaded.status().ToString());
      CHECK((*loaded)->kind() == kind);
      CHECK((*loaded)->Predict("朋友拉我去刷单").probability == doctest::Approx(p.probability).epsilon(0.001));
    }
  }

  TEST_CASE("the probability is the category's: intents of one category share it") {
    auto data = Synthetic();
    auto model = NgramModel::Train(data, TrainOptions{}, {});
    auto p = model->Predict("楼上装修吵");
    double cat = 0;
    for (size_t c = 0; c < model->classes().size(); ++c)
      if (CategoryOf(model->classes()[c]) == CategoryOf(p.intent)) cat += p.distribution[c];
    CHECK(p.probability == doctest::Approx(cat));
  }

  TEST_CASE("a model file of another version or a corrupt one is refused") {
    TempConfig cfg;
    cfg.Write("m1.json", "{\"format\": \"gridrelay-intent-model\", \"version\": 99}");
    auto v = NgramModel::LoadFile(cfg.dir() / "m1.json");
    REQUIRE_FALSE(v.ok());
    CHECK(v.status().message().find("version 99") != std::string::npos);
    cfg.Write("m2.json", "{\"format\": \"gridrelay-intent-model\", \"version\": 1, \"buckets\": ");
    CHECK_FALSE(NgramModel::LoadFile(cfg.dir() / "m2.json").ok());
    CHECK(NgramModel::LoadFile(cfg.dir() / "missing.json").status().code() == StatusCode::kNotFound);
  }
}

}  // namespace
}  // namespace gridrelay::intents
