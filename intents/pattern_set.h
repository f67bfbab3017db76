// PatternSet: many RE2 patterns matched against one text, at a cost that grows far more
// slowly than the number of patterns. Patterns are split by shape when compiled:
//   * literal   (keywords, or a pattern with no regex syntax): found by the Aho-Corasick
//               LiteralMatcher, no regex runs;
//   * co-occurrence (alternations of words with bounded gaps, the library's main shape,
//               intents/cooccurrence.h): evaluated from the same Aho-Corasick pass, no regex
//               runs either;
//   * gap-free  (no `{}`, `*` or `+`): share one RE2::Set, whose DFA stays small because no
//               pattern contains a bounded gap;
//   * gapped    (bounded gaps such as `.{0,12}`): go through RE2's FilteredRE2. Its literal
//               atoms are found by the same LiteralMatcher pass, and only the patterns whose
//               atoms are all present run. A gapped pattern without a usable atom is
//               "unfiltered" and runs on every message (check-config warns about those).
// One RE2::Set of everything is never built: with bounded gaps over UTF-8 its DFA explodes.
//
// Immutable after Compile; Match is const and thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <re2/filtered_re2.h>
#include <re2/re2.h>
#include <re2/set.h>

#include "gateway/core/status.h"
#include "intents/cooccurrence.h"
#include "intents/literal_matcher.h"

namespace gridrelay::intents {

struct PatternSetOptions {
  // Match co-occurrence patterns natively (intents/cooccurrence.h) instead of with RE2.
  // Default: true.
  bool native_cooccurrence = true;
  // Put the gap-free regexes that are left (after literals and co-occurrences) in one
  // RE2::Set. When false they go through the prefilter like the gapped ones. Default: false:
  // the prefilter measured faster on the shipped and the synthetic libraries (bench/intents).
  bool gap_free_in_set = false;
  // Shortest literal atom FilteredRE2 may use, in bytes. 3 = one CJK character.
  // Default: 3.
  int min_atom_len = 3;
  // Memory budget of the RE2::Set's DFA. Default: 64 MiB.
  int64_t set_max_mem = int64_t{64} << 20;
};

class PatternSet {
 public:
  struct Spec {
    std::string regex;     // RE2 syntax, or the literal itself when `literal`
    bool literal = false;  // match the text as written (keywords)
    std::string id;        // for error messages, e.g. "anti_fraud.yaml:12"
  };
  struct Hit {
    int pattern;  // index into the specs given to Compile
    int begin;    // byte offsets of the leftmost match in the matched text
    int end;
  };
  enum class Shape { kLiteral, kCooccurrence, kGapFree, kGapped, kUnfiltered };
  struct Stats {
    int literal = 0, cooccurrence = 0, gap_free = 0, gapped = 0, unfiltered = 0, atoms = 0;
    int words = 0;  // distinct words of the co-occurrence patterns
    size_t literal_states = 0;
    size_t program_bytes = 0;  // sum of RE2 program sizes (an estimate of compiled memory)
  };

  // Fails with kInvalidArgument naming the spec id and RE2's message for a bad pattern.
  static StatusOr<std::unique_ptr<PatternSet>> Compile(const std::vector<Spec>& specs,
                                                       const PatternSetOptions& options = {});

  // Appends one hit per pattern that matches `text` (its leftmost match), in no particular
  // order. `text` must be valid UTF-8 (the Normaliser guarantees it).
  void Match(std::string_view text, std::vector<Hit>* hits) const;

  // Diagnostics for the benchmark: how many regexes the prefilter and the set leave to run
  // on `text` (literal hits need no regex and are not counted).
  int CountCandidates(std::string_view text) const;

  Shape shape(int pattern) const { return shapes_[pattern]; }
  const Stats& stats() const { return stats_; }
  int size() const { return static_cast<int>(shapes_.size()); }

  PatternSet(const PatternSet&) = delete;
  PatternSet& operator=(const PatternSet&) = delete;

 private:
  PatternSet() = default;

  std::vector<Shape> shapes_;
  // Literal patterns: LiteralMatcher id (atoms come first) -> pattern, and the literal length.
  int num_atoms_ = 0;
  std::vector<int> literal_pattern_;
  std::vector<int> literal_len_;
  LiteralMatcher literals_;
  // Co-occurrence patterns: their chains, and for every word (LiteralMatcher id
  // num_atoms_ + literal count + word index) the (chain, step) pairs it belongs to.
  struct ChainRef {
    int pattern;
    CooccurrenceChain chain;
  };
  std::vector<ChainRef> chains_;
  int first_word_id_ = 0;
  std::vector<int> word_len_;
  std::vector<std::vector<std::pair<int, int>>> word_members_;
  // Gapped (and, without the set, gap-free) patterns.
  std::unique_ptr<re2::FilteredRE2> filtered_;
  std::vector<int> filtered_pattern_;  // FilteredRE2 id -> pattern
  bool has_filtered_ = false;
  // Gap-free patterns in one set, plus each one alone to find the span of a set hit.
  std::unique_ptr<re2::RE2::Set> set_;
  std::vector<int> set_pattern_;  // set index -> pattern
  std::vector<std::unique_ptr<re2::RE2>> set_re_;
  Stats stats_;
};

// RE2 options every pattern is compiled with: UTF-8, case-insensitive, errors returned
// instead of logged.
re2::RE2::Options PatternOptions();

// True when `regex` has no `{`, `*` or `+` outside escapes and character classes.
bool IsGapFree(std::string_view regex);
// True when `regex` has no RE2 metacharacter, i.e. it matches itself.
bool IsPlainLiteral(std::string_view regex);

}  // namespace gridrelay::intents
