// Entity extractors: one RE2 per entity type, run over the normalised text (so full-width
// digits, spaced-out numbers and look-alikes are already folded), then validated in code
// (digit boundaries, Luhn, amount parsing) and mapped back to the original text. Where two
// entities overlap the earlier type in kOrder wins: an explicit "qq:" beats a bare phone.
#include "intents/entities.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include <re2/re2.h>

namespace gridrelay::intents {

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string DigitsOnly(std::string_view s) {
  std::string out;
  for (char c : s)
    if (IsDigit(c)) out.push_back(c);
  return out;
}

std::string FormatYuan(double v) {
  char buf[64];
  if (std::fabs(v - std::round(v)) < 1e-9) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f", v);
    std::string s = buf;
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
    return s;
  }
  return buf;
}

// Chinese numeral character -> digit, or -1.
int ChineseDigit(char32_t c) {
  switch (c) {
    case U'零': case U'〇': return 0;
    case U'一': case U'壹': case U'幺': return 1;
    case U'二': case U'两': case U'贰': return 2;
    case U'三': case U'叁': return 3;
    case U'四': case U'肆': return 4;
    case U'五': case U'伍': return 5;
    case U'六': case U'陆': return 6;
    case U'七': case U'柒': return 7;
    case U'八': case U'捌': return 8;
    case U'九': case U'玖': return 9;
    default: return -1;
  }
}

double ChineseUnit(char32_t c) {
  switch (c) {
    case U'十': case U'拾': return 10;
    case U'百': case U'佰': return 100;
    case U'千': case U'仟': return 1000;
    case U'万': case U'萬': return 1e4;
    case U'亿': return 1e8;
    default: return 0;
  }
}

// Parses mixed numerals: "3", "3.5", "三千五", "两万五", "1万2千", "十万", "一点五".
bool ParseNumber(std::string_view s, double* out) {
  double total = 0, section = 0, cur = 0, last_unit = 0;
  bool have_cur = false, cur_single_chinese = false, any = false;
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    int n = DecodeUtf8(s, i, &cp);
    if (IsDigit(static_cast<char>(cp)) && cp < 0x80) {
      size_t j = i;
      while (j < s.size() && (IsDigit(s[j]) || s[j] == '.')) ++j;
      std::string num(s.substr(i, j - i));
      if (std::count(num.begin(), num.end(), '.') > 1 || num.back() == '.') return false;
      cur = std::stod(num);
      have_cur = any = true;
      cur_single_chinese = false;
      i = j;
      continue;
    }
    int d = ChineseDigit(cp);
    if (d >= 0) {
      // A digit run (一五) or a decimal (一点五).
      double v = d;
      size_t j = i + n;
      int digits = 1;
      while (j < s.size()) {
        char32_t c2;
        int n2 = DecodeUtf8(s, j, &c2);
        int d2 = ChineseDigit(c2);
        if (d2 < 0) break;
        v = v * 10 + d2;
        ++digits;
        j += n2;
      }
      char32_t c3 = 0;
      if (j < s.size()) DecodeUtf8(s, j, &c3);
      if (c3 == U'点') {
        j += 3;
        double scale = 0.1;
        while (j < s.size()) {
          char32_t c4;
          int n4 = DecodeUtf8(s, j, &c4);
          int d4 = ChineseDigit(c4);
          if (d4 < 0) break;
          v += d4 * scale;
          scale /= 10;
          j += n4;
        }
        digits = 2;
      }
      cur = v;
      have_cur = any = true;
      cur_single_chinese = digits == 1;
      i = j;
      continue;
    }
    double unit = ChineseUnit(cp);
    if (unit == 0 && (cp == 'k' || cp == U'千')) unit = 1000;
    if (unit == 0 && cp == 'w') unit = 1e4;
    if (unit == 0) return false;
    any = true;
    if (unit >= 1e4) {
      section += have_cur ? cur : 0;
      if (section == 0) section = 1;
      total += section * unit;
      section = 0;
      last_unit = unit;
    } else {
      section += (have_cur ? cur : 1) * unit;
      last_unit = unit;
    }
    cur = 0;
    have_cur = false;
    i += n;
  }
  if (!any) return false;
  if (have_cur) {
    // "三千五" = 3500, "两万五" = 25000: a lone digit after a unit counts in the next unit down.
    if (cur_single_chinese && last_unit >= 10) cur *= last_unit / 10;
    section += cur;
  }
  *out = total + section;
  return true;
}

struct Extractor {
  const char* type;
  std::unique_ptr<re2::RE2> re;
};

const std::vector<Extractor>& Extractors() {
  static const std::vector<Extractor>* kList = [] {
    re2::RE2::Options o;
    o.set_log_errors(false);
    auto make = [&](const char* type, const char* pattern) {
      auto re = std::make_unique<re2::RE2>(pattern, o);
      return Extractor{type, std::move(re)};
    };
    auto* list = new std::vector<Extractor>();
    // Order is precedence on overlap.
    list->push_back(make("url", R"((?:https?://|www\.)[a-z0-9\-._~:/?#@!$&*+,;=%]+)"));
    list->push_back(make("qq", R"((?:qq|扣扣|企鹅)(?:号码|号)?(?: ?[:是为] ?| )?(\d{5,11}))"));
    list->push_back(make(
        "wechat",
        R"((?:微信|威信|薇信|徽信|v信|vx|wx|weixin|wechat)(?:号)?(?: ?[:是为加] ?| )?([a-z][-_a-z0-9]{5,19}|1[3-9]\d{9}))"));
    list->push_back(make("bank_card", R"(\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{1,3})?)"));
    list->push_back(make("phone", R"((?:\+?86[ -]?)?1[ -]?[3-9](?:[ -]?\d){9}|0\d{2,3}-?\d{7,8}|400-?\d{3}-?\d{4})"));
    list->push_back(make(
        "money",
        R"([¥￥] ?\d+(?:\.\d+)?(?:万|千|k|w)?|\d+(?:\.\d+)?(?:万|千|百)?(?: ?(?:元|块钱|块|rmb|人民币))|\d+(?:\.\d+)?(?:万|w|k)|[零〇一二两三四五六七八九十百千万亿点壹贰叁肆伍陆柒捌玖拾佰仟]*[一二两三四五六七八九十](?:[十百千万亿点零一二两三四五六七八九])*(?:元|块钱|块|(?:万|千)[一二两三四五六七八九]?(?:元|块)?))"));
    list->push_back(make(
        "address",
        R"((\d+|[一二三四五六七八九十]+)(?:号楼|栋|幢|座)(?:(\d+|[一二三四五六七八九十]+)单元)?(\d{3,4})?(?:室|号|户)?|(\d+)单元(\d{3,4})(?:室|号|户)?)"));
    list->push_back(make(
        "domain",
        R"([a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:com|cn|net|org|top|xyz|vip|cc|info|io|me|app|shop|site|online|club|ltd|icu|pw|tk|co|hk|tw|link|live|fun|work|ren|wang|asia|biz)(?:/[a-z0-9\-._~/?#=&%]*)?)"));
    for (const auto& e : *list)
      if (!e.re->ok()) std::abort();  // a bug in the table above, caught by every test run
    return list;
  }();
  return *kList;
}

int ParseSmallInt(std::string_view s) {
  double v = 0;
  if (!ParseNumber(s, &v)) return -1;
  return static_cast<int>(v);
}

}  // namespace

bool LuhnValid(std::string_view digits) {
  if (digits.empty()) return false;
  int sum = 0;
  bool dbl = false;
  for (size_t i = digits.size(); i-- > 0;) {
    if (!IsDigit(digits[i])) return false;
    int d = digits[i] - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

bool ParseAmount(std::string_view number, std::string_view unit, double* yuan) {
  double v = 0;
  if (!ParseNumber(number, &v)) return false;
  if (unit == "万" || unit == "w" || unit == "万元" || unit == "万块") v *= 1e4;
  if (unit == "千" || unit == "k" || unit == "千元" || unit == "千块") v *= 1e3;
  if (unit == "百") v *= 100;
  *yuan = v;
  return v > 0;
}

std::vector<Entity> ExtractEntities(const NormalisedText& norm, std::string_view original) {
  struct Found {
    size_t order;
    int begin, end;
    std::string type, value;
  };
  std::vector<Found> found;
  const std::string& t = norm.text;
  re2::StringPiece text(t);
  const auto& list = Extractors();
  re2::StringPiece groups[6];
  for (size_t e = 0; e < list.size(); ++e) {
    const re2::RE2& re = *list[e].re;
    std::string_view type = list[e].type;
    int ngroups = std::min(6, 1 + re.NumberOfCapturingGroups());
    size_t pos = 0;
    while (pos < t.size() && re.Match(text, pos, t.size(), re2::RE2::UNANCHORED, groups, ngroups)) {
      int b = static_cast<int>(groups[0].data() - t.data());
      int en = b + static_cast<int>(groups[0].size());
      pos = std::max<size_t>(en, pos + 1);
      bool digit_before = b > 0 && IsDigit(t[b - 1]);
      bool digit_after = en < static_cast<int>(t.size()) && IsDigit(t[en]);
      std::string match(groups[0].data(), groups[0].size());
      std::string value;
      if (type == "url") {
        while (!match.empty() && std::string_view(".,;:!?)").find(match.back()) != std::string_view::npos) {
          match.pop_back();
          --en;
        }
        value = match;
      } else if (type == "qq" || type == "wechat") {
        if (digit_after) continue;
        value = std::string(groups[1].data(), groups[1].size());
      } else if (type == "bank_card") {
        if (digit_before || digit_after) continue;
        value = DigitsOnly(match);
        if (value.size() < 16 || value.size() > 19 || !LuhnValid(value)) continue;
      } else if (type == "phone") {
        if (digit_before || digit_after) continue;
        value = DigitsOnly(match);
        if (value.size() == 13 && value.rfind("86", 0) == 0) value = value.substr(2);
      } else if (type == "money") {
        if (digit_before) continue;
        // "一块" is far more often a measure word (一块地, 断了一块) than one yuan.
        if (match == "一块" || (en + 3 <= static_cast<int>(t.size()) && t.compare(en, 3, "块") == 0)) continue;
        // Drop the currency sign and words; ParseNumber reads the multipliers (万, 千, k, w)
        // itself, whether the number is written in digits or in Chinese.
        std::string number = match;
        for (std::string_view sign : {"¥", "￥"})
          if (number.rfind(sign, 0) == 0) number.erase(0, sign.size());
        bool changed = true;
        while (changed) {
          changed = false;
          while (!number.empty() && number.back() == ' ') number.pop_back();
          while (!number.empty() && number.front() == ' ') number.erase(0, 1);
          for (std::string_view u : {"块钱", "人民币", "rmb", "元", "块"}) {
            if (number.size() > u.size() && number.compare(number.size() - u.size(), u.size(), u) == 0) {
              number.resize(number.size() - u.size());
              changed = true;
              break;
            }
          }
        }
        double yuan = 0;
        if (!ParseAmount(number, "", &yuan)) continue;
        value = FormatYuan(yuan);
      } else if (type == "address") {
        auto g = [&](int i) { return std::string_view(groups[i].data(), groups[i].size()); };
        if (!groups[4].empty()) {
          value = std::string(g(4)) + "单元" + std::string(g(5)) + "室";
        } else {
          int building = ParseSmallInt(g(1));
          if (building <= 0) continue;
          value = std::to_string(building) + "栋";
          if (!groups[2].empty()) value += std::to_string(ParseSmallInt(g(2))) + "单元";
          if (!groups[3].empty()) value += std::string(g(3)) + "室";
        }
      } else if (type == "domain") {
        if (b > 0 && (t[b - 1] == '@' || t[b - 1] == '.' || t[b - 1] == '/')) continue;
        std::string host = match.substr(0, match.find('/'));
        if (host.rfind("www.", 0) == 0) host = host.substr(4);
        value = host;
      }
      found.push_back({e, b, en, std::string(type), value});
    }
  }
  // Overlaps: the earlier type wins.
  std::sort(found.begin(), found.end(), [](const Found& a, const Found& b) { return a.order < b.order; });
  std::vector<Found> kept;
  for (auto& f : found) {
    bool overlaps = std::any_of(kept.begin(), kept.end(), [&](const Found& k) { return f.begin < k.end && k.begin < f.end; });
    if (!overlaps) kept.push_back(std::move(f));
  }
  std::sort(kept.begin(), kept.end(), [](const Found& a, const Found& b) { return a.begin < b.begin; });
  std::vector<Entity> out;
  for (const auto& f : kept) {
    Entity e;
    e.type = f.type;
    e.value = f.value;
    e.span = norm.ToOriginal(f.begin, f.end);
    e.text = RepairUtf8(original.substr(e.span.begin, e.span.end - e.span.begin));
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace gridrelay::intents
