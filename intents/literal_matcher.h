// LiteralMatcher: an Aho-Corasick automaton over bytes. It finds every occurrence of a fixed
// set of literal strings in one pass, whatever their number. The engine uses it for two
// things: the literal atoms of FilteredRE2's prefilter, and keyword / pure-literal patterns,
// whose hits it reports directly (no regex runs for them).
//
// Immutable after construction; Scan is const and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace gridrelay::intents {

class LiteralMatcher {
 public:
  LiteralMatcher() = default;
  // Literal i gets id i. Empty literals never match.
  explicit LiteralMatcher(const std::vector<std::string>& literals);

  // Calls on_match(id, end) for every occurrence, where `end` is one past its last byte.
  template <typename F>
  void Scan(std::string_view text, F&& on_match) const {
    if (states_.empty()) return;
    int s = 0;
    for (size_t i = 0; i < text.size(); ++i) {
      s = Next(s, static_cast<unsigned char>(text[i]));
      const State& st = states_[s];
      for (uint32_t k = st.out_begin; k < st.out_end; ++k) on_match(outputs_[k], static_cast<int>(i + 1));
    }
  }

  size_t num_states() const { return states_.size(); }
  size_t MemoryBytes() const;

 private:
  struct Edge {
    unsigned char byte;
    int target;
  };
  struct State {
    uint32_t edge_begin = 0;
    uint32_t edge_end = 0;
    int fail = 0;
    uint32_t out_begin = 0;
    uint32_t out_end = 0;
  };

  int Goto(int s, unsigned char b) const {
    const State& st = states_[s];
    uint32_t lo = st.edge_begin, hi = st.edge_end;
    while (lo < hi) {
      uint32_t mid = (lo + hi) / 2;
      if (edges_[mid].byte < b) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo < st.edge_end && edges_[lo].byte == b ? edges_[lo].target : -1;
  }
  // The edges of each state already include those inherited through its failure chain
  // (except where the root's own transition is the answer), so a step is one lookup.
  int Next(int s, unsigned char b) const {
    if (s == 0) return root_[b];
    int t = Goto(s, b);
    return t >= 0 ? t : root_[b];
  }

  std::vector<State> states_;
  std::vector<Edge> edges_;
  std::vector<int> outputs_;
  int root_[256] = {};
};

}  // namespace gridrelay::intents
