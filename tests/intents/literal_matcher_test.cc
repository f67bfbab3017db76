// Tests for intents/literal_matcher.cc: every occurrence of every literal, overlapping and
// nested ones included, checked against a brute-force search.
#include "intents/literal_matcher.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <utility>

namespace gridrelay::intents {
namespace {

TEST_SUITE("LiteralMatcher") {
  TEST_CASE("reports exactly the occurrences a brute-force search finds") {
    const std::vector<std::string> kLiterals = {"he", "she", "his", "hers", "安全", "安全账户", "全账", "账户",
                                                "户", "ahishers", "", "转账", "转账到安全账户"};
    const std::vector<std::string> kTexts = {"ushers", "ahishers", "把钱转账到安全账户", "安全安全账户户",
                                             "", "hhhhe", "没有匹配", "转账到安全账户转账到安全账户"};
    LiteralMatcher m(kLiterals);
    for (const auto& text : kTexts) {
      CAPTURE(text);
      std::vector<std::pair<int, int>> got, want;
      m.Scan(text, [&](int id, int end) { got.emplace_back(id, end); });
      for (size_t id = 0; id < kLiterals.size(); ++id) {
        const std::string& lit = kLiterals[id];
        if (lit.empty()) continue;
        for (size_t pos = text.find(lit); pos != std::string::npos; pos = text.find(lit, pos + 1))
          want.emplace_back(static_cast<int>(id), static_cast<int>(pos + lit.size()));
      }
      std::sort(got.begin(), got.end());
      std::sort(want.begin(), want.end());
      CHECK(got == want);
    }
  }

  TEST_CASE("an empty matcher finds nothing") {
    LiteralMatcher m;
    int n = 0;
    m.Scan("anything", [&](int, int) { ++n; });
    CHECK(n == 0);
  }
}

}  // namespace
}  // namespace gridrelay::intents
