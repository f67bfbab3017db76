// Tests for intents/pattern_set.cc and intents/cooccurrence.cc: which shape each pattern
// gets, and that every shape finds exactly what RE2 finds (the native co-occurrence matcher
// is checked against RE2 on a table of patterns and texts, with and without the RE2::Set).
#include "intents/pattern_set.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <memory>
#include <random>

#include "intents/cooccurrence.h"

namespace gridrelay::intents {
namespace {

TEST_SUITE("Cooccurrence") {
  TEST_CASE("the supported subset parses into chains and the rest is refused") {
    struct Case {
      const char* regex;
      bool ok;
      size_t chains;
      size_t steps;  // of the first chain
    };
    const Case kCases[] = {
        {"(公安|警察).{0,12}(安全账户|资金核查)", true, 1, 2},
        {"(?:(公安|警察)).{0,6}(电话|来电)", true, 1, 2},
        {"^【(通知|公告)】", true, 1, 1},
        {"刷单", true, 1, 1},
        {"(是不是(诈骗|骗子)|骗子吧)", true, 1, 1},
        {"(a.{0,2}b|c)x", true, 2, 2},
        {"(装修|广场舞).{0,16}(吵|噪音).{0,4}(死了|很)", true, 1, 3},
        {"安全.账户", true, 1, 2},
        {"\\?", true, 1, 1},
        {"[0-9]+栋", false, 0, 0},
        {"(的)?工资", false, 0, 0},
        {"工资.*拖欠", false, 0, 0},
        {"\\d{11}", false, 0, 0},
        {"(?i)abc", false, 0, 0},
        {".{0,3}开头", false, 0, 0},
        {"结尾$", false, 0, 0},
    };
    for (const auto& c : kCases) {
      CAPTURE(std::string(c.regex));
      std::vector<CooccurrenceChain> chains;
      REQUIRE(ParseCooccurrence(c.regex, &chains) == c.ok);
      if (!c.ok) continue;
      CHECK(chains.size() == c.chains);
      CHECK(chains[0].steps.size() == c.steps);
    }
  }

  TEST_CASE("gaps are counted in characters and merge across groups") {
    std::vector<CooccurrenceChain> chains;
    REQUIRE(ParseCooccurrence("a.{1,3}(?:.{2})b", &chains));
    REQUIRE(chains.size() == 1);
    CHECK(chains[0].steps[1].min_gap == 3);
    CHECK(chains[0].steps[1].max_gap == 5);
  }
}

TEST_SUITE("PatternSet") {
  const std::vector<std::string> kPatterns = {
      "(公安|警察|派出所).{0,12}(安全账户|资金核查)",
      "刷单",
      "(装修|广场舞).{0,16}(吵|噪音|扰民)",
      "^【(温馨提示|通知|公告)】",
      "(燃气|煤气)味",
      "[0-9]+(栋|号楼)",
      "(拖欠|欠)(了)?.{0,6}工资",
      "(是不是|是否).{0,4}(诈骗|骗子)|骗子吧",
      "电梯.{2,4}坏",
      "a.b.{0,1}c",
      "(说|让).{0,3}(转账|汇款).{0,5}(安全|账户)",
  };
  const std::vector<std::string> kTexts = {
      "有人自称公安,让我把钱转到安全账户",
      "警察说资金核查",
      "派出所的人打电话给我说了很多很多很多很多很多很多话然后说安全账户",
      "拉我刷单",
      "楼上装修太吵了",
      "【通知】明天停水",
      "明天停水【通知】",
      "楼道有煤气味",
      "3栋楼下",
      "老板拖欠了三个月工资",
      "老板欠工资",
      "这是不是诈骗",
      "骗子吧这是",
      "电梯又坏",
      "电梯又又坏",
      "电梯又又又又坏",
      "电梯又又又又又坏",
      "axbc abc axbyc",
      "他说要转账到安全账户",
      "说说说转账转账安全",
      "",
      "没有任何匹配的普通消息",
  };

  void CheckAgainstRe2(const PatternSetOptions& options) {
    std::vector<PatternSet::Spec> specs;
    for (size_t i = 0; i < kPatterns.size(); ++i) specs.push_back({kPatterns[i], false, "p" + std::to_string(i)});
    auto ps = PatternSet::Compile(specs, options);
    REQUIRE_MESSAGE(ps.ok(), ps.status().ToString());
    for (const auto& text : kTexts) {
      CAPTURE(text);
      std::vector<PatternSet::Hit> hits;
      (*ps)->Match(text, &hits);
      std::vector<int> got;
      for (const auto& h : hits) {
        got.push_back(h.pattern);
        // The span is a real match of the pattern.
        re2::RE2 whole("^(?:" + kPatterns[h.pattern] + ")$", PatternOptions());
        std::string span = text.substr(h.begin, h.end - h.begin);
        CHECK_MESSAGE(re2::RE2::FullMatch(span, whole), kPatterns[h.pattern] << " span " << span);
      }
      std::sort(got.begin(), got.end());
      std::vector<int> want;
      for (size_t i = 0; i < kPatterns.size(); ++i)
        if (re2::RE2::PartialMatch(text, re2::RE2(kPatterns[i], PatternOptions()))) want.push_back(static_cast<int>(i));
      CHECK(got == want);
    }
  }

  TEST_CASE("native co-occurrence matching finds exactly what RE2 finds") {
    CheckAgainstRe2(PatternSetOptions{});
  }

  TEST_CASE("so do the RE2 paths: prefilter only, and with the RE2::Set") {
    PatternSetOptions o;
    o.native_cooccurrence = false;
    CheckAgainstRe2(o);
    o.gap_free_in_set = true;
    CheckAgainstRe2(o);
  }

  TEST_CASE("on random patterns and texts the native matcher agrees with RE2") {
    // A small alphabet makes repeated and overlapping words, the hard cases, common.
    const std::vector<std::string> alphabet = {"甲", "乙", "丙", "a", "b"};
    std::mt19937 rng(7);
    auto word = [&] {
      std::string w;
      for (int n = 1 + static_cast<int>(rng() % 2); n > 0; --n) w += alphabet[rng() % alphabet.size()];
      return w;
    };
    auto group = [&] {
      std::string g = "(";
      for (int n = 1 + static_cast<int>(rng() % 3); n > 0; --n) g += word() + (n > 1 ? "|" : "");
      return g + ")";
    };
    std::vector<PatternSet::Spec> specs;
    std::vector<std::unique_ptr<re2::RE2>> res;
    for (int i = 0; i < 300; ++i) {
      std::string p = (rng() % 5 == 0 ? "^" : "") + group();
      for (int k = static_cast<int>(rng() % 3); k > 0; --k) {
        int lo = static_cast<int>(rng() % 3);
        p += ".{" + std::to_string(lo) + "," + std::to_string(lo + static_cast<int>(rng() % 4)) + "}" + group();
      }
      specs.push_back({p, false, "r" + std::to_string(i)});
      res.push_back(std::make_unique<re2::RE2>(p, PatternOptions()));
    }
    auto ps = PatternSet::Compile(specs);
    REQUIRE(ps.ok());
    CHECK((*ps)->stats().cooccurrence + (*ps)->stats().literal == static_cast<int>(specs.size()));
    int disagreements = 0;
    for (int t = 0; t < 400; ++t) {
      std::string text;
      for (int n = static_cast<int>(rng() % 14); n > 0; --n) text += alphabet[rng() % alphabet.size()];
      std::vector<PatternSet::Hit> hits;
      (*ps)->Match(text, &hits);
      std::vector<char> got(specs.size(), 0);
      for (const auto& h : hits) got[h.pattern] = 1;
      for (size_t i = 0; i < specs.size(); ++i) {
        bool want = re2::RE2::PartialMatch(text, *res[i]);
        if (want != static_cast<bool>(got[i])) {
          ++disagreements;
          MESSAGE("pattern " << specs[i].regex << " on " << text << ": RE2 " << want);
        }
      }
    }
    CHECK(disagreements == 0);
  }

  TEST_CASE("patterns are split by shape") {
    std::vector<PatternSet::Spec> specs;
    for (size_t i = 0; i < kPatterns.size(); ++i) specs.push_back({kPatterns[i], false, "p"});
    auto ps = PatternSet::Compile(specs);
    REQUIRE(ps.ok());
    CHECK((*ps)->shape(0) == PatternSet::Shape::kCooccurrence);
    CHECK((*ps)->shape(1) == PatternSet::Shape::kLiteral);
    CHECK((*ps)->shape(5) == PatternSet::Shape::kGapped);  // a class with +
    CHECK((*ps)->shape(6) == PatternSet::Shape::kGapped);  // an optional group
    CHECK((*ps)->stats().atoms > 0);
  }

  TEST_CASE("a pattern without a usable literal runs on every message and is reported") {
    auto ps = PatternSet::Compile({{"[0-9]{11}", false, "phone"}, {"刷单", false, "k"}});
    REQUIRE(ps.ok());
    CHECK((*ps)->shape(0) == PatternSet::Shape::kUnfiltered);
    CHECK((*ps)->stats().unfiltered == 1);
    std::vector<PatternSet::Hit> hits;
    (*ps)->Match("电话13812345678", &hits);
    REQUIRE(hits.size() == 1);
    CHECK(hits[0].begin == 6);
  }

  TEST_CASE("a bad pattern is reported with its id and RE2's message") {
    auto ps = PatternSet::Compile({{"ok", false, "a.yaml:1"}, {"(unclosed", false, "a.yaml:2"}});
    REQUIRE_FALSE(ps.ok());
    CHECK(ps.status().message().find("a.yaml:2: bad pattern \"(unclosed\": missing )") != std::string::npos);
  }
}

}  // namespace
}  // namespace gridrelay::intents
