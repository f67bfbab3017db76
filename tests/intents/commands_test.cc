// Tests for intents/commands.cc: classify's line protocol, check-config's errors and
// warnings, eval's figures on a small labelled file, and train + eval with the model
// (including the overlap detection that switches eval to k-fold).
#include "intents/commands.h"

#include <doctest/doctest.h>

#include <sstream>

#include "tests/intents/test_util.h"

namespace gridrelay::intents {
namespace {

using nlohmann::json;

std::vector<json> Lines(const std::string& s) {
  std::vector<json> out;
  std::istringstream in(s);
  std::string line;
  while (std::getline(in, line)) out.push_back(json::parse(line));
  return out;
}

TEST_SUITE("Classify") {
  TEST_CASE("one JSON object per input line, in order, and bad lines do not stop the run") {
    std::istringstream in(
        "{\"id\": \"a\", \"text\": \"楼上装修太吵了\", \"extra\": 1}\n"
        "老公喝醉了又打我\n"
        "{\"text\": 42}\n"
        "{not json\n"
        "\n"
        "大家早上好\r\n"
        "楼上装修\xff太吵了\n");
    std::ostringstream out;
    REQUIRE(RunClassify(FixtureDir("basic"), in, out).ok());
    auto lines = Lines(out.str());
    REQUIRE(lines.size() == 7);
    CHECK(lines[0]["intent"] == "appeal.noise");
    CHECK(lines[0]["category"] == "appeal");
    CHECK(lines[0]["id"] == "a");
    CHECK(lines[0].contains("confidence"));
    CHECK(lines[1]["intent"] == "legal_aid.domestic_violence");
    CHECK(lines[1]["urgent"] == true);
    CHECK(lines[2].contains("error"));
    CHECK(lines[3].contains("error"));
    CHECK(lines[4].contains("error"));
    CHECK(lines[5]["intent"] == "none");
    CHECK(lines[6]["intent"] == "appeal.noise");
    CHECK(lines[6]["warning"].get<std::string>().find("invalid UTF-8") != std::string::npos);
  }

  TEST_CASE("a config that does not load fails the command") {
    std::istringstream in("x\n");
    std::ostringstream out;
    CHECK_FALSE(RunClassify(FixtureDir("does-not-exist"), in, out).ok());
  }
}

TEST_SUITE("CheckConfig") {
  TEST_CASE("the fixture's examples pass and conflicts are warnings that name the winner") {
    auto engine = CompiledEngine::Build(FixtureDir("basic"));
    REQUIRE(engine.ok());
    auto report = CheckEngine(**engine, /*require_full_taxonomy=*/false);
    REQUIRE_MESSAGE(report.ok(), report.status().ToString());
    CHECK(report->intents == 8);
    CHECK(report->examples_checked == 12);
  }

  TEST_CASE("a failing example is reported with its file, line and text") {
    TempConfig cfg;
    cfg.CopyFixture("basic");
    cfg.Write("intents/legal_aid.yaml",
              "category: legal_aid\nintents:\n  - name: legal_aid.labor\n    patterns: [\"拖欠.{0,6}工资\"]\n"
              "    examples:\n      - \"老板欠我工资\"\n    counter_examples:\n      - \"物业拖欠保洁工资\"\n");
    auto engine = CompiledEngine::Build(cfg.dir());
    REQUIRE(engine.ok());
    auto report = CheckEngine(**engine, false);
    REQUIRE_FALSE(report.ok());
    const std::string& m = report.status().message();
    CHECK(m.find("legal_aid.yaml:6: example \"老板欠我工资\" of legal_aid.labor classified as none") != std::string::npos);
    CHECK(m.find("legal_aid.yaml:8: counter-example \"物业拖欠保洁工资\" of legal_aid.labor classified as legal_aid.labor") !=
          std::string::npos);
  }

  TEST_CASE("an example matched by two intents is a conflict warning") {
    TempConfig cfg;
    cfg.CopyFixture("basic");
    cfg.Write("intents/legal_aid.yaml",
              "category: legal_aid\nintents:\n  - name: legal_aid.labor\n    patterns: [\"拖欠.{0,6}工资\"]\n"
              "    examples: [\"物业拖欠工资，电梯也坏了\"]\n");
    auto engine = CompiledEngine::Build(cfg.dir());
    REQUIRE(engine.ok());
    auto report = CheckEngine(**engine, false);
    REQUIRE(report.ok());
    bool found = false;
    for (const auto& w : report->warnings)
      found |= w.find("legal_aid.yaml:5: conflict") != std::string::npos &&
               w.find("legal_aid.labor (legal_aid.yaml:4), appeal.facilities (appeal.yaml:5)") != std::string::npos &&
               w.find("legal_aid.labor wins by category precedence (legal_aid > appeal)") != std::string::npos;
    CHECK(found);
  }

  TEST_CASE("a shipped config must cover the whole taxonomy") {
    auto engine = CompiledEngine::Build(FixtureDir("basic"));
    REQUIRE(engine.ok());
    auto report = CheckEngine(**engine, /*require_full_taxonomy=*/true);
    REQUIRE_FALSE(report.ok());
    CHECK(report.status().message().find("intent appeal.welfare of the taxonomy is not defined") != std::string::npos);
  }
}

TEST_SUITE("Eval") {
  TEST_CASE("figures on a small labelled file are computed from the predictions") {
    auto report = Evaluate(FixtureDir("basic"), {FixtureDir("data") / "small.jsonl"});
    REQUIRE_MESSAGE(report.ok(), report.status().ToString());
    CHECK_FALSE(report->model_present);
    const EvalFigures& f = report->primary();
    CHECK(f.lines == 17);
    // 16 of 17 right: "下水道堵了没人管" (appeal.other) has no pattern in the fixture.
    CHECK(f.intent_accuracy == doctest::Approx(16.0 / 17));
    CHECK(f.anti_fraud_recall == doctest::Approx(1.0));
    CHECK(f.false_alarm_rate == doctest::Approx(0.0));
    CHECK(f.urgent_recall == doctest::Approx(1.0));
    CHECK(f.per_category.at("appeal").recall == doctest::Approx(5.0 / 6));
    CHECK(f.per_category.at("none").precision == doctest::Approx(4.0 / 5));
    CHECK(f.confusion.at("appeal").at("none") == 1);
    REQUIRE(f.errors.size() == 1);
    CHECK(f.errors[0].id == "t-17");
    int binned = 0;
    for (const auto& b : f.reliability) binned += b.count;
    CHECK(binned == 17);
  }

  TEST_CASE("the text and JSON reports carry the headline figures") {
    std::ostringstream text;
    REQUIRE(RunEval(FixtureDir("basic"), {FixtureDir("data") / "small.jsonl"}, true, text).ok());
    CHECK(text.str().find("category macro-F1") != std::string::npos);
    CHECK(text.str().find("t-17") != std::string::npos);
    std::ostringstream js;
    REQUIRE(RunEval(FixtureDir("basic"), {FixtureDir("data") / "small.jsonl"}, false, js, true).ok());
    json j = json::parse(js.str());
    CHECK(j["rules_only"]["lines"] == 17);
    CHECK(j["rules_only"].contains("false_alarm_rate"));
  }

  TEST_CASE("a bad data line fails with its file and line") {
    TempConfig cfg;
    cfg.Write("bad.jsonl", "{\"text\": \"a\", \"intent\": \"none\"}\n{\"text\": \"b\", \"intent\": \"appeal.weather\"}\n");
    auto report = Evaluate(FixtureDir("basic"), {cfg.dir() / "bad.jsonl"});
    REQUIRE_FALSE(report.ok());
    CHECK(report.status().message().find("bad.jsonl:2: unknown intent 'appeal.weather'") != std::string::npos);
  }
}

TEST_SUITE("Train") {
  TEST_CASE("train writes a versioned model that eval detects as overlapping and cross-validates") {
    TempConfig cfg;
    cfg.CopyFixture("basic");
    std::ostringstream out;
    REQUIRE(RunTrain(cfg.dir(), {FixtureDir("data") / "small.jsonl"}, out).ok());
    CHECK(out.str().find("wrote") != std::string::npos);
    auto model = NgramModel::LoadFile(ModelPath(cfg.dir()));
    REQUIRE(model.ok());
    CHECK((*model)->WasTrainedOn("楼上装修太吵了"));
    CHECK_FALSE((*model)->WasTrainedOn("从没见过的句子"));

    auto report = Evaluate(cfg.dir(), {FixtureDir("data") / "small.jsonl"});
    REQUIRE(report.ok());
    CHECK(report->model_present);
    CHECK(report->overlap_lines == 17);
    CHECK(report->cross_validated);
    // The folds retrain on the model's own recorded training file.
    CHECK(report->training_files_reused.size() == 1);
    CHECK(report->missing_training_files.empty());
    REQUIRE(report->with_model.has_value());
    CHECK(report->with_model->lines == 17);
    // Rules decide what they can; only the leftover lines can change.
    CHECK(report->with_model->decided_by.count("rule"));
  }

  TEST_CASE("a model decision is marked by model, carries its probability and names its n-grams") {
    TempConfig cfg;
    cfg.CopyFixture("basic");
    std::ostringstream out;
    REQUIRE(RunTrain(cfg.dir(), {FixtureDir("data") / "small.jsonl"}, out).ok());
    EngineOptions trusting;
    trusting.model_threshold = 0.0;  // trust every model decision, to see one
    auto engine = CompiledEngine::Build(cfg.dir(), trusting);
    REQUIRE(engine.ok());
    Classification c = (*engine)->Classify("下水道又堵了没人管");  // no rule matches this
    CHECK(c.by == "model");
    CHECK(c.matches.empty());
    CHECK(c.confidence > 0.0);
    CHECK(c.confidence <= 1.0);
    REQUIRE(!c.evidence.empty());
    CHECK(c.evidence[0].rfind("ngram ", 0) == 0);
    // With the fitted threshold the same model may abstain: then the result is none, by default.
    auto cautious = CompiledEngine::Build(cfg.dir());
    REQUIRE(cautious.ok());
    Classification d = (*cautious)->Classify("下水道又堵了没人管");
    CHECK(((d.by == "default" && d.intent == "none") || (d.by == "model" && d.intent == c.intent)));
  }
}

}  // namespace
}  // namespace gridrelay::intents
