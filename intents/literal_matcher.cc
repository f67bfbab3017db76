// LiteralMatcher construction: a trie, then breadth-first failure links. Each state's output
// list already includes the outputs of its failure chain, so Scan never walks dictionary
// suffix links.
#include "intents/literal_matcher.h"

#include <algorithm>
#include <deque>
#include <map>

namespace gridrelay::intents {

LiteralMatcher::LiteralMatcher(const std::vector<std::string>& literals) {
  // Build the trie with map children first; flatten afterwards.
  std::vector<std::map<unsigned char, int>> children(1);
  std::vector<std::vector<int>> own(1);
  for (size_t id = 0; id < literals.size(); ++id) {
    const std::string& lit = literals[id];
    if (lit.empty()) continue;
    int s = 0;
    for (unsigned char b : lit) {
      auto it = children[s].find(b);
      if (it == children[s].end()) {
        int t = static_cast<int>(children.size());
        children[s][b] = t;
        children.emplace_back();
        own.emplace_back();
        s = t;
      } else {
        s = it->second;
      }
    }
    own[s].push_back(static_cast<int>(id));
  }
  size_t n = children.size();
  states_.assign(n, State{});
  for (size_t s = 0; s < n; ++s) {
    states_[s].edge_begin = static_cast<uint32_t>(edges_.size());
    for (const auto& [b, t] : children[s]) edges_.push_back({b, t});
    states_[s].edge_end = static_cast<uint32_t>(edges_.size());
  }
  for (int b = 0; b < 256; ++b) {
    auto it = children[0].find(static_cast<unsigned char>(b));
    root_[b] = it == children[0].end() ? 0 : it->second;
  }
  // Breadth-first: failure links and merged outputs.
  std::vector<std::vector<int>> outs(n);
  std::deque<int> queue;
  for (const auto& [b, t] : children[0]) {
    states_[t].fail = 0;
    queue.push_back(t);
  }
  outs[0] = own[0];
  while (!queue.empty()) {
    int s = queue.front();
    queue.pop_front();
    outs[s] = own[s];
    const auto& inherited = outs[states_[s].fail];
    outs[s].insert(outs[s].end(), inherited.begin(), inherited.end());
    for (const auto& [b, t] : children[s]) {
      int f = states_[s].fail;
      int next = 0;
      while (true) {
        int g = f == 0 ? root_[b] : Goto(f, b);
        if (g >= 0 && g != t) {
          next = g;
          break;
        }
        if (f == 0) break;
        f = states_[f].fail;
      }
      states_[t].fail = next;
      queue.push_back(t);
    }
  }
  // Flatten the automaton: each state's edges become its full transition function minus
  // the transitions that equal the root's. Breadth-first, so a state's failure target is
  // done before it.
  {
    std::vector<std::map<unsigned char, int>> delta(n);
    std::vector<int> order;
    std::deque<int> q;
    for (const auto& [b, t] : children[0]) q.push_back(t);
    while (!q.empty()) {
      int st = q.front();
      q.pop_front();
      order.push_back(st);
      for (const auto& [b, t] : children[st]) q.push_back(t);
    }
    for (int st : order) {
      std::map<unsigned char, int> d = children[st];
      int f = states_[st].fail;
      if (f != 0) {
        for (const auto& [b, t] : delta[f]) d.emplace(b, t);  // own edges take precedence
      }
      for (auto it = d.begin(); it != d.end();) {
        if (it->second == root_[it->first]) {
          it = d.erase(it);
        } else {
          ++it;
        }
      }
      delta[st] = std::move(d);
    }
    edges_.clear();
    for (size_t st = 1; st < n; ++st) {
      states_[st].edge_begin = static_cast<uint32_t>(edges_.size());
      for (const auto& [b, t] : delta[st]) edges_.push_back({b, t});
      states_[st].edge_end = static_cast<uint32_t>(edges_.size());
    }
  }
  for (size_t s = 0; s < n; ++s) {
    states_[s].out_begin = static_cast<uint32_t>(outputs_.size());
    outputs_.insert(outputs_.end(), outs[s].begin(), outs[s].end());
    states_[s].out_end = static_cast<uint32_t>(outputs_.size());
  }
}

size_t LiteralMatcher::MemoryBytes() const {
  return states_.capacity() * sizeof(State) + edges_.capacity() * sizeof(Edge) +
         outputs_.capacity() * sizeof(int) + sizeof(root_);
}

}  // namespace gridrelay::intents
