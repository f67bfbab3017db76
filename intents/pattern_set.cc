// PatternSet compilation and matching. Every pattern is first compiled on its own, so that a
// bad one is reported with its id and RE2's message before any shared structure is built.
#include "intents/pattern_set.h"

#include <algorithm>
#include <map>

namespace gridrelay::intents {

re2::RE2::Options PatternOptions() {
  re2::RE2::Options o;
  o.set_encoding(re2::RE2::Options::EncodingUTF8);
  o.set_log_errors(false);
  o.set_case_sensitive(false);
  return o;
}

bool IsGapFree(std::string_view regex) {
  bool in_class = false;
  for (size_t i = 0; i < regex.size(); ++i) {
    char c = regex[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    if (in_class) {
      if (c == ']') in_class = false;
      continue;
    }
    if (c == '[') in_class = true;
    if (c == '{' || c == '*' || c == '+') return false;
  }
  return true;
}

bool IsPlainLiteral(std::string_view regex) {
  return regex.find_first_of("\\^$.|?*+()[]{}") == std::string_view::npos;
}

StatusOr<std::unique_ptr<PatternSet>> PatternSet::Compile(const std::vector<Spec>& specs,
                                                          const PatternSetOptions& options) {
  std::unique_ptr<PatternSet> ps(new PatternSet());
  const re2::RE2::Options ro = PatternOptions();
  ps->shapes_.resize(specs.size());
  ps->filtered_ = std::make_unique<re2::FilteredRE2>(options.min_atom_len);
  re2::RE2::Options so = ro;
  so.set_max_mem(options.set_max_mem);
  ps->set_ = std::make_unique<re2::RE2::Set>(so, re2::RE2::UNANCHORED);

  std::vector<std::string> literal_strings;
  for (size_t i = 0; i < specs.size(); ++i) {
    const Spec& spec = specs[i];
    int pi = static_cast<int>(i);
    if (spec.literal || IsPlainLiteral(spec.regex)) {
      if (spec.regex.empty()) return Status::InvalidArgument(spec.id + ": empty pattern");
      // Case-insensitive like the regexes: the normalised text is already lower-case.
      std::string lower = spec.regex;
      for (char& c : lower)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      ps->shapes_[i] = Shape::kLiteral;
      ps->literal_pattern_.push_back(pi);
      ps->literal_len_.push_back(static_cast<int>(lower.size()));
      literal_strings.push_back(std::move(lower));
      ++ps->stats_.literal;
      continue;
    }
    auto re = std::make_unique<re2::RE2>(spec.regex, ro);
    if (!re->ok()) return Status::InvalidArgument(spec.id + ": bad pattern \"" + spec.regex + "\": " + re->error());
    if (re->Match("", 0, 0, re2::RE2::UNANCHORED, nullptr, 0))
      return Status::InvalidArgument(spec.id + ": pattern \"" + spec.regex + "\" matches the empty string");
    std::vector<CooccurrenceChain> chains;
    if (options.native_cooccurrence && ParseCooccurrence(spec.regex, &chains)) {
      ps->shapes_[i] = Shape::kCooccurrence;
      for (auto& c : chains) ps->chains_.push_back({pi, std::move(c)});
      ++ps->stats_.cooccurrence;
      continue;
    }
    ps->stats_.program_bytes += static_cast<size_t>(re->ProgramSize()) * 16;
    if (options.gap_free_in_set && IsGapFree(spec.regex)) {
      std::string error;
      if (ps->set_->Add(spec.regex, &error) < 0)
        return Status::InvalidArgument(spec.id + ": bad pattern \"" + spec.regex + "\": " + error);
      ps->shapes_[i] = Shape::kGapFree;
      ps->set_pattern_.push_back(pi);
      ps->set_re_.push_back(std::move(re));
      ++ps->stats_.gap_free;
      continue;
    }
    int id = -1;
    if (ps->filtered_->Add(spec.regex, ro, &id) != re2::RE2::NoError)
      return Status::InvalidArgument(spec.id + ": bad pattern \"" + spec.regex + "\"");
    ps->shapes_[i] = Shape::kGapped;
    ps->filtered_pattern_.push_back(pi);
    ++ps->stats_.gapped;
  }

  std::vector<std::string> atoms;
  if (!ps->filtered_pattern_.empty()) {
    ps->filtered_->Compile(&atoms);
    ps->has_filtered_ = true;
    std::vector<int> always;
    ps->filtered_->AllPotentials({}, &always);
    for (int fid : always) ps->shapes_[ps->filtered_pattern_[fid]] = Shape::kUnfiltered;
    ps->stats_.unfiltered = static_cast<int>(always.size());
    ps->stats_.gapped -= ps->stats_.unfiltered;
  }
  if (!ps->set_pattern_.empty() && !ps->set_->Compile())
    return Status::ResourceExhausted("the RE2::Set of " + std::to_string(ps->set_pattern_.size()) +
                                     " gap-free patterns does not compile within its memory budget");
  if (ps->set_pattern_.empty()) ps->set_.reset();
  ps->num_atoms_ = static_cast<int>(atoms.size());
  ps->stats_.atoms = ps->num_atoms_;
  atoms.insert(atoms.end(), literal_strings.begin(), literal_strings.end());
  ps->first_word_id_ = static_cast<int>(atoms.size());
  std::map<std::string, int> word_index;
  for (size_t c = 0; c < ps->chains_.size(); ++c) {
    const auto& steps = ps->chains_[c].chain.steps;
    for (size_t st = 0; st < steps.size(); ++st) {
      for (const auto& w : steps[st].words) {
        auto [it, fresh] = word_index.emplace(w, static_cast<int>(ps->word_len_.size()));
        if (fresh) {
          ps->word_len_.push_back(static_cast<int>(w.size()));
          ps->word_members_.emplace_back();
          atoms.push_back(w);
        }
        auto& members = ps->word_members_[it->second];
        std::pair<int, int> ref(static_cast<int>(c), static_cast<int>(st));
        if (members.empty() || members.back() != ref) members.push_back(ref);
      }
    }
  }
  ps->stats_.words = static_cast<int>(ps->word_len_.size());
  ps->literals_ = LiteralMatcher(atoms);
  ps->stats_.literal_states = ps->literals_.num_states();
  return ps;
}

void PatternSet::Match(std::string_view text, std::vector<Hit>* hits) const {
  thread_local std::vector<int> atoms;
  thread_local std::vector<int> candidates;
  // Per word: its occurrences; per chain: the occurrences of each step's words.
  thread_local std::vector<std::vector<WordHit>> word_hits;
  thread_local std::vector<int> touched_words;
  thread_local std::vector<std::vector<std::vector<WordHit>>> chain_hits;
  thread_local std::vector<int> touched_chains;
  thread_local std::vector<int> cp_index;
  thread_local std::vector<uint64_t> chain_touched;  // generation a chain was last touched in
  thread_local uint64_t generation = 0;
  atoms.clear();
  touched_words.clear();
  if (word_hits.size() < word_len_.size()) word_hits.resize(word_len_.size());
  size_t first_hit = hits->size();
  literals_.Scan(text, [&](int id, int end) {
    if (id >= first_word_id_) {
      int w = id - first_word_id_;
      if (word_hits[w].empty()) touched_words.push_back(w);
      word_hits[w].push_back({end - word_len_[w], end});
    } else if (id < num_atoms_) {
      atoms.push_back(id);
    } else {
      int li = id - num_atoms_;
      hits->push_back({literal_pattern_[li], end - literal_len_[li], end});
    }
  });
  if (!touched_words.empty()) {
    if (chain_hits.size() < chains_.size()) chain_hits.resize(chains_.size());
    if (chain_touched.size() < chains_.size()) chain_touched.resize(chains_.size(), 0);
    ++generation;
    touched_chains.clear();
    for (int w : touched_words) {
      for (const auto& [c, st] : word_members_[w]) {
        auto& per_step = chain_hits[c];
        if (per_step.size() < chains_[c].chain.steps.size()) per_step.resize(chains_[c].chain.steps.size());
        if (chain_touched[c] != generation) {
          chain_touched[c] = generation;
          touched_chains.push_back(c);
        }
        per_step[st].insert(per_step[st].end(), word_hits[w].begin(), word_hits[w].end());
      }
    }
    bool indexed = false;
    for (int c : touched_chains) {
      auto& per_step = chain_hits[c];
      // The scratch is shared by every PatternSet of the thread: look at this chain's steps only.
      auto steps_end = per_step.begin() + static_cast<std::ptrdiff_t>(chains_[c].chain.steps.size());
      bool complete = std::all_of(per_step.begin(), steps_end, [](const auto& v) { return !v.empty(); });
      if (complete) {
        if (!indexed) {
          // cp_index[b] counts the characters before byte b (b at a character boundary).
          cp_index.assign(text.size() + 1, 0);
          int n = 0;
          for (size_t b = 0; b <= text.size(); ++b) {
            cp_index[b] = n;
            if (b < text.size() && (static_cast<unsigned char>(text[b]) & 0xC0) != 0x80) ++n;
          }
          indexed = true;
        }
        for (auto it = per_step.begin(); it != steps_end; ++it)
          std::sort(it->begin(), it->end(), [](const WordHit& a, const WordHit& b) { return a.begin < b.begin; });
        int b = 0, e = 0;
        if (MatchChain(chains_[c].chain, per_step, cp_index, &b, &e)) hits->push_back({chains_[c].pattern, b, e});
      }
      for (auto& v : per_step) v.clear();  // keep the capacity for the next message
    }
    for (int w : touched_words) word_hits[w].clear();
  }
  // A literal can occur several times, and a co-occurrence pattern can match through
  // several chains; keep the leftmost hit of each pattern.
  if (hits->size() - first_hit > 1) {
    std::stable_sort(hits->begin() + first_hit, hits->end(), [](const Hit& a, const Hit& b) {
      return a.pattern != b.pattern ? a.pattern < b.pattern : a.begin < b.begin;
    });
    hits->erase(std::unique(hits->begin() + first_hit, hits->end(),
                            [](const Hit& a, const Hit& b) { return a.pattern == b.pattern; }),
                hits->end());
  }
  re2::StringPiece sp(text.data(), text.size());
  re2::StringPiece m;
  if (has_filtered_) {
    std::sort(atoms.begin(), atoms.end());
    atoms.erase(std::unique(atoms.begin(), atoms.end()), atoms.end());
    filtered_->AllPotentials(atoms, &candidates);
    for (int fid : candidates) {
      if (filtered_->GetRE2(fid).Match(sp, 0, sp.size(), re2::RE2::UNANCHORED, &m, 1))
        hits->push_back({filtered_pattern_[fid], static_cast<int>(m.data() - sp.data()),
                         static_cast<int>(m.data() - sp.data() + m.size())});
    }
  }
  if (set_) {
    candidates.clear();
    re2::RE2::Set::ErrorInfo error;
    if (!set_->Match(sp, &candidates, &error) && error.kind != re2::RE2::Set::kNoError) {
      // The DFA ran out of memory on this text: fall back to trying each pattern, which is
      // slow but never wrong (a failed match must not read as "no match").
      candidates.clear();
      for (size_t k = 0; k < set_re_.size(); ++k) candidates.push_back(static_cast<int>(k));
    }
    for (int k : candidates) {
      if (set_re_[k]->Match(sp, 0, sp.size(), re2::RE2::UNANCHORED, &m, 1))
        hits->push_back({set_pattern_[k], static_cast<int>(m.data() - sp.data()),
                         static_cast<int>(m.data() - sp.data() + m.size())});
    }
  }
}

int PatternSet::CountCandidates(std::string_view text) const {
  std::vector<int> atoms, candidates;
  literals_.Scan(text, [&](int id, int) {
    if (id < num_atoms_) atoms.push_back(id);
  });
  int n = 0;
  if (has_filtered_) {
    std::sort(atoms.begin(), atoms.end());
    atoms.erase(std::unique(atoms.begin(), atoms.end()), atoms.end());
    filtered_->AllPotentials(atoms, &candidates);
    n += static_cast<int>(candidates.size());
  }
  if (set_) {
    candidates.clear();
    set_->Match(re2::StringPiece(text.data(), text.size()), &candidates);
    n += static_cast<int>(candidates.size());
  }
  return n;
}

}  // namespace gridrelay::intents
