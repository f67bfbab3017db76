// Normaliser implementation. The work is done on a vector of code points that each carry
// the original byte range they came from; every stage keeps those ranges, so the offset map
// is exact whatever gets dropped or collapsed.
#include "intents/normaliser.h"

#include <array>
#include <exception>
#include <mutex>

#include <opencc/opencc.h>

namespace gridrelay::intents {

namespace {

constexpr char32_t kReplacement = 0xFFFD;

// A code point with the original byte range it stands for. `space` marks whitespace and
// stripped material (emoji, mentions, markup), which behave like whitespace.
struct Unit {
  char32_t cp;
  int ob;
  int oe;
  bool space;
};

// The t2s table covers the CJK blocks, indexed by cp - kTableBase.
constexpr char32_t kTableBase = 0x3400;
constexpr char32_t kTableLast = 0xFAFF;

bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }

bool IsWhitespace(char32_t c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f' || c == 0x00A0 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

// Invisible characters used to split words without a visible gap: removed outright.
bool IsInvisible(char32_t c) {
  return (c >= 0x200B && c <= 0x200F) || c == 0x2060 || c == 0xFEFF || c == 0xFE0E || c == 0xFE0F ||
         c == 0x00AD || (c >= 0xE0020 && c <= 0xE007F) || (c >= 0x0300 && c <= 0x036F);
}

bool IsEmoji(char32_t c) {
  return (c >= 0x1F000 && c <= 0x1FAFF) || (c >= 0x2600 && c <= 0x27BF && c != 0x2776 && !(c >= 0x2780 && c <= 0x2793) &&
                                             !(c >= 0x2776 && c <= 0x277F)) ||
         (c >= 0x2B00 && c <= 0x2BFF) || (c >= 0x2190 && c <= 0x21FF) || (c >= 0x2300 && c <= 0x23FF) ||
         (c >= 0x25A0 && c <= 0x25FF) || c == 0x3030 || c == 0x303D || c == 0x3297 || c == 0x3299;
}

// Separator symbols that, between two CJK characters, are an evasion rather than text.
bool IsSeparatorSymbol(char32_t c) {
  switch (c) {
    case '-': case '_': case '.': case '*': case '~': case '|': case '/': case '\\': case '+':
    case '=': case '#': case '^': case '`': case '\'': case '"': case 0x00B7: case 0x2022:
    case 0x30FB: case 0x2027: case 0x2219: case 0x22C5: case 0xFF65:
      return true;
    default:
      return false;
  }
}

// Sentence punctuation whose runs collapse to one ("！！！" -> "!"). URL and path characters
// such as '/' are not in it, so "http://" survives.
bool IsCollapsible(char32_t c) {
  switch (c) {
    case '!': case '?': case ',': case '.': case ';': case ':': case '~': case '-': case '*':
    case 0x3002: case 0x3001: case 0x2026: case 0x2014: case 0x00B7: case 0x2022: case 0xFF61:
      return true;
    default:
      return false;
  }
}

bool IsChineseDigit(char32_t c, char* ascii) {
  static constexpr std::array<std::pair<char32_t, char>, 21> kDigits = {{
      {U'〇', '0'}, {U'零', '0'}, {U'一', '1'}, {U'幺', '1'}, {U'二', '2'}, {U'三', '3'}, {U'四', '4'},
      {U'五', '5'}, {U'六', '6'}, {U'七', '7'}, {U'八', '8'}, {U'九', '9'}, {U'壹', '1'}, {U'贰', '2'},
      {U'叁', '3'}, {U'肆', '4'}, {U'伍', '5'}, {U'陆', '6'}, {U'柒', '7'}, {U'捌', '8'}, {U'玖', '9'},
  }};
  for (const auto& [cp, a] : kDigits) {
    if (cp == c) {
      *ascii = a;
      return true;
    }
  }
  return false;
}

// Look-alike letters and digits used to dodge keyword filters.
char32_t FoldLookAlike(char32_t c) {
  if (c >= 0x2460 && c <= 0x2468) return '1' + (c - 0x2460);  // ①..⑨
  if (c >= 0x2474 && c <= 0x247C) return '1' + (c - 0x2474);  // ⑴..⑼
  if (c >= 0x2488 && c <= 0x2490) return '1' + (c - 0x2488);  // ⒈..⒐
  if (c >= 0x2776 && c <= 0x277E) return '1' + (c - 0x2776);  // ❶..❾
  if (c >= 0x2780 && c <= 0x2788) return '1' + (c - 0x2780);  // ➀..➈
  if (c >= 0x278A && c <= 0x2792) return '1' + (c - 0x278A);  // ➊..➒
  if (c == 0x24EA || c == 0x24FF) return '0';
  if (c >= 0x1D7CE && c <= 0x1D7FF) return '0' + (c - 0x1D7CE) % 10;  // mathematical digits
  if (c >= 0x1D400 && c <= 0x1D6A3) {                                  // mathematical letters
    char32_t i = (c - 0x1D400) % 52;
    return 'a' + (i < 26 ? i : i - 26);
  }
  if (c >= 0x24B6 && c <= 0x24CF) return 'a' + (c - 0x24B6);  // Ⓐ..Ⓩ
  if (c >= 0x24D0 && c <= 0x24E9) return 'a' + (c - 0x24D0);  // ⓐ..ⓩ
  switch (c) {
    case 0x0430: case 0x0410: case 0x03B1: case 0x0391: return 'a';
    case 0x0412: case 0x0392: return 'b';
    case 0x0441: case 0x0421: case 0x03F2: return 'c';
    case 0x0435: case 0x0415: case 0x0395: return 'e';
    case 0x041D: case 0x0397: return 'h';
    case 0x0456: case 0x0406: case 0x0399: return 'i';
    case 0x041A: case 0x039A: return 'k';
    case 0x043C: case 0x041C: case 0x039C: return 'm';
    case 0x039D: return 'n';
    case 0x043E: case 0x041E: case 0x03BF: case 0x039F: return 'o';
    case 0x0440: case 0x0420: case 0x03A1: return 'p';
    case 0x0455: case 0x0405: return 's';
    case 0x0422: case 0x03A4: return 't';
    case 0x0445: case 0x0425: case 0x03A7: return 'x';
    case 0x0443: case 0x03A5: return 'y';
    case 0x2018: case 0x2019: return '\'';
    case 0x201C: case 0x201D: return '"';
    case 0xFE50: return ',';
    case 0xFE52: return '.';
    default: return c;
  }
}

bool StartsWithAscii(const std::vector<Unit>& u, size_t i, std::string_view lit) {
  if (i + lit.size() > u.size()) return false;
  for (size_t k = 0; k < lit.size(); ++k) {
    char32_t c = u[i + k].cp;
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    if (c != static_cast<unsigned char>(lit[k])) return false;
  }
  return true;
}

// Returns the index one past the end of platform markup starting at `i`, or `i` if none.
size_t MarkupEnd(const std::vector<Unit>& u, size_t i) {
  char32_t c = u[i].cp;
  if (c == '[' || c == 0xFF3B) {
    if (StartsWithAscii(u, i, "[cq:")) {
      // OneBot escapes '[' inside a CQ code, so a second '[' ends the search (and keeps
      // a text full of "[CQ:" linear).
      for (size_t k = i + 1; k < u.size() && k < i + 4096; ++k) {
        if (u[k].cp == ']') return k + 1;
        if (u[k].cp == '[') return i;
      }
      return i;
    }
    // WeChat/QQ text emoticons: [捂脸] [OK] [图片], short and without digits.
    size_t k = i + 1;
    int n = 0;
    bool ok = true;
    for (; k < u.size() && n <= 5; ++k, ++n) {
      char32_t d = u[k].cp;
      if (d == ']' || d == 0xFF3D) break;
      if (!(IsCjk(d) || (d >= 'a' && d <= 'z') || (d >= 'A' && d <= 'Z'))) ok = false;
    }
    if (ok && n >= 1 && n <= 4 && k < u.size() && (u[k].cp == ']' || u[k].cp == 0xFF3D)) return k + 1;
    return i;
  }
  if (c == '<') {
    if (StartsWithAscii(u, i, "<at ") || StartsWithAscii(u, i, "<at>")) {
      for (size_t k = i; k + 4 < u.size() + 1 && k < i + 512; ++k)
        if (StartsWithAscii(u, k, "</at>")) return k + 5;
    }
    // Generic tags: <b>, </p>, <br/>, <a href="...">.
    size_t k = i + 1;
    if (k < u.size() && u[k].cp == '/') ++k;
    if (k >= u.size() || !((u[k].cp >= 'a' && u[k].cp <= 'z') || (u[k].cp >= 'A' && u[k].cp <= 'Z'))) return i;
    for (; k < u.size() && k < i + 256; ++k) {
      if (u[k].cp == '>') return k + 1;
      if (u[k].cp == '<' || u[k].cp == '\n') return i;
    }
    return i;
  }
  if (c == '@' || c == 0xFF20) {
    bool at_start = i == 0 || u[i - 1].space || IsWhitespace(u[i - 1].cp);
    if (!at_start) return i;  // an e-mail address, not a mention
    // A mention ends at whitespace (WeChat puts U+2005 after it); give up on very long names.
    for (size_t k = i + 1; k < u.size() && k <= i + 24; ++k)
      if (IsWhitespace(u[k].cp)) return k + 1;
    // Broadcast mentions are often glued to the text that follows.
    for (std::u32string_view all : {U"所有人", U"全体成员", U"all"}) {
      if (i + 1 + all.size() > u.size()) continue;
      bool same = true;
      for (size_t k = 0; k < all.size() && same; ++k) same = u[i + 1 + k].cp == all[k];
      if (same) return i + 1 + all.size();
    }
    return i;
  }
  return i;
}

}  // namespace

struct Normaliser::Table {
  std::vector<char32_t> t2s;  // 0 = unchanged
};

bool IsCjk(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0xF900 && c <= 0xFAFF) ||
         (c >= 0x20000 && c <= 0x2FFFF) || c == 0x3007;
}

int DecodeUtf8(std::string_view s, size_t pos, char32_t* cp) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char c = b(pos);
  size_t left = s.size() - pos;
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  auto cont = [&](size_t k) { return k < s.size() && (b(k) & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF && left >= 2 && cont(pos + 1)) {
    *cp = ((c & 0x1F) << 6) | (b(pos + 1) & 0x3F);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF && left >= 3 && cont(pos + 1) && cont(pos + 2)) {
    char32_t v = ((c & 0x0F) << 12) | ((b(pos + 1) & 0x3F) << 6) | (b(pos + 2) & 0x3F);
    if (v >= 0x800 && !(v >= 0xD800 && v <= 0xDFFF)) {
      *cp = v;
      return 3;
    }
  }
  if (c >= 0xF0 && c <= 0xF4 && left >= 4 && cont(pos + 1) && cont(pos + 2) && cont(pos + 3)) {
    char32_t v = ((c & 0x07) << 18) | ((b(pos + 1) & 0x3F) << 12) | ((b(pos + 2) & 0x3F) << 6) | (b(pos + 3) & 0x3F);
    if (v >= 0x10000 && v <= 0x10FFFF) {
      *cp = v;
      return 4;
    }
  }
  *cp = kReplacement;
  return 1;
}

void AppendUtf8(char32_t cp, std::string* out) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string RepairUtf8(std::string_view s, int* invalid_bytes) {
  std::string out;
  out.reserve(s.size());
  int bad = 0;
  for (size_t i = 0; i < s.size();) {
    char32_t cp;
    int n = DecodeUtf8(s, i, &cp);
    if (cp == kReplacement && n == 1 && static_cast<unsigned char>(s[i]) >= 0x80) ++bad;
    AppendUtf8(cp, &out);
    i += n;
  }
  if (invalid_bytes) *invalid_bytes = bad;
  return out;
}

TextSpan NormalisedText::ToOriginal(int begin, int end) const {
  if (orig_begin.empty()) return {0, 0};
  int n = static_cast<int>(orig_begin.size());
  if (begin >= n) return {orig_end[n - 1], orig_end[n - 1]};
  if (end <= begin) return {orig_begin[begin], orig_begin[begin]};
  return {orig_begin[begin], orig_end[std::min(end, n) - 1]};
}

StatusOr<Normaliser> Normaliser::Create() {
  static std::mutex mu;
  static std::shared_ptr<const Table> cached;
  std::lock_guard<std::mutex> lock(mu);
  if (cached) return Normaliser(cached);
  auto table = std::make_shared<Table>();
  table->t2s.assign(kTableLast - kTableBase + 1, 0);
  try {
    opencc::SimpleConverter converter("t2s.json");
    // One call over every character, one per line: per-character conversion keeps the offset
    // map exact (phrase conversion could change lengths) and is all matching needs.
    std::string all;
    std::vector<char32_t> cps;
    for (char32_t c = kTableBase; c <= kTableLast; ++c) {
      if (!IsCjk(c)) continue;
      cps.push_back(c);
      AppendUtf8(c, &all);
      all.push_back('\n');
    }
    std::string converted = converter.Convert(all);
    size_t line = 0, pos = 0;
    while (pos <= converted.size() && line < cps.size()) {
      size_t nl = converted.find('\n', pos);
      if (nl == std::string::npos) nl = converted.size();
      std::string_view piece(converted.data() + pos, nl - pos);
      char32_t cp;
      if (!piece.empty() && DecodeUtf8(piece, 0, &cp) == static_cast<int>(piece.size()) && cp != cps[line] &&
          cp != kReplacement)
        table->t2s[cps[line] - kTableBase] = cp;
      ++line;
      pos = nl + 1;
    }
    if (line != cps.size())
      return Status::FailedPrecondition("OpenCC t2s returned " + std::to_string(line) + " lines for " +
                                        std::to_string(cps.size()) + " characters");
  } catch (const std::exception& e) {
    return Status::FailedPrecondition(std::string("cannot load OpenCC t2s.json: ") + e.what());
  }
  cached = table;
  return Normaliser(cached);
}

NormalisedText Normaliser::Normalise(std::string_view text) const {
  NormalisedText out;
  // 1. Decode, repairing invalid bytes.
  std::vector<Unit> units;
  units.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    char32_t cp;
    int n = DecodeUtf8(text, i, &cp);
    if (cp == kReplacement && n == 1 && static_cast<unsigned char>(text[i]) >= 0x80) ++out.invalid_bytes;
    units.push_back({cp, static_cast<int>(i), static_cast<int>(i) + n, false});
    i += n;
  }

  // 2. Strip markup, mentions, emoji and invisible characters; map the rest.
  std::vector<Unit> mapped;
  mapped.reserve(units.size());
  for (size_t i = 0; i < units.size();) {
    size_t end = MarkupEnd(units, i);
    if (end > i) {
      mapped.push_back({' ', units[i].ob, units[end - 1].oe, true});
      i = end;
      continue;
    }
    Unit u = units[i++];
    char32_t c = u.cp;
    if (IsInvisible(c)) continue;
    if (IsWhitespace(c) || IsEmoji(c)) {
      mapped.push_back({' ', u.ob, u.oe, true});
      continue;
    }
    if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    c = FoldLookAlike(c);
    if (c >= kTableBase && c <= kTableLast) {
      char32_t s = table_->t2s[c - kTableBase];
      if (s) c = s;
    }
    mapped.push_back({c, u.ob, u.oe, false});
  }

  // 3. Drop separators between CJK characters, collapse whitespace and repeated punctuation.
  std::vector<Unit> kept;
  kept.reserve(mapped.size());
  for (size_t i = 0; i < mapped.size();) {
    if (!(mapped[i].space || IsSeparatorSymbol(mapped[i].cp))) {
      const Unit& u = mapped[i++];
      if (IsCollapsible(u.cp) && !kept.empty() && kept.back().cp == u.cp) {
        kept.back().oe = u.oe;
        continue;
      }
      kept.push_back(u);
      continue;
    }
    size_t j = i;
    while (j < mapped.size() && (mapped[j].space || IsSeparatorSymbol(mapped[j].cp))) ++j;
    bool cjk_before = !kept.empty() && IsCjk(kept.back().cp);
    bool cjk_after = j < mapped.size() && IsCjk(mapped[j].cp);
    if (cjk_before && cjk_after) {
      i = j;
      continue;
    }
    for (size_t k = i; k < j; ++k) {
      const Unit& u = mapped[k];
      if (u.space) {
        if (kept.empty()) continue;  // leading whitespace
        if (kept.back().space) {
          kept.back().oe = u.oe;
          continue;
        }
        kept.push_back({' ', u.ob, u.oe, true});
      } else if (IsCollapsible(u.cp) && !kept.empty() && kept.back().cp == u.cp) {
        kept.back().oe = u.oe;
      } else {
        kept.push_back(u);
      }
    }
    i = j;
  }
  while (!kept.empty() && kept.back().space) kept.pop_back();

  // 4. Chinese digits in number contexts become ASCII digits.
  for (size_t i = 0; i < kept.size();) {
    char a;
    if (!IsChineseDigit(kept[i].cp, &a)) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < kept.size() && IsChineseDigit(kept[j].cp, &a)) ++j;
    bool touches_digit = (i > 0 && IsAsciiDigit(kept[i - 1].cp)) || (j < kept.size() && IsAsciiDigit(kept[j].cp));
    if (j - i >= 4 || touches_digit) {
      for (size_t k = i; k < j; ++k) {
        IsChineseDigit(kept[k].cp, &a);
        kept[k].cp = static_cast<unsigned char>(a);
      }
    }
    i = j;
  }

  // 5. Encode with the offset map.
  out.text.reserve(kept.size() * 3);
  out.orig_begin.reserve(kept.size() * 3);
  out.orig_end.reserve(kept.size() * 3);
  for (const Unit& u : kept) {
    size_t before = out.text.size();
    AppendUtf8(u.cp, &out.text);
    for (size_t k = before; k < out.text.size(); ++k) {
      out.orig_begin.push_back(u.ob);
      out.orig_end.push_back(u.oe);
    }
  }
  return out;
}

}  // namespace gridrelay::intents
