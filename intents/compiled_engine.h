// CompiledEngine: the IntentEngine built from an IntentLibrary. It owns the normaliser, one
// PatternSet holding every rule (intent patterns and keywords, excludes, urgents, vetoes),
// the optional n-gram model, and resolves the hits in the documented order
// (intents/README.md, "Resolution"):
//   1. excludes (intent-level, then category-level) remove hits;
//   2. a none.yaml veto makes the result `none`, unless an urgent pattern of the winner fired;
//   3. category precedence anti_fraud > legal_aid > appeal;
//   4. intent priority;
//   5. specificity: longer total matched span, then more distinct patterns hit;
//   6. the model breaks an exact tie, and decides when no rule fired (only at or above its
//      threshold); a tie it cannot break goes to the intent name, alphabetically, and
//      check-config warns about it.
//
// Immutable after Build; Classify is const and thread-safe.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gateway/core/classification.h"
#include "gateway/core/status.h"
#include "intents/intent_engine.h"
#include "intents/intent_library.h"
#include "intents/ngram_model.h"
#include "intents/normaliser.h"
#include "intents/pattern_set.h"

namespace gridrelay::intents {

// What the gateway does with a message (issue #10): `act` opens a ticket, `confirm` sends it to
// the grid worker's confirmation queue, `ignore` does nothing. `warn` allows an instant
// anti-fraud warning in the group. `reason` says which threshold decided.
struct Decision {
  std::string decision = "ignore";  // act | confirm | ignore
  bool warn = false;
  std::string reason;
};

struct EngineOptions {
  PatternSetOptions patterns;
  // Load config/models/intent-model.json when it exists. Default: true.
  bool use_model = true;
  // Minimum model probability to accept a model decision; < 0 uses the threshold stored in
  // the model file (fitted at training time). Default: -1.
  double model_threshold = -1.0;
  // Extract entities (phones, links, cards, money, addresses, ids). Default: true.
  bool extract_entities = true;
};

// The model file a config directory uses.
std::filesystem::path ModelPath(const std::filesystem::path& config_dir);

class CompiledEngine final : public IntentEngine {
 public:
  // Loads config_dir/intents/*.yaml and, when options.use_model and it exists,
  // config_dir/models/intent-model.json.
  static StatusOr<std::shared_ptr<const CompiledEngine>> Build(const std::filesystem::path& config_dir,
                                                               const EngineOptions& options = {});
  static StatusOr<std::shared_ptr<const CompiledEngine>> FromLibrary(IntentLibrary library,
                                                                     std::shared_ptr<const NgramModel> model,
                                                                     const EngineOptions& options = {});

  Classification Classify(std::string_view text) const override;
  // Classifies with another model (or none: rules only). Used by eval's k-fold runs.
  Classification ClassifyWith(std::string_view text, const NgramModel* model) const;
  // The classification and the decision taken on it, with the shipped model or another one.
  struct Judged {
    Classification classification;
    Decision decision;
  };
  Judged Judge(std::string_view text) const { return JudgeWith(text, model_.get()); }
  Judged JudgeWith(std::string_view text, const NgramModel* model) const;

  // What an example needs for check-config: the classification plus why the winner won.
  struct Explanation {
    Classification result;
    std::vector<std::string> candidates;  // intents with surviving hits, winner first
    std::vector<std::string> candidate_rules;  // per candidate: its pattern ids, comma-separated
    std::string reason;                   // why the winner beat the runner-up, empty if alone
    Decision decision;
    std::vector<std::string> urgent_classes;  // urgent detector classes that fired
  };
  Explanation Explain(std::string_view text, const NgramModel* model) const;

  const IntentLibrary& library() const { return library_; }
  const Normaliser& normaliser() const { return normaliser_; }
  const NgramModel* model() const { return model_.get(); }
  const PatternSet& patterns() const { return *patterns_; }
  // The lowest model probability at which the model names a category: EngineOptions, else
  // decision.yaml's model_confirm, else the model file's threshold.
  double model_threshold() const;
  const DecisionThresholds& thresholds() const { return library_.decision; }
  std::chrono::microseconds compile_time() const { return compile_time_; }
  // Patterns that run on every message because they have no literal atom ("file:line").
  std::vector<std::string> UnfilteredPatternIds() const;

 private:
  enum class RuleKind {
    kIntent,
    kIntentExclude,
    kIntentUrgent,
    kCategoryExclude,
    kCategoryUrgent,
    kVeto,
    kDetectorUrgent,   // owner: urgent class
    kDetectorRequire,  // owner: urgent class
    kDetectorExclude,  // owner: urgent class, or -1 for the file-wide exclude
    kWarnExclude,
  };
  struct Rule {
    RuleKind kind;
    int owner;  // intent index, or category index into library_.categories; -1 for vetoes
    const SourcePattern* source;
  };

  CompiledEngine(IntentLibrary library, Normaliser normaliser) : library_(std::move(library)), normaliser_(std::move(normaliser)) {}

  IntentLibrary library_;
  Normaliser normaliser_;
  std::vector<Rule> rules_;
  std::vector<int> intent_category_;  // intent index -> category index (-1 if none given)
  std::unique_ptr<PatternSet> patterns_;
  std::shared_ptr<const NgramModel> model_;
  EngineOptions options_;
  std::chrono::microseconds compile_time_{0};
};

}  // namespace gridrelay::intents
