// Co-occurrence patterns: the dominant shape of the intent library, alternations of plain
// words separated by bounded gaps, such as
//   (公安|警察|检察院).{0,12}(安全账户|资金核查)
// are matched without a regex. The words are found by the engine's single Aho-Corasick pass;
// a pattern matches when one word of each group occurs, in order, with a gap (counted in
// characters, like RE2's `.`) inside the bounds. This is exact for the existence of a match;
// it avoids RE2's lazily built DFA, which for big alternations with gaps is rebuilt state by
// state on every new message and dominated the cost (see bench/intents).
//
// ParseCooccurrence accepts the subset: literal characters and escapes of metacharacters,
// groups `( )` and `(?: )` with alternation, `.{m,n}` / `.{n}` / `.` gaps, and a leading `^`.
// Anything else (classes, `+`, `*`, `?`, other escapes) is not this shape; the pattern then
// goes through FilteredRE2. Patterns expand to a small set of chains (alternatives); a
// pattern that would expand to more than kMaxChains chains or kMaxWords words is also left
// to RE2.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace gridrelay::intents {

struct CooccurrenceChain {
  struct Step {
    std::vector<std::string> words;  // alternatives, lower-case, non-empty
    int min_gap = 0;                 // characters allowed before this step (0 for the first)
    int max_gap = 0;
  };
  bool anchored_start = false;  // `^`
  std::vector<Step> steps;
};

inline constexpr size_t kMaxChains = 64;
inline constexpr size_t kMaxWords = 4096;

// Returns false when `regex` is not a co-occurrence pattern.
bool ParseCooccurrence(std::string_view regex, std::vector<CooccurrenceChain>* chains);

// One word occurrence in the matched text: byte offsets.
struct WordHit {
  int begin;
  int end;
};

// Evaluates one chain given, for each step, the occurrences of its words (sorted by begin),
// and the code-point index of every byte offset of the text (size text+1). On a match sets
// [*begin, *end) to the leftmost start and, for it, the furthest end.
bool MatchChain(const CooccurrenceChain& chain, const std::vector<std::vector<WordHit>>& hits,
                const std::vector<int>& cp_index, int* begin, int* end);

}  // namespace gridrelay::intents
