// Co-occurrence parsing and chain evaluation. The parser builds the set of chains a pattern
// stands for by concatenating and uniting sub-results, merging adjacent word sets (their
// cross product) and adjacent gaps (their sum), and gives up (returns false) as soon as
// the pattern leaves the supported subset or grows past the caps.
#include "intents/cooccurrence.h"

#include <algorithm>
#include <climits>

namespace gridrelay::intents {

namespace {

struct Tok {
  bool gap = false;
  int min = 0, max = 0;            // gap bounds in characters
  std::vector<std::string> words;  // when !gap
};
struct Chain {
  bool anchored = false;
  std::vector<Tok> toks;
};
using Chains = std::vector<Chain>;

class Parser {
 public:
  explicit Parser(std::string_view s) : s_(s) {}

  bool Parse(Chains* out) {
    if (!Alt(out) || i_ != s_.size()) return false;
    return true;
  }

 private:
  bool Fail() {
    ok_ = false;
    return false;
  }

  static bool IsQuantifier(char c) { return c == '?' || c == '*' || c == '+' || c == '{'; }

  bool Concat(Chains* a, const Chains& b) {
    Chains out;
    for (const auto& x : *a) {
      for (const auto& y : b) {
        Chain c = x;
        c.anchored = x.anchored || y.anchored;
        for (const Tok& t : y.toks) {
          if (!c.toks.empty() && c.toks.back().gap == t.gap) {
            Tok& last = c.toks.back();
            if (t.gap) {
              last.min += t.min;
              last.max += t.max;
            } else {
              std::vector<std::string> prod;
              if (last.words.size() * t.words.size() > kMaxWords) return Fail();
              for (const auto& l : last.words)
                for (const auto& r : t.words) prod.push_back(l + r);
              last.words = std::move(prod);
            }
          } else {
            c.toks.push_back(t);
          }
        }
        out.push_back(std::move(c));
        if (out.size() > kMaxChains) return Fail();
      }
    }
    *a = std::move(out);
    return true;
  }

  bool Alt(Chains* out) {
    out->clear();
    Chains branch;
    // Alternatives that are plain word sets merge into one set, so that (a|b|c) stays one
    // chain with three words rather than three chains.
    int words_chain = -1;
    while (true) {
      if (!Seq(&branch)) return false;
      for (auto& c : branch) {
        bool plain = c.toks.size() == 1 && !c.toks[0].gap && !c.anchored;
        if (plain && words_chain >= 0) {
          auto& w = (*out)[words_chain].toks[0].words;
          w.insert(w.end(), c.toks[0].words.begin(), c.toks[0].words.end());
          if (w.size() > kMaxWords) return Fail();
          continue;
        }
        if (plain) words_chain = static_cast<int>(out->size());
        out->push_back(std::move(c));
        if (out->size() > kMaxChains) return Fail();
      }
      if (i_ < s_.size() && s_[i_] == '|') {
        ++i_;
        continue;
      }
      break;
    }
    return ok_;
  }

  bool Seq(Chains* out) {
    *out = Chains{Chain{}};
    while (i_ < s_.size() && s_[i_] != '|' && s_[i_] != ')') {
      char c = s_[i_];
      if (c == '^') {
        if (i_ != 0) return Fail();
        ++i_;
        for (auto& ch : *out) ch.anchored = true;
        continue;
      }
      if (c == '(') {
        ++i_;
        if (i_ < s_.size() && s_[i_] == '?') {
          if (i_ + 1 < s_.size() && s_[i_ + 1] == ':') {
            i_ += 2;
          } else {
            return Fail();
          }
        }
        Chains sub;
        if (!Alt(&sub)) return false;
        if (i_ >= s_.size() || s_[i_] != ')') return Fail();
        ++i_;
        if (i_ < s_.size() && IsQuantifier(s_[i_])) return Fail();
        if (!Concat(out, sub)) return false;
        continue;
      }
      if (c == '.') {
        ++i_;
        Tok g;
        g.gap = true;
        g.min = g.max = 1;
        if (i_ < s_.size() && s_[i_] == '{') {
          size_t close = s_.find('}', i_);
          if (close == std::string_view::npos) return Fail();
          std::string_view body = s_.substr(i_ + 1, close - i_ - 1);
          size_t comma = body.find(',');
          auto num = [](std::string_view d, int* v) {
            if (d.empty() || d.size() > 4) return false;
            *v = 0;
            for (char ch : d) {
              if (ch < '0' || ch > '9') return false;
              *v = *v * 10 + (ch - '0');
            }
            return true;
          };
          if (comma == std::string_view::npos) {
            if (!num(body, &g.min)) return Fail();
            g.max = g.min;
          } else if (!num(body.substr(0, comma), &g.min) || !num(body.substr(comma + 1), &g.max) || g.max < g.min) {
            return Fail();
          }
          i_ = close + 1;
        }
        if (i_ < s_.size() && IsQuantifier(s_[i_])) return Fail();
        if (!Concat(out, Chains{Chain{false, {g}}})) return false;
        continue;
      }
      std::string lit;
      if (c == '\\') {
        if (i_ + 1 >= s_.size()) return Fail();
        char e = s_[i_ + 1];
        if (std::string_view("\\^$.|?*+()[]{}-/ ").find(e) == std::string_view::npos) return Fail();
        lit.push_back(e);
        i_ += 2;
      } else if (std::string_view("[]*+?{}$").find(c) != std::string_view::npos) {
        return Fail();
      } else {
        size_t n = 1;
        unsigned char b = static_cast<unsigned char>(c);
        if (b >= 0xF0) {
          n = 4;
        } else if (b >= 0xE0) {
          n = 3;
        } else if (b >= 0xC0) {
          n = 2;
        }
        if (i_ + n > s_.size()) return Fail();
        lit.assign(s_.substr(i_, n));
        for (char& ch : lit)
          if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
        i_ += n;
      }
      if (i_ < s_.size() && IsQuantifier(s_[i_])) return Fail();
      Tok t;
      t.words.push_back(std::move(lit));
      if (!Concat(out, Chains{Chain{false, {t}}})) return false;
    }
    return ok_;
  }

  std::string_view s_;
  size_t i_ = 0;
  bool ok_ = true;
};

}  // namespace

bool ParseCooccurrence(std::string_view regex, std::vector<CooccurrenceChain>* chains) {
  Chains parsed;
  Parser p(regex);
  if (!p.Parse(&parsed) || parsed.empty()) return false;
  chains->clear();
  for (auto& c : parsed) {
    if (c.toks.empty() || c.toks.front().gap || c.toks.back().gap) return false;
    CooccurrenceChain out;
    out.anchored_start = c.anchored;
    int min_gap = 0, max_gap = 0;
    for (auto& t : c.toks) {
      if (t.gap) {
        min_gap = t.min;
        max_gap = t.max;
        continue;
      }
      std::sort(t.words.begin(), t.words.end());
      t.words.erase(std::unique(t.words.begin(), t.words.end()), t.words.end());
      for (const auto& w : t.words)
        if (w.empty()) return false;
      out.steps.push_back({std::move(t.words), min_gap, max_gap});
      min_gap = max_gap = 0;
    }
    chains->push_back(std::move(out));
  }
  return true;
}

bool MatchChain(const CooccurrenceChain& chain, const std::vector<std::vector<WordHit>>& hits,
                const std::vector<int>& cp_index, int* begin, int* end) {
  // states: (leftmost start reachable, end of the last step's word), kept sorted by end.
  // Hits come sorted by begin, so the window of states a hit may follow ([begin - max_gap,
  // begin - min_gap] in characters) only moves right: a two-pointer sweep with a monotonic
  // deque gives each hit its best start in O(states + hits), whatever the repetitions.
  std::vector<std::pair<int, int>> states, next;
  std::vector<size_t> window;  // indices into states, starts increasing
  for (const auto& h : hits[0])
    if (!chain.anchored_start || h.begin == 0) states.emplace_back(h.begin, h.end);
  for (size_t s = 1; s < chain.steps.size() && !states.empty(); ++s) {
    std::sort(states.begin(), states.end(), [](const auto& a, const auto& b) { return a.second < b.second; });
    next.clear();
    window.clear();
    size_t head = 0, added = 0;
    const auto& step = chain.steps[s];
    for (const auto& h : hits[s]) {
      int at = cp_index[h.begin];
      while (added < states.size() && cp_index[states[added].second] <= at - step.min_gap) {
        while (window.size() > head && states[window.back()].first >= states[added].first) window.pop_back();
        window.push_back(added++);
      }
      while (head < window.size() && cp_index[states[window[head]].second] < at - step.max_gap) ++head;
      if (head < window.size()) next.emplace_back(states[window[head]].first, h.end);
    }
    states.swap(next);
  }
  if (states.empty()) return false;
  auto best = states[0];
  for (const auto& st : states)
    if (st.first < best.first || (st.first == best.first && st.second > best.second)) best = st;
  *begin = best.first;
  *end = best.second;
  return true;
}

}  // namespace gridrelay::intents
