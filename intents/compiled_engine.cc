// CompiledEngine: building the rule table, matching and resolution. Confidence for a rule
// decision is the noisy-OR of the winning intent's distinct pattern hits, each counting with
// the intent's strength, discounted by half the noisy-OR of the strongest competing intent:
//   p_win  = 1 - (1 - strength)^distinct_patterns
//   conf   = p_win * (1 - p_other_category / 2) * (1 - p_same_category / 4)
// where p_other_category / p_same_category are the strongest competing intents of another
// / the same category. One hit of a 0.8 intent alone gives 0.8, two give 0.96, and a
// contested decision is less sure, most of all when the category itself is contested. A veto uses strength 0.9 per veto pattern, discounted by the intent it overrode.
#include "intents/compiled_engine.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "intents/entities.h"
#include "intents/taxonomy.h"

namespace gridrelay::intents {

namespace fs = std::filesystem;

namespace {

constexpr double kVetoStrength = 0.9;

double NoisyOr(double strength, int n) { return 1.0 - std::pow(1.0 - strength, n); }

struct Candidate {
  int intent = -1;
  int rank = 0;
  int priority = 0;
  int span = 0;      // total bytes covered by the intent's hits (union) in the normalised text
  int distinct = 0;  // distinct patterns hit
  double p = 0.0;    // noisy-OR of the hits
  double model_p = 0.0;
  std::vector<PatternSet::Hit> hits;
};

int UnionLength(std::vector<PatternSet::Hit> hits) {
  std::sort(hits.begin(), hits.end(), [](const auto& a, const auto& b) { return a.begin < b.begin; });
  int total = 0, cur_b = -1, cur_e = -1;
  for (const auto& h : hits) {
    if (h.begin > cur_e) {
      total += cur_e - cur_b;
      cur_b = h.begin;
      cur_e = h.end;
    } else {
      cur_e = std::max(cur_e, h.end);
    }
  }
  return total + (cur_e - cur_b);
}

}  // namespace

fs::path ModelPath(const fs::path& config_dir) { return config_dir / "models" / "intent-model.json"; }

StatusOr<std::shared_ptr<const CompiledEngine>> CompiledEngine::Build(const fs::path& config_dir,
                                                                      const EngineOptions& options) {
  auto lib = LoadIntentLibrary(config_dir / "intents");
  if (!lib.ok()) return lib.status();
  std::shared_ptr<const NgramModel> model;
  if (options.use_model) {
    std::error_code ec;
    fs::path mp = ModelPath(config_dir);
    if (fs::exists(mp, ec)) {
      auto loaded = NgramModel::LoadFile(mp);
      if (!loaded.ok()) return loaded.status();
      model = *loaded;
    }
  }
  return FromLibrary(std::move(*lib), std::move(model), options);
}

StatusOr<std::shared_ptr<const CompiledEngine>> CompiledEngine::FromLibrary(IntentLibrary library,
                                                                           std::shared_ptr<const NgramModel> model,
                                                                           const EngineOptions& options) {
  auto start = std::chrono::steady_clock::now();
  auto normaliser = Normaliser::Create();
  if (!normaliser.ok()) return normaliser.status();
  std::shared_ptr<CompiledEngine> engine(new CompiledEngine(std::move(library), std::move(*normaliser)));
  engine->options_ = options;
  engine->model_ = std::move(model);
  const IntentLibrary& lib = engine->library_;

  std::vector<PatternSet::Spec> specs;
  auto add = [&](RuleKind kind, int owner, const SourcePattern& p) {
    engine->rules_.push_back({kind, owner, &p});
    specs.push_back({p.regex, p.keyword, p.Id() + (p.keyword ? " (" + p.file + ":" + std::to_string(p.line) + ")" : "")});
  };
  for (size_t c = 0; c < lib.categories.size(); ++c) {
    for (const auto& p : lib.categories[c].exclude) add(RuleKind::kCategoryExclude, static_cast<int>(c), p);
    for (const auto& p : lib.categories[c].urgent) add(RuleKind::kCategoryUrgent, static_cast<int>(c), p);
  }
  for (size_t i = 0; i < lib.intents.size(); ++i) {
    const IntentSpec& spec = lib.intents[i];
    int cat = -1;
    for (size_t c = 0; c < lib.categories.size(); ++c)
      if (lib.categories[c].category == spec.category) cat = static_cast<int>(c);
    engine->intent_category_.push_back(cat);
    for (const auto& p : spec.patterns) add(RuleKind::kIntent, static_cast<int>(i), p);
    for (const auto& p : spec.exclude) add(RuleKind::kIntentExclude, static_cast<int>(i), p);
    for (const auto& p : spec.urgent) add(RuleKind::kIntentUrgent, static_cast<int>(i), p);
  }
  for (const auto& p : lib.vetoes) add(RuleKind::kVeto, -1, p);

  auto compiled = PatternSet::Compile(specs, options.patterns);
  if (!compiled.ok()) return compiled.status();
  engine->patterns_ = std::move(*compiled);
  engine->compile_time_ =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  return std::shared_ptr<const CompiledEngine>(std::move(engine));
}

double CompiledEngine::model_threshold() const {
  if (options_.model_threshold >= 0) return options_.model_threshold;
  return model_ ? model_->threshold() : 1.0;
}

std::vector<std::string> CompiledEngine::UnfilteredPatternIds() const {
  std::vector<std::string> out;
  for (int i = 0; i < patterns_->size(); ++i)
    if (patterns_->shape(i) == PatternSet::Shape::kUnfiltered) out.push_back(rules_[i].source->Id());
  return out;
}

Classification CompiledEngine::Classify(std::string_view text) const { return ClassifyWith(text, model_.get()); }

Classification CompiledEngine::ClassifyWith(std::string_view text, const NgramModel* model) const {
  return Explain(text, model).result;
}

CompiledEngine::Explanation CompiledEngine::Explain(std::string_view text, const NgramModel* model) const {
  Explanation ex;
  Classification& out = ex.result;
  NormalisedText norm = normaliser_.Normalise(text);
  thread_local std::vector<PatternSet::Hit> hits;
  hits.clear();
  patterns_->Match(norm.text, &hits);

  auto to_match = [&](const std::string& intent, const PatternSet::Hit& h) {
    IntentMatch m;
    m.intent = intent;
    m.pattern_id = rules_[h.pattern].source->Id();
    m.span = norm.ToOriginal(h.begin, h.end);
    m.text = std::string(text.substr(m.span.begin, m.span.end - m.span.begin));
    if (norm.invalid_bytes > 0) m.text = RepairUtf8(m.text);
    return m;
  };

  // 1. Excludes.
  std::vector<char> intent_excluded(library_.intents.size(), 0);
  std::vector<char> category_excluded(library_.categories.size(), 0);
  std::vector<PatternSet::Hit> vetoes;
  for (const auto& h : hits) {
    const Rule& r = rules_[h.pattern];
    if (r.kind == RuleKind::kIntentExclude) intent_excluded[r.owner] = 1;
    if (r.kind == RuleKind::kCategoryExclude) category_excluded[r.owner] = 1;
    if (r.kind == RuleKind::kVeto) vetoes.push_back(h);
  }
  std::map<int, Candidate> by_intent;
  for (const auto& h : hits) {
    const Rule& r = rules_[h.pattern];
    if (r.kind != RuleKind::kIntent) continue;
    int cat = intent_category_[r.owner];
    if (intent_excluded[r.owner] || (cat >= 0 && category_excluded[cat])) continue;
    by_intent[r.owner].hits.push_back(h);
  }
  for (size_t i = 0; i < library_.intents.size(); ++i) {
    if (!intent_excluded[i] && !(intent_category_[i] >= 0 && category_excluded[intent_category_[i]])) continue;
    bool had_hit = std::any_of(hits.begin(), hits.end(), [&](const auto& h) {
      return rules_[h.pattern].kind == RuleKind::kIntent && rules_[h.pattern].owner == static_cast<int>(i);
    });
    if (had_hit)
      out.evidence.push_back(library_.intents[i].name + " excluded by " +
                             (intent_excluded[i] ? "its own exclude" : "the " + library_.intents[i].category + " exclude"));
  }

  std::vector<Candidate> cands;
  for (auto& [idx, c] : by_intent) {
    const IntentSpec& spec = library_.intents[idx];
    c.intent = idx;
    c.rank = CategoryRank(spec.category);
    c.priority = spec.priority;
    c.span = UnionLength(c.hits);
    c.distinct = static_cast<int>(c.hits.size());
    c.p = NoisyOr(spec.strength, c.distinct);
    cands.push_back(std::move(c));
  }

  // 3-5. Precedence, priority, specificity; 6. the model on an exact tie, then the name.
  ModelPrediction prediction;
  bool predicted = false;
  auto predict = [&]() -> const ModelPrediction& {
    if (!predicted && model) {
      prediction = model->Predict(norm.text, /*with_evidence=*/false);
      predicted = true;
    }
    return prediction;
  };
  auto key = [](const Candidate& c) { return std::make_tuple(c.rank, c.priority, c.span, c.distinct); };
  auto better = [&](const Candidate& a, const Candidate& b) {
    if (key(a) != key(b)) return key(a) > key(b);
    if (a.model_p != b.model_p) return a.model_p > b.model_p;
    return library_.intents[a.intent].name < library_.intents[b.intent].name;
  };
  if (cands.size() > 1) {
    std::sort(cands.begin(), cands.end(), [&](const auto& a, const auto& b) { return key(a) > key(b); });
    if (model && key(cands[0]) == key(cands[1])) {
      const ModelPrediction& p = predict();
      for (auto& c : cands) c.model_p = model->ProbabilityOf(p, library_.intents[c.intent].name);
    }
    std::sort(cands.begin(), cands.end(), better);
    const Candidate& a = cands[0];
    const Candidate& b = cands[1];
    const std::string& an = library_.intents[a.intent].name;
    const std::string& bn = library_.intents[b.intent].name;
    if (a.rank != b.rank) {
      ex.reason = "category precedence (" + library_.intents[a.intent].category + " > " +
                  library_.intents[b.intent].category + ")";
    } else if (a.priority != b.priority) {
      ex.reason = "priority " + std::to_string(a.priority) + " > " + std::to_string(b.priority);
    } else if (a.span != b.span) {
      ex.reason = "longer matched span (" + std::to_string(a.span) + " > " + std::to_string(b.span) + " bytes)";
    } else if (a.distinct != b.distinct) {
      ex.reason = "more patterns hit (" + std::to_string(a.distinct) + " > " + std::to_string(b.distinct) + ")";
    } else if (a.model_p != b.model_p) {
      ex.reason = "exact tie broken by the model (" + std::to_string(a.model_p) + " > " + std::to_string(b.model_p) + ")";
    } else {
      ex.reason = "exact tie broken by name";
    }
    out.evidence.push_back(an + " beats " + bn + ": " + ex.reason);
  }
  for (const auto& c : cands) {
    ex.candidates.push_back(library_.intents[c.intent].name);
    std::string ids;
    for (const auto& h : c.hits) ids += (ids.empty() ? "" : ", ") + rules_[h.pattern].source->Id();
    ex.candidate_rules.push_back(std::move(ids));
  }

  if (!cands.empty()) {
    const Candidate& win = cands[0];
    const IntentSpec& spec = library_.intents[win.intent];
    // A competitor of another category contradicts the routing; one of the same category
    // only disputes the subtype, so it costs half as much.
    double other_category = 0.0, same_category = 0.0;
    for (size_t k = 1; k < cands.size(); ++k) {
      double& slot = cands[k].rank == win.rank ? same_category : other_category;
      slot = std::max(slot, cands[k].p);
    }
    out.category = spec.category;
    out.intent = spec.name;
    out.by = "rule";
    out.confidence = win.p * (1.0 - other_category / 2.0) * (1.0 - same_category / 4.0);
    std::vector<PatternSet::Hit> ordered = win.hits;
    std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.begin < b.begin; });
    for (const auto& h : ordered) out.matches.push_back(to_match(spec.name, h));
    for (const auto& h : hits) {
      const Rule& r = rules_[h.pattern];
      if ((r.kind == RuleKind::kIntentUrgent && r.owner == win.intent) ||
          (r.kind == RuleKind::kCategoryUrgent && r.owner == intent_category_[win.intent])) {
        out.urgent = true;
        IntentMatch m = to_match(spec.name, h);
        m.pattern_id = "urgent:" + m.pattern_id;
        out.matches.push_back(std::move(m));
      }
    }
    // 2. A veto wins over everything but an urgent message.
    if (!vetoes.empty() && !out.urgent) {
      double p_veto = NoisyOr(kVetoStrength, static_cast<int>(vetoes.size()));
      out.evidence.push_back(spec.name + " vetoed by none.yaml (" + rules_[vetoes[0].pattern].source->Id() + ")");
      out.category = "none";
      out.intent = "none";
      out.confidence = p_veto * (1.0 - win.p / 2.0);
      out.matches.clear();
      for (const auto& h : vetoes) out.matches.push_back(to_match("none", h));
      ex.reason = "the none.yaml veto " + rules_[vetoes[0].pattern].source->Id() + " overrides " + spec.name;
    }
  } else if (!vetoes.empty()) {
    out.by = "rule";
    out.confidence = NoisyOr(kVetoStrength, static_cast<int>(vetoes.size()));
    for (const auto& h : vetoes) out.matches.push_back(to_match("none", h));
  } else if (model) {
    const ModelPrediction& p = predict();
    if (p.intent != "none" && p.probability >= model_threshold()) {
      out.intent = p.intent;
      out.category = CategoryOf(p.intent);
      out.by = "model";
      out.confidence = p.probability;
      out.evidence = model->Predict(norm.text, /*with_evidence=*/true).evidence;
    } else {
      // Not trusted: `none`, as sure as the model is that it is none of the other intents.
      out.by = "default";
      double top_other = 0;
      for (size_t c = 0; c < model->classes().size() && c < p.distribution.size(); ++c)
        if (model->classes()[c] != "none") top_other = std::max(top_other, p.distribution[c]);
      out.confidence = 1.0 - top_other;
      if (p.intent != "none")
        out.evidence.push_back("model said " + p.intent + " at " + std::to_string(p.probability) +
                               ", below its threshold " + std::to_string(model_threshold()));
    }
  } else {
    out.by = "default";
    out.confidence = 0.5;  // no rule and no model: no evidence either way
  }

  if (options_.extract_entities) out.entities = ExtractEntities(norm, text);
  return ex;
}

}  // namespace gridrelay::intents
