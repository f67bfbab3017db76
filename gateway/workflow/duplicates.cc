#include "gateway/workflow/duplicates.h"

#include <algorithm>
#include <array>
#include <cstdio>
#include <set>
#include <unordered_set>

#include "gateway/core/time_units.h"
#include "gateway/workflow/lifecycle.h"

namespace gridrelay::workflow {
namespace {

// Characters that carry no event: particles, pronouns, fillers, time words every complaint has.
// Without them "3栋的楼道灯还是不亮" and "3栋楼道灯不亮了" compare on what they say.
constexpr std::string_view kStopChars =
    "的了吗呢啊吧呀么是在有我们你他她也都就又还很太好这那个人家请问一直已经得着过给把被让啦嘛哦哈";

// One code point from s at *i (advancing it); U+FFFD for a malformed byte.
char32_t NextCodePoint(std::string_view s, size_t* i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  const unsigned char c = p[*i];
  int len = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (len == 0 || *i + len > n) {
    ++*i;
    return 0xFFFD;
  }
  char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
  for (int k = 1; k < len; ++k) cp = (cp << 6) | (p[*i + k] & 0x3F);
  *i += len;
  return cp;
}

const std::unordered_set<char32_t>& StopChars() {
  static const auto* kSet = [] {
    auto* set = new std::unordered_set<char32_t>();
    for (size_t i = 0; i < kStopChars.size();) set->insert(NextCodePoint(kStopChars, &i));
    return set;
  }();
  return *kSet;
}

// The characters that say what happened: Han characters, ASCII letters (lower case) and digits,
// full-width forms folded to ASCII; everything else (punctuation, spaces, emoji) and the stop
// characters dropped.
std::u32string Content(std::string_view text) {
  std::u32string out;
  for (size_t i = 0; i < text.size();) {
    char32_t c = NextCodePoint(text, &i);
    if (c >= 0xFF01 && c <= 0xFF5E) c -= 0xFEE0;  // full-width ASCII
    if (c >= 'A' && c <= 'Z') c += 'a' - 'A';
    const bool han = (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF);
    const bool ascii = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if ((han || ascii) && !StopChars().count(c)) out.push_back(c);
  }
  return out;
}

std::set<std::u32string> Bigrams(const std::u32string& s) {
  std::set<std::u32string> out;
  for (size_t i = 0; i + 1 < s.size(); ++i) out.insert(s.substr(i, 2));
  return out;
}

double Jaccard(const std::set<std::u32string>& a, const std::set<std::u32string>& b) {
  if (a.empty() || b.empty()) return 0.0;
  size_t shared = 0;
  for (const auto& g : a) shared += b.count(g);
  return static_cast<double>(shared) / static_cast<double>(a.size() + b.size() - shared);
}

// A building / unit / room from an address entity's normalised value ("5栋2单元501室",
// "1单元302室"); an empty part is not named.
struct Address {
  std::string building, unit, room;
  bool CompatibleWith(const Address& o) const {
    auto same = [](const std::string& x, const std::string& y) { return x.empty() || y.empty() || x == y; };
    return same(building, o.building) && same(unit, o.unit) && same(room, o.room);
  }
  std::string Name() const {
    return (building.empty() ? "" : building + "栋") + (unit.empty() ? "" : unit + "单元") + (room.empty() ? "" : room + "室");
  }
};

Address ParseAddress(std::string_view v) {
  Address a;
  std::string digits;
  for (size_t i = 0; i < v.size();) {
    if (v[i] >= '0' && v[i] <= '9') {
      digits += v[i++];
      continue;
    }
    const std::string_view rest = v.substr(i);
    for (auto [unit, field] : {std::pair<std::string_view, std::string*>{"栋", &a.building}, {"单元", &a.unit},
                               {"室", &a.room}}) {
      if (rest.starts_with(unit)) {
        *field = digits;
        digits.clear();
        i += unit.size() - 1;
        break;
      }
    }
    ++i;
  }
  return a;
}

// The places one report names, and its text with them blanked out.
struct Places {
  std::vector<Address> addresses;
  std::set<std::string> landmarks;
  std::string rest;
};

Places FindPlaces(const DuplicateOptions& o, std::string_view text, const nlohmann::json& entities) {
  Places p;
  std::string rest(text);
  if (entities.is_array()) {
    for (const auto& e : entities) {
      if (!e.is_object() || e.value("type", "") != "address") continue;
      p.addresses.push_back(ParseAddress(e.value("value", "")));
      const auto& span = e.contains("span") ? e["span"] : nlohmann::json();
      if (span.is_array() && span.size() == 2 && span[0].is_number_integer() && span[1].is_number_integer()) {
        const int64_t b = span[0].get<int64_t>(), en = span[1].get<int64_t>();
        if (b >= 0 && b <= en && en <= static_cast<int64_t>(rest.size()))
          std::fill(rest.begin() + b, rest.begin() + en, ' ');  // spaces are dropped by Content
      }
    }
  }
  // Longest landmark first, so that "小区东门" is not read as "东门" plus a stray "小区".
  std::vector<const std::string*> words;
  for (const auto& w : o.places) words.push_back(&w);
  std::sort(words.begin(), words.end(), [](auto* a, auto* b) { return a->size() > b->size(); });
  for (const std::string* w : words) {
    if (w->empty()) continue;
    for (size_t at = rest.find(*w); at != std::string::npos; at = rest.find(*w, at)) {
      p.landmarks.insert(*w);
      std::fill(rest.begin() + at, rest.begin() + at + w->size(), ' ');
    }
  }
  p.rest = std::move(rest);
  return p;
}

bool CategoryAllowed(const DuplicateOptions& o, const std::string& category) {
  return std::find(o.categories.begin(), o.categories.end(), category) != o.categories.end();
}

}  // namespace

Likeness CompareReports(const DuplicateOptions& o, std::string_view a_text, const nlohmann::json& a_entities,
                        std::string_view b_text, const nlohmann::json& b_entities) {
  Likeness l;
  const Places a = FindPlaces(o, a_text, a_entities);
  const Places b = FindPlaces(o, b_text, b_entities);
  std::string shared;
  bool conflict = false;
  if (!a.addresses.empty() && !b.addresses.empty()) {
    const Address* common = nullptr;
    for (const auto& x : a.addresses)
      for (const auto& y : b.addresses)
        if (!common && x.CompatibleWith(y)) common = x.Name().size() >= y.Name().size() ? &x : &y;
    if (common) shared = common->Name();
    else conflict = true;
  }
  if (!a.landmarks.empty() && !b.landmarks.empty()) {
    std::string common;
    for (const auto& w : a.landmarks)
      if (b.landmarks.count(w)) common = w;
    if (common.empty()) conflict = true;
    else if (shared.empty()) shared = common;
  }
  l.place_conflict = conflict;
  l.shared_place = !conflict && !shared.empty();
  l.jaccard = Jaccard(Bigrams(Content(a.rest)), Bigrams(Content(b.rest)));
  const double bar = l.shared_place ? o.place_threshold : o.text_threshold;
  l.duplicate = !conflict && l.jaccard >= bar;
  char buf[64];
  std::snprintf(buf, sizeof buf, "bigram Jaccard %.2f %s %.2f", l.jaccard, l.jaccard >= bar ? ">=" : "<", bar);
  l.why = conflict ? "different places" : (l.shared_place ? "shared place " + shared + ", " : "no place, ") + buf;
  return l;
}

std::optional<DuplicateMatch> FindDuplicate(const DuplicateOptions& o, const StoredMessage& sm,
                                            const std::string& grid_id, std::span<const Ticket> candidates,
                                            int64_t now) {
  if (!o.enabled || !CategoryAllowed(o, sm.classification.category)) return std::nullopt;
  const int64_t since = now - o.window_hours * kMicrosPerHour;
  const nlohmann::json entities = sm.classification.entities;
  std::optional<DuplicateMatch> best;
  for (const Ticket& t : candidates) {
    if (t.grid_id != grid_id || t.intent != sm.classification.intent || t.created_at < since) continue;
    if (!CheckTransition(t.status, Action::kAttach).ok()) continue;  // the table says which tickets take reports
    Likeness l = CompareReports(o, sm.message.text, entities, t.text, t.entities);
    if (!l.duplicate) continue;
    if (!best || l.jaccard > best->likeness.jaccard ||
        (l.jaccard == best->likeness.jaccard && t.id > best->ticket->id))
      best = DuplicateMatch{&t, std::move(l)};
  }
  return best;
}

bool MayDuplicate(const DuplicateOptions& o, const StoredMessage& later, const StoredMessage& earlier) {
  if (!o.enabled || !CategoryAllowed(o, later.classification.category)) return false;
  if (later.classification.intent != earlier.classification.intent) return false;
  return CompareReports(o, later.message.text, nlohmann::json(later.classification.entities), earlier.message.text,
                        nlohmann::json(earlier.classification.entities))
      .duplicate;
}

}  // namespace gridrelay::workflow
